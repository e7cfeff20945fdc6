"""``ecwatch schedule``: nightly crawls with APScheduler (see ``schedules``)."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from crawler.config import ConfigError
from crawler.distributed.worker import SHARED_SPIDERS
from crawler.run import UnknownSpider, check_overrides, check_spider
from schedules import runner
from schedules.jobs import DEFAULT_TIME_LIMIT
from schedules.runner import ScheduleError
from storage.models import CrawlRun

from .common import (CONTEXT_SETTINGS, InputError, database, database_label, database_session, storage_config,
                     user_errors)
from .crawl import parse_setting_overrides
from .i18n import tr
from .output import Column, chosen_format, emit, format_option, local_time, notice, say
from .summary import print_run_summary

# What cannot be scheduled (a bad name, cron line, spider or setting): one line, exit status 2.
schedule_errors = user_errors(ScheduleError, ConfigError, UnknownSpider)


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
@click.option("--spider", required=True, help="The spider to run (see 'ecwatch spiders').")
@click.option("--seeds", required=True, type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Seed file: one URL a line, or CSV with a 'url' column. Read at each run.")
@click.option("-s", "settings", multiple=True, metavar="NAME=VALUE",
              help="A crawler setting for every run (repeatable).")
@click.option("--time-limit", type=Duration(), default=f"{DEFAULT_TIME_LIMIT / 3600:g}h", show_default=True,
              help="Stop a run after this long and record it failed (45s, 90m, 6h).")
@click.option("--shared", is_flag=True,
              help="Run it in the shared mode: queue the seeds on Redis and wait for the workers "
                   "('ecwatch worker SPIDER --stay') to finish the run.")
@schedule_errors
def schedule_add(name: str, cron: str, spider: str, seeds: Path, settings: tuple[str, ...], time_limit: float,
                 shared: bool) -> None:
    """Add schedule NAME, or replace the one of that name.

    With --shared, each run is a shared run named schedule-NAME-runID: standing workers on any
    machine ('ecwatch worker storefront --stay') crawl it, and the schedule's run ends when they do.

    Example:

    \b
        ecwatch schedule add nightly --cron "0 2 * * *" --spider storefront --seeds seeds.txt
        ecwatch schedule add weekdays --cron "30 1 * * 1-5" --spider storefront --seeds shops.csv --time-limit 4h
        ecwatch schedule add national --cron "0 1 * * *" --spider storefront --seeds all-shops.txt --shared
    """
    runner.cron_trigger(cron)  # a bad expression fails before anything else is looked at
    if not seeds.is_file():
        raise InputError(f"--seeds: file not found: {seeds}")
    check_spider(spider)
    if shared and spider not in SHARED_SPIDERS:
        raise InputError(f"--shared: the shared mode runs the {', '.join(SHARED_SPIDERS)} spider, not {spider}")
    overrides = parse_setting_overrides(settings)
    check_overrides(overrides)  # a misspelled setting fails now, not at 2 a.m.
    with database() as engine:
        info = runner.add_crawl_schedule(engine, name, spider, seeds, cron=cron, settings=overrides,
                                         time_limit=time_limit, shared=shared)
    say(tr("Schedule {name}: {spider} at '{when}' ({zone}), next run {next} (database {db})", name=info.name,
           spider=spider, when=info.when, zone=runner.TIMEZONE, next=_when(info.next_run), db=database_label()))


LIST_COLUMNS = [
    Column("name", "name"), Column("when", "when"),
    Column("next_run", "next run", time=True, value=lambda r: r["next_run"] or tr("paused")),
    Column("spider", "spider", value=lambda r: r["spider"] or tr("(re-detection)")), Column("seeds", "seeds"),
    Column("time_limit", "time limit", value=lambda r: _duration(r["time_limit"])),
    Column("last_status", "last run", value=lambda r: r["last_status"] or tr("never")),
    Column("last_started", "last started", time=True),
    Column("mode", "mode", value=lambda r: tr("shared") if r["shared"] else tr("embedded")),
]


@schedule.command("list", context_settings=CONTEXT_SETTINGS)
@format_option
def schedule_list(output_format: str | None) -> None:
    """List the schedules with their next run and how their last run went.

    Example:

    \b
        ecwatch schedule list
        ecwatch schedule list | grep storefront
    """
    with database() as engine:
        schedules = runner.list_schedules(engine)
    records = [{"name": info.name, "when": info.when, "next_run": local_time(info.next_run, iso=True) or None,
                "spider": info.spider, "seeds": info.seeds, "time_limit": info.time_limit,
                "settings": dict(info.settings), "shared": info.shared, "last_status": info.last_status,
                "last_started": local_time(info.last_started, iso=True) or None} for info in schedules]
    if not emit(records, LIST_COLUMNS, chosen_format(output_format), title=tr("Schedules ({zone})",
                                                                             zone=runner.TIMEZONE)):
        notice(tr("No schedules yet (database {db}): add one with 'ecwatch schedule add'.", db=database_label()))


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
    say(tr("Schedule {name} removed (database {db}).", name=name, db=database_label()))


@schedule.command("run-now", context_settings=CONTEXT_SETTINGS)
@click.argument("name")
@schedule_errors
def schedule_run_now(name: str) -> None:
    """Run schedule NAME once, now, in this terminal; 'redetect' re-judges stored pages, 'revisit'
    crawls the pages whose deadline a history rule asked to see again.

    If the schedule is already running (for instance under 'schedule serve') the run is
    recorded as skipped and the command exits with status 1.

    Example:

    \b
        ecwatch schedule run-now nightly
        ecwatch schedule run-now redetect
        ecwatch schedule run-now revisit
    """
    with database() as engine:
        run_id = runner.run_now(engine, name)
    if run_id is None:
        nothing = (tr("No revisit is due: no page showed a deadline to test again lately.") if name == "revisit"
                   else tr("Nothing to re-detect: every current page is judged under the current rules "
                           "(to judge them again anyway, e.g. after a registry change: ecwatch rejudge)."))
        say(nothing + f" ({tr('database {db}', db=database_label())})")
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
            say(f"{run.status}: {run.error}")


def _when(moment: datetime | None) -> str:
    return local_time(moment) if moment else tr("paused")


def _duration(seconds: float) -> str:
    if not seconds:
        return ""
    if seconds >= 3600:
        return f"{seconds / 3600:g} h"
    return f"{seconds / 60:g} min" if seconds >= 60 else f"{seconds:g} s"


COMMANDS = (schedule,)
