"""One run of a schedule at a time, and a lock whose holder died does not block the schedule."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

from sqlalchemy import Engine

from schedules.locks import current_holder, new_owner, release, try_acquire
from storage.db import session_scope
from storage.models import CrawlRun
from storage.repository import start_run
from storage.runs import this_host


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_second_process_cannot_take_a_held_lock(engine: Engine) -> None:
    first, second = new_owner(), new_owner()
    assert try_acquire(engine, "schedule:nightly", first, timedelta(hours=1)) is None
    holder = try_acquire(engine, "schedule:nightly", second, timedelta(hours=1))
    assert holder is not None and holder.owner == first
    release(engine, "schedule:nightly", first)
    assert try_acquire(engine, "schedule:nightly", second, timedelta(hours=1)) is None


def test_a_lock_whose_scheduler_and_crawl_died_on_this_host_is_broken_at_once(engine: Engine) -> None:
    dead = _dead_pid()
    with session_scope(engine) as session:
        run = start_run(session, "storefront", {}, trigger="schedule:nightly")
        run.host, run.pid = this_host(), dead  # its crawl process, gone too
        run_id = run.id
    owner = f"{this_host()}:{dead}:deadbeef"  # a scheduler killed with -9, its lease hours from expiry
    assert try_acquire(engine, "schedule:nightly", owner, timedelta(hours=6), run_id) is None
    assert try_acquire(engine, "schedule:nightly", new_owner(), timedelta(hours=1)) is None  # taken over
    assert current_holder(engine, "schedule:nightly").owner != owner
    with session_scope(engine) as session:
        assert session.get_one(CrawlRun, run_id).status == "interrupted"


def test_a_lock_held_by_a_live_scheduler_stays(engine: Engine) -> None:
    import os

    owner = f"{this_host()}:{os.getpid()}:alive"
    assert try_acquire(engine, "schedule:nightly", owner, timedelta(hours=6)) is None
    assert try_acquire(engine, "schedule:nightly", new_owner(), timedelta(hours=1)) is not None
