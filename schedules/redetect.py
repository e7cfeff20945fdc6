"""Re-detection: run the current rules over stored snapshots judged under other rules.

A rule fix thus reaches old evidence without a re-crawl. Findings are keyed by
(rule, URL, subject), so a finding raised again is updated, a new one added, and an open one
the rules no longer raise is retracted; what a reviewer decided is left alone.

Run as ``python -m schedules.redetect --run-id N`` by ``jobs.redetect_job``, in a process of
its own so that the detectors' code is the code deployed now (the rules version hashes it).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Mapping, Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, or_, select
from sqlalchemy.orm import Session

from detectors import InMemoryRegistry, Rulebook, detect, load_rulebook, parse_page, rules_version
from detectors.types import Context
from storage.blobs import BlobStore
from storage.config import StorageConfig
from storage.db import make_engine, session_scope
from storage.models import CrawlRun, PageSnapshot
from storage.repository import StoredRegistry, finish_run, save_findings

logger = logging.getLogger(__name__)

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
BATCH = 100  # snapshots per transaction: progress survives a stop, SQLite writers wait briefly
MAX_LISTED_ERRORS = 20


def current_rulebook(rules_dir: str | None = None) -> Rulebook:
    """The rules as on disk now (``ECWATCH_RULES_DIR`` / ``ECWATCH_CALENDAR_FILE`` honoured)."""
    return load_rulebook(rules_dir or None, environ=os.environ)


def _stale(version: str):  # type: ignore[no-untyped-def]
    return or_(PageSnapshot.detected_rules_version.is_(None), PageSnapshot.detected_rules_version != version)


def count_stale(session: Session, version: str) -> int:
    return session.scalar(select(func.count()).select_from(PageSnapshot).where(_stale(version))) or 0


@dataclass
class RedetectStats:
    snapshots: int = 0
    findings_new: int = 0
    findings_updated: int = 0
    findings_retracted: int = 0
    raised: set[int] = field(default_factory=set)  # a site-wide finding is raised by many pages
    errors: list[str] = field(default_factory=list)
    stopped_early: bool = False

    def as_dict(self, version: str) -> dict[str, object]:
        return {"rules_version": version, "snapshots": self.snapshots, "findings": len(self.raised),
                "findings_new": self.findings_new,
                "findings_updated": self.findings_updated, "findings_retracted": self.findings_retracted,
                "errors": len(self.errors)}


def redetect(engine: Engine, blobs: BlobStore, rulebook: Rulebook, *, deadline: float | None = None) -> RedetectStats:
    """Judge every stale snapshot again, in id order, one committed batch at a time."""
    version = rules_version(rulebook)
    registry = _load_registry(engine)
    stats = RedetectStats()
    last_id = 0
    while True:
        if deadline is not None and time.monotonic() > deadline:
            stats.stopped_early = True
            return stats
        with session_scope(engine) as session:
            batch = session.scalars(select(PageSnapshot).where(_stale(version), PageSnapshot.id > last_id)
                                    .order_by(PageSnapshot.id).limit(BATCH)).all()
            if not batch:
                return stats
            for snapshot in batch:
                _judge(session, snapshot, blobs, rulebook, version, registry, stats)
            last_id = batch[-1].id
        logger.info("Re-detection: %d snapshots judged under rules %s", stats.snapshots, version)


def _judge(session: Session, snapshot: PageSnapshot, blobs: BlobStore, rulebook: Rulebook, version: str,
           registry: InMemoryRegistry, stats: RedetectStats) -> None:
    stats.snapshots += 1
    try:
        body = blobs.read(snapshot.body_path)
        findings = []
        if _looks_like_html(snapshot.headers, body):
            page = parse_page(body, snapshot.final_url, encoding=_charset(snapshot.headers))
            context = Context(on=judged_on(snapshot), registry=registry, ad_id=snapshot.ad_id)
            findings = detect(page, context, rulebook=rulebook)
    except Exception as exc:  # noqa: BLE001 - one unreadable page must not stop the others
        # Stamped all the same: retrying every few minutes would not bring a lost file back.
        # The run is marked failed and names the snapshot, for a person to look at.
        stats.errors.append(f"snapshot {snapshot.id} ({snapshot.final_url}): {type(exc).__name__}: {exc}")
        logger.warning("Re-detection of snapshot %d failed: %s", snapshot.id, exc)
        snapshot.detected_rules_version = version
        return
    saved = save_findings(session, snapshot, findings, version, retract_missing=True)
    stats.findings_new += saved.new
    stats.findings_updated += saved.updated
    stats.findings_retracted += saved.retracted
    stats.raised.update(saved.ids)


def judged_on(snapshot: PageSnapshot) -> date:
    """The rules in force on the day the page was seen, in Vietnam."""
    return snapshot.fetched_at.astimezone(VIETNAM).date()


def _load_registry(engine: Engine) -> InMemoryRegistry:
    with session_scope(engine) as session:
        return InMemoryRegistry(StoredRegistry(session).all_records())


def _content_type(headers: Mapping[str, object]) -> str:
    for key, value in headers.items():
        if key.lower() == "content-type":
            values = value if isinstance(value, list) else [value]
            return str(values[0]).lower() if values else ""
    return ""


def _looks_like_html(headers: Mapping[str, object], body: bytes) -> bool:
    # As the crawler decides (crawler/adapters.py): what it did not judge, we do not either.
    content_type = _content_type(headers)
    return "html" in content_type or (not content_type and b"<html" in body[:2048].lower())


def _charset(headers: Mapping[str, object]) -> str | None:
    for part in _content_type(headers).split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key == "charset" and value:
            return value.strip("\"' ")
    return None


# --- the child process --------------------------------------------------------------------


def record(engine: Engine, run_id: int, stats: RedetectStats, version: str) -> str:
    """What the run did; pages and findings here mean snapshots re-judged and distinct findings raised."""
    status = "failed" if stats.errors or stats.stopped_early else "finished"
    problems = list(stats.errors[:MAX_LISTED_ERRORS])
    if len(stats.errors) > MAX_LISTED_ERRORS:
        problems.append(f"... and {len(stats.errors) - MAX_LISTED_ERRORS} more")
    if stats.stopped_early:
        problems.insert(0, "time limit reached: the remaining snapshots are left for the next run")
    with session_scope(engine) as session:
        finish_run(session, run_id, status=status, stats=stats.as_dict(version),
                   error="\n".join(problems) if problems else None)
        run = session.get_one(CrawlRun, run_id)
        run.pages = stats.snapshots
        run.findings = len(stats.raised)
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
        version = rules_version(rulebook)
        logger.info("Re-detection under rules %s (%s)", version, ", ".join(rulebook.files))
        deadline = time.monotonic() + args.time_limit if args.time_limit else None
        stats = redetect(engine, BlobStore(config.data_dir), rulebook, deadline=deadline)
        status = record(engine, args.run_id, stats, version)
        logger.info("Re-detection %s: %s", status, stats.as_dict(version))
        return 0 if status == "finished" else 1
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
