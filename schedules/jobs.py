"""The scheduled work, as plain functions; the scheduler itself is set up in ``runner``.

APScheduler stores a job as a reference (``"schedules.jobs:crawl_job"``) plus pickled keyword
arguments, so these functions stay at module level and take only plain values. They read the
storage configuration (``ECWATCH_DATA_DIR``, ``ECWATCH_DATABASE_URL``) when they run, so no
database password is ever pickled into the job store.

A crawl runs in a child process, ``python -m crawler.run ...``: Scrapy's reactor cannot be
restarted in a long-lived process, and a crashed crawl must not take the scheduler with it.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence
from urllib.parse import urlsplit

from sqlalchemy import Engine

from storage.config import StorageConfig
from storage.db import make_engine, session_scope
from storage.history import due_revisits, mark_revisited
from storage.models import CrawlRun, utcnow
from storage.repository import finish_run, start_run

from .locks import Holder, new_owner, release, try_acquire

logger = logging.getLogger(__name__)

DEFAULT_TIME_LIMIT = 6 * 3600.0  # a 02:00 crawl is over before the office opens
REVISIT_TIME_LIMIT = 1800.0  # a revisit fetches a few pages again
REVISIT_LOCK = "revisit"
STOP_GRACE = 60.0  # seconds a crawl gets to close cleanly after SIGTERM before it is killed
LEASE_MARGIN = 300.0  # beyond the child's own bound (CLOSESPIDER_TIMEOUT): its last downloads, its shutdown
POLL_INTERVAL = 0.5
TAIL_LINES = 15
TAIL_CHARS = 3000

# Settings the job sets itself; a schedule may not override them (``check_settings``).
RESERVED_SETTINGS = frozenset({"LOG_FILE", "ECWATCH_DATA_DIR", "ECWATCH_DATABASE_URL"})

_stopping = threading.Event()


def request_stop() -> None:
    """Ask running jobs to stop their child process and record the run (scheduler shutdown)."""
    _stopping.set()


def clear_stop() -> None:
    _stopping.clear()


def check_settings(settings: Mapping[str, str]) -> None:
    reserved = sorted(RESERVED_SETTINGS & set(settings))
    if reserved:
        raise ValueError(f"setting {reserved[0]} is set by the scheduler itself and cannot be overridden")


def crawl_job(name: str, spider: str, seeds: str, settings: Mapping[str, str] | None = None,
              time_limit: float = DEFAULT_TIME_LIMIT, trigger: str | None = None, shared: bool = False) -> int:
    """Run one crawl of schedule ``name`` to its end and record it; returns the run's id.

    ``shared``: the crawl is a shared run: the child queues the seeds on Redis for the workers
    (``ecwatch worker --stay``) and waits for them to finish it (``crawler.distributed.scheduled``).

    ``spider`` must already be a known spider name: this layer cannot import the crawler to
    check it (the CLI does). A run that finds the schedule already running is recorded as
    ``skipped``; one that fails, times out or is stopped is recorded as ``failed`` with why.
    """
    spec = CrawlSpec(name=name, spider=spider, seeds=seeds, settings=dict(settings or {}),
                     time_limit=float(time_limit), trigger=trigger or f"schedule:{name}", shared=shared)
    config = StorageConfig.from_env()
    engine = make_engine(config.database_url)
    try:
        return run_locked(engine, config, spec.child_run())
    finally:
        engine.dispose()


def redetect_job(rules_dir: str | None = None, time_limit: float = DEFAULT_TIME_LIMIT,
                 trigger: str | None = None) -> int | None:
    """Judge again, under the current rules, every stored snapshot judged under other rules.

    Does nothing (and records nothing) when every snapshot is up to date, so it can run often.
    The work happens in a child process (``schedules.redetect``) that imports the detectors
    afresh: rules code deployed since this scheduler started is the code that judges.
    Returns the run's id, or ``None`` when there was nothing to do.
    """
    config = StorageConfig.from_env()
    engine = make_engine(config.database_url)
    try:
        pending = _stale_snapshots(engine, rules_dir)
        if pending == 0:
            logger.debug("Re-detection: every snapshot is judged under the current rules")
            return None
        command = [sys.executable, "-m", "schedules.redetect"]
        if rules_dir:
            command += ["--rules-dir", str(rules_dir)]
        child = ChildRun(lock="redetect", label="redetect", arguments={"rules_dir": rules_dir or ""},
                         trigger=trigger or "schedule:redetect", time_limit=float(time_limit),
                         command=lambda run_id, _log: [*command, "--run-id", str(run_id),
                                                       "--time-limit", f"{time_limit:g}"])
        return run_locked(engine, config, child)
    finally:
        engine.dispose()


def revisit_job(time_limit: float = REVISIT_TIME_LIMIT, trigger: str | None = None) -> int | None:
    """Crawl the pages whose revisit is due (a deadline a history rule wants to test again,
    PROMO-FAKE-URGENCY), then mark those requests served by the run. Does nothing (and records
    nothing) when none is due, so it can run often. Returns the run's id, or ``None``.

    The crawl is a storefront crawl of the due URLs as seeds, one link deep and no more pages per site
    than it has due URLs: the page itself is what must be seen again.
    """
    config = StorageConfig.from_env()
    engine = make_engine(config.database_url)
    try:
        with session_scope(engine) as session:
            due = [(request.id, request.url) for request in due_revisits(session)]
        if not due:
            logger.debug("Revisits: none due")
            return None
        seeds = _revisit_seeds(config, [url for _id, url in due])
        per_site = max(Counter(urlsplit(url).hostname or "" for _id, url in due).values())
        spec = CrawlSpec(name=REVISIT_LOCK, spider="storefront", seeds=str(seeds),
                         settings={"DEPTH_LIMIT": "1", "ECWATCH_MAX_PAGES_PER_SITE": str(per_site)},
                         time_limit=float(time_limit), trigger=trigger or f"schedule:{REVISIT_LOCK}")
        run_id = run_locked(engine, config, spec.child_run())
        with session_scope(engine) as session:
            mark_revisited(session, [request_id for request_id, _url in due], run_id)
        return run_id
    finally:
        engine.dispose()


def _revisit_seeds(config: StorageConfig, urls: Sequence[str]) -> Path:
    folder = config.data_dir / "revisits"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"due-{datetime.now(timezone.utc):%Y%m%dT%H%M%S%f}.txt"
    path.write_text("".join(f"{url}\n" for url in sorted(set(urls))), encoding="utf-8")
    return path


def _stale_snapshots(engine: Engine, rules_dir: str | None) -> int | None:
    """How many snapshots await re-detection; ``None`` if this process cannot tell."""
    from . import redetect  # the detectors, only when the job runs

    try:
        version = redetect.current_rulebook(rules_dir).digest
    except Exception as exc:  # noqa: BLE001 - e.g. rules newer than this process's code: the child will say
        logger.warning("Re-detection: cannot read the rules here (%s); leaving it to the child process", exc)
        return None
    with session_scope(engine) as session:
        return redetect.count_stale(session, version)


@dataclass(frozen=True)
class ChildRun:
    """One recorded run of a child process under a schedule's lock."""

    lock: str
    label: str  # what ``crawl_runs.spider`` shows: the spider, or "redetect"
    arguments: dict[str, Any]
    trigger: str
    time_limit: float
    command: Callable[[int, Path], list[str]]  # (run id, log path) -> argv

    def lease(self) -> timedelta:
        """How long the child can live even orphaned (it stops itself: CLOSESPIDER_TIMEOUT, --time-limit):
        the lock must outlast it, so a scheduler killed mid-run never lets a second run start beside it."""
        return timedelta(seconds=self.time_limit + 2 * STOP_GRACE + LEASE_MARGIN)


@dataclass(frozen=True)
class CrawlSpec:
    name: str
    spider: str
    seeds: str
    settings: dict[str, str] = field(default_factory=dict)
    time_limit: float = DEFAULT_TIME_LIMIT
    trigger: str = ""
    shared: bool = False

    def command(self, run_id: int, log_path: Path) -> list[str]:
        # Our bound first so a schedule may tighten it; the log file last so nothing overrides it.
        settings = {"CLOSESPIDER_TIMEOUT": f"{self.time_limit + STOP_GRACE:g}", **self.settings,
                    "LOG_FILE": str(log_path)}
        # The crawler's own entry points: this layer reaches the crawler only through a process.
        module = "crawler.distributed.scheduled" if self.shared else "crawler.run"
        command = [sys.executable, "-m", module, self.spider, "--seeds", self.seeds,
                   "--run-id", str(run_id), "--trigger", self.trigger]
        for key, value in settings.items():
            command += ["-s", f"{key}={value}"]
        return command

    def child_run(self) -> ChildRun:
        return ChildRun(lock=lock_name(self.name), label=self.spider, arguments={"seeds": self.seeds},
                        trigger=self.trigger, time_limit=self.time_limit, command=self.command)


def run_locked(engine: Engine, config: StorageConfig, job: ChildRun) -> int:
    """Record a run, take the lock (or record the run skipped), run the child, record its end."""
    with session_scope(engine) as session:
        run_id = start_run(session, job.label, job.arguments, trigger=job.trigger).id
    owner = new_owner()
    holder = try_acquire(engine, job.lock, owner, job.lease(), run_id)
    if holder is not None:
        _record_skipped(engine, run_id, job.lock, holder)
        return run_id
    try:
        log_path = _log_path(config, job.lock, run_id)
        with session_scope(engine) as session:
            session.get_one(CrawlRun, run_id).log_path = str(log_path)
        logger.info("%s: run %d started (%s), log %s", job.lock, run_id, job.label, log_path)
        outcome = _run_child(job.command(run_id, log_path), _child_env(config), log_path, job.time_limit)
        status = _record_outcome(engine, run_id, outcome, log_path, job)
        logger.log(logging.INFO if status == "finished" else logging.ERROR,
                   "%s: run %d %s (exit status %s); findings %s", job.lock, run_id, status, outcome.exit_status,
                   _findings_line(engine, run_id))
    except BaseException as exc:
        _record_crash(engine, run_id, exc)
        raise
    finally:
        release(engine, job.lock, owner)
    return run_id


def _findings_line(engine: Engine, run_id: int) -> str:
    """Per rule: new, still open, reopened, gone (the run's ``finding_summary``)."""
    with session_scope(engine) as session:
        summary = session.get_one(CrawlRun, run_id).finding_summary or {}
    parts = [f"{rule} {c.get('new', 0)} new/{c.get('still_open', 0)} still open/{c.get('reopened', 0)} reopened/"
             f"{c.get('gone', 0)} gone" for rule, c in sorted(summary.items())]
    return "; ".join(parts) or "none"


def lock_name(schedule: str) -> str:
    return f"schedule:{schedule}"


def _log_path(config: StorageConfig, lock: str, run_id: int) -> Path:
    config.log_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return config.log_dir / f"{lock.replace(':', '-')}-{stamp}-run{run_id}.log"


def _child_env(config: StorageConfig) -> dict[str, str]:
    # Resolved values, not "./var": the child must write where this process records the run.
    # Passed in the environment, not with -s, so a database password never shows in `ps`.
    return {**os.environ, "ECWATCH_DATA_DIR": str(config.data_dir), "ECWATCH_DATABASE_URL": config.database_url}


def _record_skipped(engine: Engine, run_id: int, lock: str, holder: Holder) -> None:
    message = f"{lock} is already running ({holder.describe()})"
    logger.warning("%s: run %d skipped: %s", lock, run_id, message)
    with session_scope(engine) as session:
        finish_run(session, run_id, status="skipped", error=message)


# --- the child process --------------------------------------------------------------------


@dataclass(frozen=True)
class ChildOutcome:
    exit_status: int
    stopped: str | None = None  # why we stopped it: "time limit" | "shutdown" | "interrupted"


def _run_child(command: Sequence[str], env: Mapping[str, str], log_path: Path, time_limit: float) -> ChildOutcome:
    """Run ``command`` with its output appended to ``log_path``, stopping it at the time limit."""
    with log_path.open("ab") as log:
        log.write(f"{utcnow():%Y-%m-%d %H:%M:%S} [ecwatch.schedule] starting: {' '.join(command)}\n".encode())
        log.flush()
        # A session of its own: Ctrl-C on the scheduler's terminal reaches the crawl once, through us,
        # and a kill of the whole group takes down the browser it may have started.
        child = subprocess.Popen(list(command), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                 env=dict(env), start_new_session=True)
    deadline = time.monotonic() + time_limit
    stopped: str | None = None
    try:
        while True:
            try:
                return ChildOutcome(child.wait(timeout=POLL_INTERVAL), stopped)
            except subprocess.TimeoutExpired:
                pass
            if stopped is None:
                stopped = "shutdown" if _stopping.is_set() else "time limit" if time.monotonic() > deadline else None
                if stopped is not None:
                    _stop(child)
    except KeyboardInterrupt:  # ``schedule run-now`` in a terminal
        _stop(child)
        return ChildOutcome(child.wait(), "interrupted")


def _stop(child: subprocess.Popen[bytes]) -> None:
    """SIGTERM (Scrapy closes the spider and records the run), then SIGKILL to the group."""
    child.terminate()
    try:
        child.wait(timeout=STOP_GRACE)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        child.wait()


# --- recording the end --------------------------------------------------------------------


def _record_outcome(engine: Engine, run_id: int, outcome: ChildOutcome, log_path: Path, job: ChildRun) -> str:
    """The child's RunRecorder records pages, findings and its own view of the end; we add the
    exit status and fail the run if the process failed or died before recording its end."""
    with session_scope(engine) as session:
        run = session.get_one(CrawlRun, run_id)
        headline = _failure_headline(run, outcome, job)
        if headline is None:
            run.exit_status = outcome.exit_status
            return run.status
        error = _compose_error(headline, run.error, _tail(log_path))
        if run.status == "running":  # it never got to record its end: count what it stored
            finish_run(session, run_id, status="failed", error=error, exit_status=outcome.exit_status)
        else:  # keep its pages, findings, stats and end time
            run.status = "failed"
            run.error = error
            run.exit_status = outcome.exit_status
        return "failed"


def _failure_headline(run: CrawlRun, outcome: ChildOutcome, job: ChildRun) -> str | None:
    code = outcome.exit_status
    if outcome.stopped == "time limit":
        return f"time limit of {_duration(job.time_limit)} exceeded: {job.label} was stopped (exit status {code})"
    if outcome.stopped == "shutdown":
        return f"stopped: the scheduler shut down during the run (exit status {code})"
    if outcome.stopped == "interrupted":
        return f"interrupted from the terminal (exit status {code})"
    if code < 0:
        return f"{job.label} was killed by signal {_signal_name(-code)}"
    if code != 0:
        return f"{job.label} exited with status {code}"
    if run.status != "finished":
        return f"{job.label} exited without recording a successful end (status {run.status})"
    return None


def _compose_error(headline: str, child_error: str | None, tail: str) -> str:
    parts = [headline]
    if child_error:
        parts.append(f"it recorded: {child_error}")
    if tail:
        parts.append(f"last lines of the log:\n{tail}")
    return "\n".join(parts)


def _tail(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(handle.tell() - 64 * 1024, 0))
            lines = handle.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return ""
    return "\n".join(lines[-TAIL_LINES:])[-TAIL_CHARS:]


def _record_crash(engine: Engine, run_id: int, exc: BaseException) -> None:
    """This process failed around the crawl (could not start it, lost the database...)."""
    try:
        with session_scope(engine) as session:
            if session.get_one(CrawlRun, run_id).status == "running":
                finish_run(session, run_id, status="failed", error=f"the scheduler failed: {exc!r}")
    except Exception:  # noqa: BLE001 - the original error is the one to report
        logger.exception("Could not record the failure of run %d", run_id)


def _duration(seconds: float) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{seconds / 3600:g} h"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)
