"""A shared run's rows: one ``crawl_runs`` row named by the run, one ``run_workers`` row per worker process.

Workers write beside each other into the run's row: each one's statistics are merged in under a row lock
(``SELECT … FOR UPDATE`` on PostgreSQL), and the worker that claims the run's end records it, with what the run's
findings did counted from the database (a finding two workers saw counts once).
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .findings import GONE, OPEN, reconcile_sites
from .models import CrawlRun, Finding, FindingEvent, PageSnapshot, RunWorker, Sighting, utcnow
from .repository import finish_run
from .runs import process_alive, this_host


class RunNameTaken(ValueError):
    """A shared run name used before; one line."""


def start_shared_run(session: Session, name: str, spider: str, arguments: dict[str, Any],
                     trigger: str = "adhoc") -> CrawlRun:
    if session.scalar(select(CrawlRun.id).where(CrawlRun.name == name)) is not None:
        raise RunNameTaken(f"a run named {name!r} exists already in the database; give another --run NAME")
    run = CrawlRun(name=name, spider=spider, arguments=arguments, trigger=trigger, stats={"workers": {}})
    session.add(run)
    session.flush()
    return run


def name_run(session: Session, run_id: int, name: str) -> CrawlRun:
    """Make a run recorded already (by the scheduler) the shared run ``name``."""
    if session.scalar(select(CrawlRun.id).where(CrawlRun.name == name, CrawlRun.id != run_id)) is not None:
        raise RunNameTaken(f"a run named {name!r} exists already in the database")
    run = session.get_one(CrawlRun, run_id)
    run.name = name
    run.stats = {**(run.stats or {}), "workers": {}}
    return run


def join_run(session: Session, run_id: int, worker: str) -> RunWorker:
    row = RunWorker(run_id=run_id, worker=worker, host=this_host(), pid=os.getpid())
    session.add(row)
    session.flush()
    return row


def worker_beat(session: Session, worker_id: int, pages: int) -> None:
    row = session.get_one(RunWorker, worker_id)
    row.heartbeat_at, row.pages = utcnow(), pages


def leave_run(session: Session, worker_id: int, *, pages: int, stats: dict[str, Any]) -> None:
    """The worker stops: its row says so, and its statistics go into the run's."""
    row = session.get_one(RunWorker, worker_id)
    row.finished_at, row.heartbeat_at, row.pages = utcnow(), utcnow(), pages
    run = session.scalars(select(CrawlRun).where(CrawlRun.id == row.run_id).with_for_update()).one()
    merged = dict(run.stats or {})
    merged["workers"] = {**merged.get("workers", {}), row.worker: stats}
    merged["errors"] = sum(int(w.get("errors", 0)) for w in merged["workers"].values())
    run.stats = merged


def run_finding_summary(session: Session, run_id: int) -> dict[str, dict[str, int]]:
    """Per rule, the findings the run made new, saw still open, reopened and saw gone, from the database: each
    finding counted once, whichever workers saw it (their own tallies would count it once each)."""
    def ids_by_rule(query: Any) -> dict[str, set[int]]:
        found: dict[str, set[int]] = {}
        for rule, finding_id in session.execute(query):
            found.setdefault(rule, set()).add(finding_id)
        return found

    events = (select(Finding.rule, FindingEvent.finding_id).join(Finding, Finding.id == FindingEvent.finding_id)
              .where(FindingEvent.run_id == run_id, FindingEvent.field == "state"))
    new = ids_by_rule(events.where(FindingEvent.old.is_(None)))
    reopened = ids_by_rule(events.where(FindingEvent.old == GONE, FindingEvent.new == OPEN))
    gone = ids_by_rule(events.where(FindingEvent.new == GONE))
    seen = ids_by_rule(select(Finding.rule, Sighting.finding_id).join(Finding, Finding.id == Sighting.finding_id)
                       .join(PageSnapshot, PageSnapshot.id == Sighting.snapshot_id)
                       .where(PageSnapshot.run_id == run_id))
    rules = sorted(set(new) | set(reopened) | set(gone) | set(seen))
    return {rule: {"new": len(new.get(rule, set())),
                   "still_open": len(seen.get(rule, set()) - new.get(rule, set()) - reopened.get(rule, set())
                                     - gone.get(rule, set())),
                   "reopened": len(reopened.get(rule, set())), "gone": len(gone.get(rule, set()))} for rule in rules}


def finish_shared_run(session: Session, run_id: int) -> CrawlRun:
    """Record the end of a run that is done: findings its sites no longer show are gone, totals counted."""
    site_ids = set(session.scalars(select(PageSnapshot.site_id).where(PageSnapshot.run_id == run_id).distinct()))
    reconcile_sites(session, site_ids, run_id=run_id)
    session.flush()
    run = session.scalars(select(CrawlRun).where(CrawlRun.id == run_id).with_for_update()).one()
    run.finding_summary = run_finding_summary(session, run_id)
    status = "finished" if run.pages or session.scalar(select(PageSnapshot.id).where(
        PageSnapshot.run_id == run_id).limit(1)) else "failed"
    return finish_run(session, run_id, status=status, stats=dict(run.stats or {}),
                      error=None if status == "finished" else "no page could be fetched (see the workers' logs)")


WORKER_STALE_AFTER = timedelta(minutes=2)  # a worker that has not beaten for this long is taken for dead


def worker_alive(worker: RunWorker) -> bool:
    if worker.finished_at is not None:
        return False
    if worker.host == this_host() and not process_alive(worker.pid):
        return False
    return utcnow() - worker.heartbeat_at <= WORKER_STALE_AFTER


def workers_of(session: Session, run_ids: list[int]) -> dict[int, list[RunWorker]]:
    """The workers of these runs (shared runs have some), in the order they joined."""
    found: dict[int, list[RunWorker]] = {}
    for worker in session.scalars(select(RunWorker).where(RunWorker.run_id.in_(run_ids)).order_by(RunWorker.id)):
        found.setdefault(worker.run_id, []).append(worker)
    return found
