"""``ecwatch schedule``: nightly crawls with APScheduler (see ``schedules``)."""

from __future__ import annotations

import functools
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, TypeVar
from zoneinfo import ZoneInfo

import click
from rich.table import Table

from schedules import runner
from schedules.jobs import DEFAULT_TIME_LIMIT
from schedules.runner import ScheduleError, ScheduleInfo
from storage.models import CrawlRun

from .common import CONTEXT_SETTINGS, console, database, database_session, storage_config
from .crawl import parse_setting_overrides
from .summary import print_run_summary

F = TypeVar("F", bound=Callable[..., Any])
VIETNAM = ZoneInfo(runner.TIMEZONE)


class ScheduleUsageError(click.ClickException):
    """One line, exit status 2: the user asked for something that cannot be scheduled."""

    exit_code = 2


def schedule_errors(func: F) -> F:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ScheduleError as exc:
            raise ScheduleUsageError(str(exc)) from None

    return wrapper  # type: ignore[return-value]


class Duration(click.ParamType):
    """``90m``, ``6h``, ``45s`` or plain seconds."""

    name = "duration"
    _UNITS = {"": 1, "s": 1, "m": 60, "min": 60, "h": 3600}

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        if isinstance(value, (int, float)):
            return float(value)
        match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(s|m|min|h)?\s*", str(value))
        if not match or float(match[1]) <= 0:
            self.fail(f"{value!r} is not a duration such as 45s, 90m or 6h", param, ctx)
        return float(match[1]) * self._UNITS[match[2] or ""]


def known_spiders() -> list[str]:
    """The crawler's spiders, as ``ecwatch crawl`` would find them (schedules cannot import them)."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.spiderloader import get_spider_loader
    from scrapy.utils.project import get_project_settings

    return sorted(get_spider_loader(get_project_settings()).list())


def check_spider(spider: str) -> None:
    known = known_spiders()
    if spider not in known:
        raise ScheduleUsageError(f"unknown spider {spider!r}; known spiders: {', '.join(known)}")


@click.group(context_settings=CONTEXT_SETTINGS)
def schedule() -> None:
    """Nightly crawls: schedules kept in the database, run by 'ecwatch schedule serve'.

    Times are Asia/Ho_Chi_Minh. Every run, missed or skipped ones too, shows in 'ecwatch runs'.

    Example:

    \b
        ecwatch schedule add nightly --cron "0 2 * * *" --spider storefront --seeds seeds.txt
        ecwatch schedule serve
    """


@schedule.command("add", context_settings=CONTEXT_SETTINGS)
@click.argument("name")
@click.option("--cron", "cron", required=True, metavar="EXPR",
              help='Crontab line "minute hour day month weekday" in Vietnam time (weekday 0 or 7 = Sunday).')
@click.option("--spider", required=True, help="The spider to run (see 'scrapy list').")
@click.option("--seeds", required=True, type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Seed file: one URL a line, or CSV with a 'url' column. Read at each run.")
@click.option("-s", "settings", multiple=True, metavar="NAME=VALUE",
              help="A crawler setting for every run (repeatable).")
@click.option("--time-limit", type=Duration(), default=f"{DEFAULT_TIME_LIMIT / 3600:g}h", show_default=True,
              help="Stop a run after this long and record it failed (45s, 90m, 6h).")
@schedule_errors
def schedule_add(name: str, cron: str, spider: str, seeds: Path, settings: tuple[str, ...], time_limit: float) -> None:
    """Add schedule NAME, or replace the one of that name.

    Example:

    \b
        ecwatch schedule add nightly --cron "0 2 * * *" --spider storefront --seeds seeds.txt
        ecwatch schedule add weekdays --cron "30 1 * * 1-5" --spider storefront --seeds shops.csv --time-limit 4h
    """
    runner.cron_trigger(cron)  # a bad expression fails before anything else is looked at
    if not seeds.is_file():
        raise ScheduleUsageError(f"--seeds: file not found: {seeds}")
    check_spider(spider)
    overrides = parse_setting_overrides(settings)
    with database() as engine:
        info = runner.add_crawl_schedule(engine, name, spider, seeds, cron=cron, settings=overrides,
                                         time_limit=time_limit)
    console.print(f"Schedule {info.name}: {spider} at '{info.when}' ({runner.TIMEZONE}), "
                  f"next run {_when(info.next_run)}", markup=False)


@schedule.command("list", context_settings=CONTEXT_SETTINGS)
def schedule_list() -> None:
    """List the schedules with their next run and how their last run went.

    Example:

    \b
        ecwatch schedule list
    """
    with database() as engine:
        schedules = runner.list_schedules(engine)
    if not schedules:
        console.print("No schedules yet: add one with 'ecwatch schedule add'.")
        return
    table = Table(title=f"Schedules ({runner.TIMEZONE})")
    for column in ("name", "when", "next run", "spider", "seeds", "time limit", "last run"):
        table.add_column(column, overflow="fold")
    for info in schedules:
        table.add_row(info.name, info.when, _when(info.next_run), info.spider or "(re-detection)", info.seeds,
                      _duration(info.time_limit), _last(info))
    console.print(table)


@schedule.command("remove", context_settings=CONTEXT_SETTINGS)
@click.argument("name")
@schedule_errors
def schedule_remove(name: str) -> None:
    """Remove schedule NAME. A run in progress finishes; its record stays in 'ecwatch runs'.

    Example:

    \b
        ecwatch schedule remove nightly
    """
    with database() as engine:
        runner.remove_schedule(engine, name)
    console.print(f"Schedule {name} removed.", markup=False)


@schedule.command("run-now", context_settings=CONTEXT_SETTINGS)
@click.argument("name")
@schedule_errors
def schedule_run_now(name: str) -> None:
    """Run schedule NAME once, now, in this terminal; 'redetect' re-judges stored pages.

    If the schedule is already running (for instance under 'schedule serve') the run is
    recorded as skipped and the command exits with status 1.

    Example:

    \b
        ecwatch schedule run-now nightly
        ecwatch schedule run-now redetect
    """
    with database() as engine:
        run_id = runner.run_now(engine, name)
    if run_id is None:
        console.print("Nothing to re-detect: every current page is judged under the current rules "
                      "(to judge them again anyway, e.g. after a registry change: ecwatch rejudge).")
        return
    status = print_run_summary(run_id)
    if status != "finished":
        _print_error(run_id)
        raise SystemExit(1)


@schedule.command("serve", context_settings=CONTEXT_SETTINGS)
@schedule_errors
def schedule_serve() -> None:
    """Run the scheduler in the foreground until Ctrl-C or SIGTERM.

    On stopping, running crawls are asked to stop and recorded. The log goes to
    <data dir>/logs/scheduler.log, each run's own log next to it. One scheduler serves a
    database at a time; schedules added meanwhile are picked up within half a minute.

    Example:

    \b
        ECWATCH_DATA_DIR=/srv/ecwatch ecwatch schedule serve
    """
    config = storage_config()
    try:
        with database(config) as engine:
            runner.serve(engine, config.log_dir / "scheduler.log")
    except runner.SchedulerLockLost as exc:
        raise click.ClickException(str(exc)) from None


def _print_error(run_id: int) -> None:
    with database_session() as session:
        run = session.get(CrawlRun, run_id)
        if run is not None and run.error:
            console.print(f"{run.status}: {run.error}", markup=False)


def _when(moment: datetime | None) -> str:
    return moment.astimezone(VIETNAM).strftime("%Y-%m-%d %H:%M:%S") if moment else "paused"


def _duration(seconds: float) -> str:
    if not seconds:
        return ""
    if seconds >= 3600:
        return f"{seconds / 3600:g} h"
    return f"{seconds / 60:g} min" if seconds >= 60 else f"{seconds:g} s"


def _last(info: ScheduleInfo) -> str:
    if info.last_status is None or info.last_started is None:
        return "never"
    return f"{info.last_status} ({_when(info.last_started)})"


COMMANDS = (schedule,)
