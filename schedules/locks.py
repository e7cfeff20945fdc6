"""One run of a schedule at a time, across processes and machines sharing the database.

A lock is a row of ``schedule_locks`` keyed by the schedule's name: taking it is an insert
that the primary key lets only one process win, on SQLite and PostgreSQL alike. Each row
carries a lease (``expires_at``) as long as the longest life the run's crawl process can
have, so a scheduler that died mid-run (power cut, ``kill -9``) blocks its schedule only
until its orphaned crawl would have ended anyway, never for good.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.exc import IntegrityError

from storage.db import session_scope
from storage.models import CrawlRun, ScheduleLock, utcnow
from storage.repository import finish_run
from storage.runs import mark_interrupted, process_alive, this_host

logger = logging.getLogger(__name__)


def new_owner() -> str:
    """Names the holder in the row, for the operator reading ``schedule_locks``."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class Holder:
    owner: str
    run_id: int | None
    acquired_at: datetime
    expires_at: datetime

    def describe(self) -> str:
        run = f"run {self.run_id}, " if self.run_id is not None else ""
        return f"{run}started {self.acquired_at:%Y-%m-%d %H:%M:%S} UTC by {self.owner}"


def try_acquire(engine: Engine, name: str, owner: str, lease: timedelta, run_id: int | None = None) -> Holder | None:
    """Take the lock of ``name``; returns ``None`` on success, else who holds it."""
    for _attempt in range(3):
        _break_expired(engine, name)
        now = utcnow()
        try:
            with session_scope(engine) as session:
                session.add(ScheduleLock(name=name, owner=owner, run_id=run_id, acquired_at=now,
                                         expires_at=now + lease))
            return None
        except IntegrityError:
            holder = current_holder(engine, name)
            if holder is not None:
                return holder
            # Released between our insert and our look: the lock is free again, try once more.
    raise RuntimeError(f"could not take or read the lock of {name!r}")


def renew(engine: Engine, name: str, owner: str, lease: timedelta) -> bool:
    """Extend our lease; ``False`` if the lock is no longer ours (it expired and was taken)."""
    with session_scope(engine) as session:
        result = session.execute(update(ScheduleLock).where(ScheduleLock.name == name, ScheduleLock.owner == owner)
                                 .values(expires_at=utcnow() + lease))
        return bool(result.rowcount)  # type: ignore[attr-defined]


def release(engine: Engine, name: str, owner: str) -> None:
    # Only our own row: after a lease expired, someone else may hold the lock by now.
    with session_scope(engine) as session:
        session.execute(delete(ScheduleLock).where(ScheduleLock.name == name, ScheduleLock.owner == owner))


def current_holder(engine: Engine, name: str) -> Holder | None:
    with session_scope(engine) as session:
        row = session.get(ScheduleLock, name)
        return None if row is None else Holder(row.owner, row.run_id, row.acquired_at, row.expires_at)


def _owner_gone(row: ScheduleLock, run: CrawlRun | None) -> bool:
    """The lock's owner (a scheduler on this host) is dead, and so is the crawl it started, if any."""
    host, _, rest = row.owner.partition(":")
    pid = rest.partition(":")[0]
    if host != this_host() or not pid.isdigit() or process_alive(int(pid)):
        return False
    return run is None or run.status != "running" or run.pid is None or not process_alive(run.pid)


def _break_expired(engine: Engine, name: str) -> None:
    """Remove a lock whose lease ran out, or whose owner and crawl are both dead on this host, and
    record that the run it protected was abandoned."""
    with session_scope(engine) as session:
        mark_interrupted(session)
        row = session.get(ScheduleLock, name)
        if row is None:
            return
        run = session.get(CrawlRun, row.run_id) if row.run_id is not None else None
        if row.expires_at >= utcnow() and not _owner_gone(row, run):
            return
        logger.warning("The lock of schedule %s held by %s (lease to %s) is abandoned; breaking it", name,
                       row.owner, row.expires_at.isoformat())
        # Deleting by owner: of two processes breaking the same lease, one deletes, the other no-ops.
        session.execute(delete(ScheduleLock).where(ScheduleLock.name == name, ScheduleLock.owner == row.owner))
        if row.run_id is not None:
            run = session.get(CrawlRun, row.run_id)
            if run is not None and run.status == "running":
                finish_run(session, run.id, status="failed",
                           error=f"abandoned: the process running it ({row.owner}) stopped without recording "
                                 "its end, and its lock lease expired")
