"""Which runs are really running: a heartbeat from the process that runs each, and what to call a
run whose process is gone.

A crawl process writes its host, pid and a heartbeat every ``HEARTBEAT`` seconds. A run still
``running`` whose process is known to be gone (same host, no such pid) or that has not beaten for
``STALE_AFTER`` is ``interrupted``: it can be resumed (``ecwatch crawl --resume RUN``).
"""

from __future__ import annotations

import os
import socket
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import CrawlRun, utcnow

HEARTBEAT = 15.0  # seconds between heartbeats
STALE_AFTER = timedelta(minutes=10)  # a run on another host that has not beaten for this long is gone
INTERRUPTED = "interrupted"


def this_host() -> str:
    return socket.gethostname()


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def beat(session: Session, run_id: int) -> None:
    """Record that this process is running ``run_id`` and alive now."""
    run = session.get_one(CrawlRun, run_id)
    run.host, run.pid, run.heartbeat_at = this_host(), os.getpid(), utcnow()


def mark_interrupted(session: Session) -> list[int]:
    """Set ``interrupted`` on every ``running`` run whose process is gone; returns their ids."""
    now, host = utcnow(), this_host()
    gone = []
    for run in session.scalars(select(CrawlRun).where(CrawlRun.status == "running", CrawlRun.pid.is_not(None))):
        stale = run.heartbeat_at is not None and now - run.heartbeat_at > STALE_AFTER
        # A pid can be taken again by an unrelated process: a stale heartbeat says gone all the same.
        if stale or (run.host == host and run.pid is not None and not process_alive(run.pid)):
            run.status = INTERRUPTED
            run.finished_at = now
            last = f"{run.heartbeat_at:%Y-%m-%d %H:%M:%S} UTC" if run.heartbeat_at else "none"
            run.error = (f"interrupted: its process (pid {run.pid} on {run.host}) went away without recording its "
                         f"end; last heartbeat {last}. Resume it with: ecwatch crawl --resume {run.id}")
            gone.append(run.id)
    return gone
