"""``python -m crawler.distributed.scheduled``: a scheduled crawl in the shared mode (``schedule add --shared``).

The scheduler records the run, then starts this process: it makes that run a shared run named after the
schedule and the run (``schedule-nightly-run42``), queues the seeds, and waits until the run is over, recorded
by the workers (``ecwatch worker storefront --stay`` on each machine takes every run of its spider in turn).
Stopped (the schedule's time limit, a shutdown), it drops the run's queue, so the workers finish what they hold
and stop. Exit status 0 when the run finished, 1 when it failed or was stopped, 2 on bad input.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from typing import Any, Sequence

from storage.config import DataDirError, StorageConfig
from storage.db import make_engine, session_scope
from storage.models import CrawlRun

from ..config import ConfigError
from ..netpolicy import HostMapError
from ..run import UnknownSpider, project_settings
from ..seeds import SeedError
from .config import SharedConfig
from .keys import RunKeys, RunNameError
from .sharedrun import RedisUnavailable, SharedRun, connect
from .worker import SharedModeError, enqueue

WAIT_POLL = 5.0  # seconds between looks at the run's row


class Stopped(Exception):
    """SIGTERM: the scheduler's time limit or shutdown."""


def run_name_for(trigger: str, run_id: int) -> str:
    return f"{trigger.replace(':', '-')}-run{run_id}"


def wait_for_end(storage: StorageConfig, run_id: int, poll: float = WAIT_POLL) -> str:
    """The run's status once the workers recorded its end."""
    engine = make_engine(storage.database_url)
    try:
        while True:
            with session_scope(engine) as session:
                status = session.get_one(CrawlRun, run_id).status
            if status != "running":
                return status
            time.sleep(poll)
    finally:
        engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.distributed.scheduled",
                                     description="Queue a scheduled run for the shared workers and wait for its end.")
    parser.add_argument("spider")
    parser.add_argument("--seeds", required=True)
    parser.add_argument("--run-id", type=int, required=True)
    parser.add_argument("--trigger", default="schedule")
    parser.add_argument("-s", dest="settings", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args(argv)
    overrides: dict[str, Any] = dict(pair.split("=", 1) for pair in args.settings if "=" in pair)
    overrides.pop("LOG_FILE", None)  # this process's log, not the workers'
    storage = StorageConfig.from_env()
    name = run_name_for(args.trigger, args.run_id)
    try:
        done = enqueue(storage, args.spider, {"seeds": args.seeds}, name, overrides, trigger=args.trigger,
                       run_id=args.run_id)
    except (ConfigError, DataDirError, SeedError, HostMapError, UnknownSpider, RedisUnavailable, RunNameError,
            SharedModeError) as exc:
        print(f"ecwatch: {exc}", file=sys.stderr)
        return 2
    print(f"Shared run {done.run}: {done.added} seeds queued; waiting for the workers "
          f"(ecwatch worker {args.spider} --stay) to finish it", flush=True)

    def stop(_signum: int, _frame: Any) -> None:
        raise Stopped

    signal.signal(signal.SIGTERM, stop)
    try:
        status = wait_for_end(storage, args.run_id)
    except (Stopped, KeyboardInterrupt):
        shared = SharedConfig.from_settings(project_settings())
        run = SharedRun(connect(shared.redis_url), RunKeys(name, shared.prefix))
        run.claim_finish()  # the scheduler records this run's end (stopped), not the last worker
        run.close()
        print(f"Stopped: the queue of shared run {name} is dropped", flush=True)
        return 1
    print(f"Shared run {name} {status}", flush=True)
    return 0 if status == "finished" else 1


if __name__ == "__main__":
    sys.exit(main())
