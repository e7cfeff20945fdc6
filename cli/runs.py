"""``ecwatch runs``: crawl runs, newest first, scheduled and ad-hoc."""

from __future__ import annotations

from typing import Any

import click

from crawler.distributed.sharedrun import RunState
from crawler.distributed.worker import shared_states
from storage.models import CrawlRun, RunWorker
from storage.repository import list_runs
from storage.runs import mark_interrupted
from storage.sharedruns import worker_alive, workers_of

from .common import CONTEXT_SETTINGS, database_label, database_session, storage_config
from .i18n import tr
from .output import Column, chosen_format, emit, format_option, local_time, notice
from .summary import errors_text, status_label, summary_totals

COLUMNS = [
    Column("id", "id"), Column("spider", "spider"), Column("trigger", "trigger"), Column("status", "status"),
    Column("started", "started", time=True), Column("finished", "finished", time=True),
    Column("pages", "pages"), Column("workers", "workers"), Column("findings", "new/open/gone"),
    Column("errors", "errors", wrap=True),
]


def run_record(run: CrawlRun, workers: list[RunWorker] | None = None, state: RunState | None = None) -> dict[str, Any]:
    totals = summary_totals(run.finding_summary or {})
    workers = workers or []
    alive = sum(1 for worker in workers if worker_alive(worker))
    return {
        "id": run.id, "spider": run.spider, "trigger": run.trigger, "status": status_label(run),
        "run": run.name, "workers": _workers_text(run, len(workers), alive, state),
        "queued": state.queued if state else None, "in_flight": state.in_flight if state else None,
        "done": run.status != "running" or (state.done if state else None) if run.name else None,
        "worker_list": [{"worker": w.worker, "host": w.host, "pid": w.pid, "pages": w.pages, "alive": worker_alive(w),
                         "started": local_time(w.started_at, iso=True), "heartbeat": local_time(w.heartbeat_at, iso=True),
                         "finished": local_time(w.finished_at, iso=True) or None} for w in workers],
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

    A shared run (ecwatch enqueue / worker) is one row: its workers (how many still working), its
    totals, and while it runs, its requests queued and in flight; it is done when both are 0.
    --format jsonl lists each worker (host, pid, pages, heartbeat).

    Example:

    \b
        ecwatch runs --limit 5
        ecwatch runs --format jsonl | jq -r 'select(.status != "finished") | .error'
    """
    config = storage_config()
    with database_session(config) as session:
        mark_interrupted(session)  # a run whose process is gone is not "running"
        listed = list_runs(session, limit)
        workers = workers_of(session, [run.id for run in listed])
        states = shared_states([run.name for run in listed if run.name and run.status == "running"])
        records = [run_record(run, workers.get(run.id), states.get(run.name or "")) for run in listed]
    if not emit(records, COLUMNS, chosen_format(output_format), title=tr("Crawl runs")):
        notice(tr("No crawl runs yet (database {db}).", db=database_label(config)))


def _workers_text(run: CrawlRun, count: int, alive: int, state: RunState | None) -> str:
    """A shared run's workers, and while it runs, how far it is: requests queued and in flight, or done."""
    if run.name is None:
        return ""
    text = tr("{count} ({alive} working)", count=count, alive=alive)
    if run.status != "running":
        return text
    if state is None:
        return text + "; " + tr("Redis not reachable")
    if state.done:
        return text + "; " + tr("done")
    return text + "; " + tr("{queued} queued, {in_flight} in flight", queued=state.queued, in_flight=state.in_flight)


COMMANDS = (runs,)
