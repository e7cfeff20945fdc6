"""Shared mode: one crawl run by many workers, on one Redis and one PostgreSQL.

scrapy-redis does the sharing: its ``Scheduler`` keeps the run's requests in Redis, with a dupefilter keyed by
the run, so every worker takes from one queue and a page is scheduled once whichever worker met its link. What
ecwatch adds on top:

- ``leases``: a request taken from the queue is leased, not gone; it is acknowledged once its page is stored
  (or its failure counted), and a lease that expires (its worker died) goes back to the queue;
- ``dupefilter``: the pages-per-site limit counted in Redis, in the same atomic step as the dupefilter;
- ``politeness``: one next-allowed time per site in Redis, whichever worker fetches;
- ``sharedrun``: the run's keys, settings and seeds in Redis, and whether it is done (queue empty, nothing
  in flight); ``recorder``: the run's row and each worker's row in the database;
- ``worker``: ``ecwatch enqueue`` and ``ecwatch worker``.

The embedded mode (``ecwatch crawl``) imports none of this.
"""
