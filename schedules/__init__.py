"""Nightly crawls and re-detection with APScheduler 3.x.

``jobs`` holds the work as plain functions (pickled by reference into the job store),
``runner`` the scheduler set-up, ``locks`` the one-run-at-a-time rule, ``redetect`` the
re-judging of stored snapshots. Nothing here imports the crawler: crawls run as
``python -m crawler.run`` in a child process.
"""
