"""``ecwatch runs``: crawl runs, newest first, scheduled and ad-hoc."""

from __future__ import annotations

from typing import Any

import click

from storage.models import CrawlRun
from storage.repository import list_runs
from storage.runs import mark_interrupted

from .common import CONTEXT_SETTINGS, database_label, database_session, storage_config
from .i18n import tr
from .output import Column, chosen_format, emit, format_option, local_time, notice
from .summary import errors_text, status_label, summary_totals

COLUMNS = [
    Column("id", "id"), Column("spider", "spider"), Column("trigger", "trigger"), Column("status", "status"),
    Column("started", "started", time=True), Column("finished", "finished", time=True),
    Column("pages", "pages"), Column("findings", "new/open/gone"),
    Column("errors", "errors", wrap=True),
]


def run_record(run: CrawlRun) -> dict[str, Any]:
    totals = summary_totals(run.finding_summary or {})
    return {
        "id": run.id, "spider": run.spider, "trigger": run.trigger, "status": status_label(run),
        "started": local_time(run.started_at, iso=True),
        "finished": local_time(run.finished_at, iso=True) or None, "pages": run.pages,
        "findings": f"{totals['new']}/{totals['still_open'] + totals['reopened']}/{totals['gone']}",
        "finding_summary": run.finding_summary or {}, "errors": errors_text(run), "error": run.error,
        "exit_status": run.exit_status, "log": run.log_path,
    }


@click.command(context_settings=CONTEXT_SETTINGS)
@click.option("--limit", default=20, show_default=True, help="How many runs to show.")
@format_option
def runs(limit: int, output_format: str | None) -> None:
    """List crawl runs, newest first: scheduled and ad-hoc, with their status, the findings they
    made new, kept open and saw gone, and their failed requests by reason. A run whose process
    went away is 'interrupted' ('ecwatch crawl --resume RUN' goes on with it).

    Example:

    \b
        ecwatch runs --limit 5
        ecwatch runs --format jsonl | jq -r 'select(.status != "finished") | .error'
    """
    config = storage_config()
    with database_session(config) as session:
        mark_interrupted(session)  # a run whose process is gone is not "running"
        records = [run_record(run) for run in list_runs(session, limit)]
    if not emit(records, COLUMNS, chosen_format(output_format), title=tr("Crawl runs")):
        notice(tr("No crawl runs yet (database {db}).", db=database_label(config)))


COMMANDS = (runs,)
