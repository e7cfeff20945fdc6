"""Re-detection: judge again, under the current rules, the current pages judged under other rules.

A rule fix thus reaches stored evidence without a re-crawl: every site whose current pages (the
latest snapshot of each URL) were judged under other rules is judged again through the one judge
(``storage.judge``), and its findings follow: new ones open, those no longer raised go ``gone``
(reviewer decisions are never touched). Older snapshots keep the sightings of their own day.

Run as ``python -m schedules.redetect --run-id N`` by ``jobs.redetect_job``, in a process of its
own so that the detectors' code is the code deployed now (the rules version hashes it).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from typing import Sequence

from sqlalchemy import Engine, func, or_, select
from sqlalchemy.orm import Session

from detectors import Rulebook, load_rulebook
from storage.blobs import BlobStore
from storage.config import StorageConfig
from storage.db import make_engine, session_scope
from storage.findings import latest_snapshots
from storage.judge import Judge, RejudgeStats, rejudge_sites
from storage.models import CrawlRun, PageSnapshot
from storage.repository import finish_run

logger = logging.getLogger(__name__)

MAX_LISTED_ERRORS = 20


def current_rulebook(rules_dir: str | None = None) -> Rulebook:
    """The rules as on disk now (``ECWATCH_RULES_DIR`` / ``ECWATCH_CALENDAR_FILE`` honoured)."""
    return load_rulebook(rules_dir or None, environ=os.environ)


def count_stale(session: Session, version: str) -> int:
    """Current pages (latest snapshot of each URL) judged under other rules, or never judged."""
    latest = latest_snapshots().subquery()
    stale = or_(PageSnapshot.detected_rules_version.is_(None), PageSnapshot.detected_rules_version != version,
                PageSnapshot.judge_status.is_(None))
    query = select(func.count()).select_from(PageSnapshot).join(latest, PageSnapshot.id == latest.c.id).where(stale)
    return session.scalar(query) or 0


def redetect(engine: Engine, blobs: BlobStore, rulebook: Rulebook, *, run_id: int | None = None,
             deadline: float | None = None) -> RejudgeStats:
    """Judge again every site with a current page judged under other rules, one site per transaction."""
    with session_scope(engine) as session:
        judge = Judge.from_store(session, rulebook=rulebook)
    return rejudge_sites(engine, judge, blobs, stale_only=True, run_id=run_id, deadline=deadline)


def summary(stats: RejudgeStats, version: str) -> dict[str, object]:
    return {"rules_version": version, "snapshots": stats.snapshots, "sites": stats.sites,
            "findings": stats.tally.summary(), "errors": len(stats.errors)}


# --- the child process --------------------------------------------------------------------


def record(engine: Engine, run_id: int, stats: RejudgeStats, version: str) -> str:
    """What the run did; pages here means snapshots re-judged, findings the findings new or reopened."""
    status = "failed" if stats.errors or stats.stopped_early else "finished"
    problems = list(stats.errors[:MAX_LISTED_ERRORS])
    if len(stats.errors) > MAX_LISTED_ERRORS:
        problems.append(f"... and {len(stats.errors) - MAX_LISTED_ERRORS} more")
    if stats.stopped_early:
        problems.insert(0, "time limit reached: the remaining snapshots are left for the next run")
    with session_scope(engine) as session:
        finish_run(session, run_id, status=status, stats=summary(stats, version),
                   error="\n".join(problems) if problems else None)
        run = session.get_one(CrawlRun, run_id)
        run.pages = stats.snapshots
        run.findings = stats.tally.total_new + sum(stats.tally.reopened.values())
        run.finding_summary = stats.tally.summary()
    return status


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m schedules.redetect", description=__doc__)
    parser.add_argument("--run-id", type=int, required=True, help="the crawl_runs row to record into")
    parser.add_argument("--rules-dir", help="rules directory (default: ECWATCH_RULES_DIR, else the bundled rules)")
    parser.add_argument("--time-limit", type=float, help="seconds; stop between batches after this")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s [%(name)s] %(levelname)s: %(message)s")
    config = StorageConfig.from_env()
    engine = make_engine(config.database_url)
    try:
        rulebook = current_rulebook(args.rules_dir)
        version = rulebook.digest
        logger.info("Re-detection under rules %s (%s)", version, ", ".join(rulebook.files))
        deadline = time.monotonic() + args.time_limit if args.time_limit else None
        stats = redetect(engine, BlobStore(config.data_dir), rulebook, run_id=args.run_id, deadline=deadline)
        status = record(engine, args.run_id, stats, version)
        logger.info("Re-detection %s: %s", status, summary(stats, version))
        return 0 if status == "finished" else 1
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
