"""The APScheduler 3.x set-up: schedules kept in the project database, served in the foreground.

Schedules live in the ``apscheduler_jobs`` table of the project database (SQLAlchemyJobStore),
so ``schedule add`` in one process is seen by ``schedule serve`` in another and survives
restarts. Every job has a stable id (the schedule's name) and is added with
``replace_existing=True``; it coalesces missed runs into one and still runs up to
``MISFIRE_GRACE`` late. Times are Asia/Ho_Chi_Minh, passed to every trigger (a CronTrigger
would otherwise use the machine's zone).

A missed run (the scheduler was down past the grace time) and a run skipped because the last
one was still going are recorded as ``skipped`` crawl runs, so neither passes unseen. Runs of
one schedule never overlap, even across processes (``locks``), and one scheduler serves a
database at a time (the ``serve`` lock, renewed at every wake-up).
"""

from __future__ import annotations

import logging
import re
import signal
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from types import FrameType
from typing import Any, Callable, Iterator, Mapping

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED, JobEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED, BaseScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine, select

from storage.db import session_scope
from storage.models import CrawlRun
from storage.repository import finish_run, start_run

from . import jobs
from .locks import new_owner, release, renew, try_acquire

logger = logging.getLogger(__name__)

TIMEZONE = "Asia/Ho_Chi_Minh"
JOBS_TABLE = "apscheduler_jobs"
CRAWL_FUNC = "schedules.jobs:crawl_job"
REDETECT_FUNC = "schedules.jobs:redetect_job"
REDETECT_NAME = "redetect"
REDETECT_EVERY = timedelta(minutes=10)  # a cheap check; it works only when the rules changed
REVISIT_FUNC = "schedules.jobs:revisit_job"
REVISIT_NAME = "revisit"
REVISIT_EVERY = timedelta(minutes=15)  # a cheap check; it crawls only pages whose revisit is due
# Jobs ``schedule serve`` keeps: name -> (function, interval, what it is, in words).
BUILTIN_JOBS = {
    REDETECT_NAME: (REDETECT_FUNC, REDETECT_EVERY, "the built-in re-detection job",
                    "it does work only after a rules change"),
    REVISIT_NAME: (REVISIT_FUNC, REVISIT_EVERY, "the built-in revisit job",
                   "it crawls only pages whose deadline a history rule asked to test again"),
}
MISFIRE_GRACE = 3600  # seconds: a scheduler restarted at 02:40 still runs the 02:00 crawl
WAKE_INTERVAL = 30.0  # seconds: how soon ``serve`` sees schedules added or removed by other processes
MAX_PARALLEL_JOBS = 4
SERVE_LOCK = "serve"  # one serving scheduler per database: two would skip each other's runs every night
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


class ScheduleError(ValueError):
    """A user's mistake about a schedule (bad name, cron expression, unknown schedule)."""


class SchedulerLockLost(RuntimeError):
    """This scheduler stalled past its lease and another one took over the database."""


# --- the scheduler ------------------------------------------------------------------------


class RecordingExecutor(ThreadPoolExecutor):
    """Remembers the arguments of each job it is handed, so that a run it then skips (missed,
    or still running) can be recorded without asking the scheduler, whose locks shutdown holds."""

    def __init__(self, max_workers: int) -> None:
        super().__init__(max_workers=max_workers)
        self.submitted: dict[str, dict[str, Any]] = {}

    def submit_job(self, job: Job, run_times: list[datetime]) -> None:
        self.submitted[job.id] = {"func": job.func_ref, **job.kwargs}
        super().submit_job(job, run_times)


class ServingScheduler(BackgroundScheduler):
    """APScheduler 3.11's loop processes jobs once more after ``shutdown()`` (its state is then
    STOPPED, not PAUSED): with the executors gone, due jobs would be advanced to their next run,
    or deleted, without running. That pass is skipped here; see agronholm/apscheduler#285, #985."""

    def _process_jobs(self) -> float | None:
        with self._jobstores_lock:  # shutdown() sets STOPPED, then takes this lock
            if self.state == STATE_STOPPED:
                return None
            return super()._process_jobs()  # type: ignore[no-any-return]


class StoreScheduler(BaseScheduler):
    """Reads and writes the job store for the CLI. It has no loop, so unlike a paused
    BackgroundScheduler it cannot run, advance or drop a due job when it shuts down."""

    def wakeup(self) -> None:
        pass

    def shutdown(self, wait: bool = True) -> None:  # abstract in BaseScheduler; nothing of ours to stop
        super().shutdown(wait)


def _options(engine: Engine) -> dict[str, Any]:
    return {
        "jobstores": {"default": SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE)},
        "job_defaults": {"coalesce": True, "misfire_grace_time": MISFIRE_GRACE, "max_instances": 1},
        "timezone": TIMEZONE,
    }


def build_scheduler(engine: Engine, executor: RecordingExecutor | None = None) -> ServingScheduler:
    executor = executor or RecordingExecutor(MAX_PARALLEL_JOBS)
    return ServingScheduler(executors={"default": executor}, **_options(engine))


@contextmanager
def open_scheduler(engine: Engine) -> Iterator[StoreScheduler]:
    """The job store, through a scheduler that never runs a job."""
    scheduler = StoreScheduler(**_options(engine))
    scheduler.start(paused=True)
    try:
        yield scheduler
    finally:
        scheduler.shutdown(wait=False)


# --- triggers -----------------------------------------------------------------------------

_CRONTAB_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")


def cron_trigger(expression: str) -> CronTrigger:
    """A trigger from a standard five-field crontab line, in Vietnam time."""
    fields = expression.split()
    if len(fields) != 5:
        raise ScheduleError(f"invalid cron expression {expression!r}: expected 5 fields "
                            f"(minute hour day month weekday), got {len(fields)}")
    minute, hour, day, month, weekday = fields
    try:
        return CronTrigger(minute=minute, hour=hour, day=day, month=month,
                           day_of_week=crontab_weekdays(weekday), timezone=TIMEZONE)
    except ValueError as exc:
        raise ScheduleError(f"invalid cron expression {expression!r}: {exc}") from None


def crontab_weekdays(spec: str) -> str:
    """Crontab numbers weekdays from Sunday = 0 (or 7), APScheduler 3 from Monday = 0: numbers
    become day names, which mean the same to both. ``1-5`` -> ``mon,tue,wed,thu,fri``."""
    days: list[str] = []
    for item in spec.split(","):
        body, _, step = item.partition("/")
        if not re.fullmatch(r"\*|\d+(-\d+)?", body) or (step and not step.isdigit()):
            days.append(item)  # names (mon-fri), left to APScheduler to check
            continue
        first, _, last = ("0-6" if body == "*" else body).partition("-")
        low, high = int(first), int(last or (6 if step else first))
        if not 0 <= low <= high <= 7 or step == "0":
            raise ScheduleError(f"invalid weekday {item!r}: use 0-7 (0 and 7 are Sunday) or mon-sun")
        if body == "*" and not step:
            return "*"
        days += [_CRONTAB_DAYS[n] for n in range(low, high + 1, int(step or 1))]
    return ",".join(dict.fromkeys(days))


def describe_trigger(trigger: BaseTrigger) -> str:
    if isinstance(trigger, CronTrigger):
        by_name = {f.name: str(f) for f in trigger.fields}
        return " ".join(by_name[n] for n in ("minute", "hour", "day", "month", "day_of_week"))
    if isinstance(trigger, IntervalTrigger):
        return f"every {trigger.interval}"
    if isinstance(trigger, DateTrigger):
        return f"once at {trigger.run_date:%Y-%m-%d %H:%M:%S %Z}"
    return str(trigger)


# --- schedules ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleInfo:
    name: str
    kind: str  # "crawl" | "redetect"
    when: str
    next_run: datetime | None  # None: paused
    spider: str = ""
    seeds: str = ""
    time_limit: float = 0.0
    settings: Mapping[str, str] = field(default_factory=dict)
    shared: bool = False  # queued for the shared mode's workers
    last_status: str | None = None
    last_started: datetime | None = None


def check_name(name: str) -> None:
    if not NAME_PATTERN.fullmatch(name):
        raise ScheduleError(f"invalid schedule name {name!r}: use letters, digits, '-', '_' or '.' (at most 64)")
    if name in BUILTIN_JOBS:
        raise ScheduleError(f"{name!r} is {BUILTIN_JOBS[name][2]}; choose another name")


def add_crawl_schedule(engine: Engine, name: str, spider: str, seeds: Path | str, *, cron: str | None = None,
                       trigger: BaseTrigger | None = None, settings: Mapping[str, str] | None = None,
                       time_limit: float = jobs.DEFAULT_TIME_LIMIT, shared: bool = False) -> ScheduleInfo:
    """Add or replace schedule ``name``. ``spider`` must be known (checked by the caller)."""
    check_name(name)
    if (cron is None) == (trigger is None):
        raise ValueError("give exactly one of cron and trigger")
    if time_limit <= 0:
        raise ScheduleError("the time limit must be positive")
    try:
        jobs.check_settings(settings or {})
    except ValueError as exc:
        raise ScheduleError(str(exc)) from None
    kwargs = {"name": name, "spider": spider, "seeds": str(Path(seeds).resolve()),
              "settings": dict(settings or {}), "time_limit": float(time_limit)}
    if shared:  # only then: the kwargs of schedules added before the shared mode stay as they were
        kwargs["shared"] = True
    with open_scheduler(engine) as scheduler:
        job = scheduler.add_job(CRAWL_FUNC, trigger or cron_trigger(cron or ""), id=name, name=name,
                                kwargs=kwargs, replace_existing=True)
        return _info(engine, job)


def remove_schedule(engine: Engine, name: str) -> None:
    if name in BUILTIN_JOBS:
        raise ScheduleError(f"{name!r} is built in: 'schedule serve' keeps it ({BUILTIN_JOBS[name][3]})")
    with open_scheduler(engine) as scheduler:
        try:
            scheduler.remove_job(name)
        except JobLookupError:
            raise ScheduleError(f"no schedule named {name!r} (see 'ecwatch schedule list')") from None


def list_schedules(engine: Engine) -> list[ScheduleInfo]:
    with open_scheduler(engine) as scheduler:
        found = [_info(engine, job) for job in scheduler.get_jobs()]
    return sorted(found, key=lambda info: (info.kind != "crawl", info.name))


def get_schedule(engine: Engine, name: str) -> ScheduleInfo:
    with open_scheduler(engine) as scheduler:
        job = scheduler.get_job(name)
        if job is None:
            raise ScheduleError(f"no schedule named {name!r} (see 'ecwatch schedule list')")
        return _info(engine, job)


def run_now(engine: Engine, name: str) -> int | None:
    """Run schedule ``name`` once, now, in this process (its lock still applies); the run's id."""
    with open_scheduler(engine) as scheduler:
        job = scheduler.get_job(name)
        if job is None and name not in BUILTIN_JOBS:
            raise ScheduleError(f"no schedule named {name!r} (see 'ecwatch schedule list')")
        kwargs = dict(job.kwargs) if job is not None else {}
    if name == REDETECT_NAME:
        return jobs.redetect_job(**{**kwargs, "trigger": f"run-now:{name}"})
    if name == REVISIT_NAME:
        return jobs.revisit_job(**{**kwargs, "trigger": f"run-now:{name}"})
    return jobs.crawl_job(**{**kwargs, "trigger": f"run-now:{name}"})


def _info(engine: Engine, job: Job) -> ScheduleInfo:
    kwargs = job.kwargs
    kind = job.id if job.id in BUILTIN_JOBS else "crawl"
    last = _last_run(engine, job.id)
    return ScheduleInfo(
        name=job.id, kind=kind, when=describe_trigger(job.trigger), next_run=job.next_run_time,
        spider=kwargs.get("spider", ""), seeds=kwargs.get("seeds", ""), time_limit=kwargs.get("time_limit", 0.0),
        settings=kwargs.get("settings", {}), shared=bool(kwargs.get("shared", False)),
        last_status=last.status if last else None,
        last_started=last.started_at if last else None,
    )


def _last_run(engine: Engine, name: str) -> CrawlRun | None:
    triggers = (f"schedule:{name}", f"run-now:{name}")
    with session_scope(engine) as session:
        return session.scalar(select(CrawlRun).where(CrawlRun.trigger.in_(triggers))
                              .order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc()).limit(1))


def ensure_builtin_jobs(scheduler: BaseScheduler) -> None:
    for name, (func, every, _what, _why) in BUILTIN_JOBS.items():
        scheduler.add_job(func, IntervalTrigger(seconds=every.total_seconds(), timezone=TIMEZONE),
                          id=name, name=name, replace_existing=True)


# --- serving ------------------------------------------------------------------------------


def serve(engine: Engine, log_file: Path, *, stop: threading.Event | None = None,
          wake_interval: float = WAKE_INTERVAL) -> None:
    """Run the scheduler until ``stop`` is set (SIGINT/SIGTERM set it), then stop running jobs cleanly."""
    stop = stop or threading.Event()
    owner = new_owner()
    lease = timedelta(seconds=max(3 * wake_interval, 90))
    holder = try_acquire(engine, SERVE_LOCK, owner, lease)
    if holder is not None:
        raise ScheduleError(f"another scheduler is already serving this database ({holder.describe()}; "
                            f"lease until {holder.expires_at:%H:%M:%S} UTC)")
    try:
        _serve(engine, log_file, stop, wake_interval, lambda: renew(engine, SERVE_LOCK, owner, lease))
    finally:
        release(engine, SERVE_LOCK, owner)


def _serve(engine: Engine, log_file: Path, stop: threading.Event, wake_interval: float,
           still_ours: Callable[[], bool]) -> None:
    with _logging_to(log_file), _stop_on_signals(stop):
        executor = RecordingExecutor(MAX_PARALLEL_JOBS)
        scheduler = build_scheduler(engine, executor)
        scheduler.add_listener(partial(_record_not_run, engine, executor), EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES)
        jobs.clear_stop()
        scheduler.start()
        try:
            ensure_builtin_jobs(scheduler)
            for job in scheduler.get_jobs():
                logger.info("Schedule %s (%s): next run %s", job.id, describe_trigger(job.trigger),
                            job.next_run_time or "paused")
            logger.info("Scheduler started (%s); log %s", TIMEZONE, log_file)
            while not stop.wait(wake_interval):
                if not still_ours():
                    raise SchedulerLockLost("this scheduler stalled past its lease and another one took over; "
                                            "it stopped")
                scheduler.wakeup()  # pick up schedules other processes added or removed
        except SchedulerLockLost as exc:
            logger.error("%s", exc)
            raise
        finally:
            logger.info("Scheduler stopping: waiting for running jobs to record their end")
            jobs.request_stop()
            scheduler.shutdown(wait=True)
            jobs.clear_stop()  # a later run-now in this process must not stop at once
            logger.info("Scheduler stopped")


def _record_not_run(engine: Engine, executor: RecordingExecutor, event: JobEvent) -> None:
    """A crawl that did not run is recorded as a ``skipped`` run: nobody has to read the log to see it."""
    kwargs = executor.submitted.get(event.job_id, {})
    if kwargs.get("func") != CRAWL_FUNC:
        return  # the re-detection job: it runs again in a few minutes anyway
    if event.code == EVENT_JOB_MISSED:
        due = getattr(event, "scheduled_run_time", None)
        why = (f"missed: the scheduler was not running at {due:%Y-%m-%d %H:%M %Z} nor within "
               f"{MISFIRE_GRACE // 60} min after")
    else:
        why = "skipped: the previous run of this schedule is still running in this scheduler"
    logger.warning("Schedule %s: %s", event.job_id, why)
    with session_scope(engine) as session:
        run = start_run(session, kwargs.get("spider", "?"), {"seeds": kwargs.get("seeds", "")},
                        trigger=f"schedule:{event.job_id}")
        finish_run(session, run.id, status="skipped", error=why)


@contextmanager
def _logging_to(log_file: Path) -> Iterator[None]:
    log_file.parent.mkdir(parents=True, exist_ok=True)
    formatter = logging.Formatter("%(asctime)s [%(name)s] %(levelname)s: %(message)s")
    handlers: list[logging.Handler] = [logging.FileHandler(log_file, encoding="utf-8"), logging.StreamHandler()]
    root = logging.getLogger()
    previous_level = root.level
    root.setLevel(logging.INFO)
    for handler in handlers:
        handler.setFormatter(formatter)
        root.addHandler(handler)
    try:
        yield
    finally:
        for handler in handlers:
            root.removeHandler(handler)
            handler.close()
        root.setLevel(previous_level)


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield  # signals can only be handled in the main thread; the caller sets ``stop``
        return

    def handle(signum: int, _frame: FrameType | None) -> None:
        logger.info("Received %s", signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
