"""``ecwatch enqueue`` and ``ecwatch worker``: one crawl shared by many workers (Redis + PostgreSQL)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import click

from crawler.distributed.keys import RunNameError
from crawler.distributed.sharedrun import RedisUnavailable, RunNotFound
from crawler.distributed.worker import SharedModeError, choose_run, enqueue as enqueue_seeds, run_with_work, run_worker
from storage.sharedruns import RunNameTaken

from .common import CONTEXT_SETTINGS, open_database, storage_config, user_errors
from .crawl import CRAWL_INPUT_ERRORS, parse_setting_overrides
from .i18n import tr
from .output import notice

STAND_POLL = 2.0  # seconds between looks for a run with work, when a standing worker has none
SHARED_INPUT_ERRORS = (*CRAWL_INPUT_ERRORS, RedisUnavailable, RunNotFound, RunNameError, RunNameTaken,
                       SharedModeError)


@click.command(context_settings=CONTEXT_SETTINGS)
@click.argument("spider")
@click.option("--url", "urls", multiple=True, metavar="URL", help="A seed URL (repeatable).")
@click.option("--seeds", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Seed file: one URL a line, or CSV with a 'url' column.")
@click.option("--run", "run_name", metavar="NAME",
              help="The shared run to add the seeds to; created if new (default: SPIDER-<UTC time>).")
@click.option("-s", "settings", multiple=True, metavar="NAME=VALUE",
              help="A crawler setting for every worker of a new run (repeatable).")
@user_errors(*SHARED_INPUT_ERRORS)
def enqueue(spider: str, urls: tuple[str, ...], seeds: Path | None, run_name: str | None,
            settings: tuple[str, ...]) -> None:
    """Put seeds into a shared run on Redis (ECWATCH_REDIS_URL), for 'ecwatch worker' to crawl.

    The first enqueue of a run creates it: a run row in the database (ECWATCH_DATABASE_URL, the
    shared PostgreSQL) and the run's queue in Redis; its -s settings hold for every worker. Seeds
    are checked as 'ecwatch crawl' checks them; a seed the run scheduled already is not queued again.

    Example:

    \b
        ecwatch enqueue storefront --seeds shops.txt --run nightly-0412 -s ECWATCH_MAX_PAGES_PER_SITE=50
        ecwatch worker storefront --run nightly-0412
    """
    overrides = parse_setting_overrides(settings)
    if not urls and not seeds:
        raise click.UsageError("give the seeds: --url URL (repeatable) or --seeds FILE")
    open_database().dispose()
    arguments: dict[str, Any] = {"urls": "\n".join(urls), "seeds": str(seeds or "")}
    done = enqueue_seeds(storage_config(), spider, arguments, run_name, overrides)
    notice(tr("Run {run} (database run {id}): {added} seeds queued, {known} scheduled already.",
              run=done.run, id=done.run_id, added=done.added, known=done.known))
    notice(tr("Start workers with: ecwatch worker {spider} --run {run}", spider=spider, run=done.run))


@click.command(context_settings=CONTEXT_SETTINGS)
@click.argument("spider")
@click.option("--run", "run_name", metavar="NAME", help="The shared run to work on (default: the only open one).")
@click.option("--concurrency", type=click.IntRange(min=1), metavar="N",
              help="Requests this worker has in flight at once (CONCURRENT_REQUESTS; default 32).")
@click.option("--stay", is_flag=True,
              help="A standing worker: work on every open run of SPIDER in turn, wait when there is none, "
                   "until Ctrl-C (what scheduled shared runs need).")
@user_errors(*SHARED_INPUT_ERRORS)
def worker(spider: str, run_name: str | None, concurrency: int | None, stay: bool) -> None:
    """Work on a shared run: take requests from its queue on Redis, store into the shared database.

    Start as many as you like, on as many machines, with the same ECWATCH_REDIS_URL,
    ECWATCH_DATABASE_URL and ECWATCH_DATA_DIR (a shared directory for the evidence files). A
    worker exits when the run is done (its queue empty, nothing in flight), and the last one records
    the run's end; with --stay it goes on with the next open run, and waits for one. A worker that
    dies loses nothing: the requests it held go back to the queue after ECWATCH_LEASE_SECONDS.

    Example:

    \b
        ecwatch worker storefront --run nightly-0412 --concurrency 16
        ecwatch worker storefront --stay
    """
    open_database().dispose()
    if stay:
        if run_name:
            raise click.UsageError("--stay takes every open run in turn: give no --run")
        _stand(spider, concurrency)
        return
    run = choose_run(spider, run_name)
    outcome = run_worker(storage_config(), run, concurrency=concurrency)
    state = (tr("done") if outcome.state.done else
             tr("{queued} queued, {in_flight} in flight", queued=outcome.state.queued, in_flight=outcome.state.in_flight))
    status = outcome.run_status
    if outcome.state.done and status == "running":  # the last worker to stop records the run's end
        status = tr("being closed by another worker")
    notice(tr("Worker stored {pages} pages; run {run} (database run {id}): {state}, status {status}.",
              pages=outcome.pages, run=outcome.run, id=outcome.run_id, state=state, status=status))


def _stand(spider: str, concurrency: int | None) -> None:
    """One worker process per run (Scrapy's reactor runs once per process), one run after another."""
    notice(tr("Standing worker for {spider}: waiting for shared runs (Ctrl-C to stop).", spider=spider))
    extra = ["--concurrency", str(concurrency)] if concurrency else []
    try:
        while True:
            name = run_with_work(spider)
            if name is None:
                time.sleep(STAND_POLL)
                continue
            subprocess.run([sys.executable, "-m", "cli.main", "worker", spider, "--run", name, *extra], check=False)
    except KeyboardInterrupt:  # the child had it too, and stopped cleanly
        notice(tr("Stopped."))


COMMANDS = (enqueue, worker)
