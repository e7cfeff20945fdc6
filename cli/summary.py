"""The end-of-crawl summary printed by ``crawl`` and ``demo``, and how a run's outcome reads.

A run the crawler recorded as ``finished`` with an error text is shown as ``finished with errors``
(the stored status stays ``finished``: the scheduler and the review app compare with it).
"""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from sqlalchemy import func, select

from crawler.failures import REASONS, failure_counts, seed_failures
from storage.models import CrawlRun, PageSnapshot

from .common import console, database_label, database_session, storage_config
from .i18n import tr
from .output import printable, say

SUMMARY_COLUMNS = ("new", "still_open", "reopened", "gone")


def summary_totals(summary: dict[str, dict[str, int]]) -> dict[str, int]:
    """Per-rule counts of a run's ``finding_summary`` added up."""
    return {column: sum(int(counts.get(column, 0)) for counts in summary.values()) for column in SUMMARY_COLUMNS}


def status_label(run: CrawlRun) -> str:
    return "finished with errors" if run.status == "finished" and run.error else run.status


def reason_text(reason: str) -> str:
    if reason.startswith("http-"):
        return f"HTTP {reason.removeprefix('http-')}"
    return tr(REASONS.get(reason, reason))


def errors_text(run: CrawlRun) -> str:
    """The run's failed requests by reason (``3 timed out, 1 HTTP 404``), else its error count."""
    counts = failure_counts(run.stats or {})
    if counts:
        return ", ".join(f"{count} {reason_text(reason)}" for reason, count in counts.items())
    return str(run.errors)


def failure_lines(run: CrawlRun) -> list[str]:
    """Why a run failed or had errors, for people: each seed's reason when nothing could be fetched."""
    stats: dict[str, Any] = run.stats or {}
    if run.status == "failed":
        seeds = seed_failures(stats)
        if seeds and not run.pages:
            return [tr("No page could be fetched:")] + [f"  {url}: {reason_text(reason)}" for url, reason in seeds.items()]
        return [tr("Failed: {why}", why=run.error or tr("see the log"))]
    if run.status == "finished" and run.error:
        return [tr("Errors: {what}", what=errors_text(run))]
    return []


def print_run_summary(run_id: int) -> str:
    """Print what the run did and where its data went; return the run's status."""
    config = storage_config()
    with database_session(config) as session:
        run = session.get(CrawlRun, run_id) if run_id else None
        if run is None:
            say(tr("The crawl did not start (see the log above)."))
            return "failed"
        sites = session.scalar(select(func.count(func.distinct(PageSnapshot.site_id)))
                               .where(PageSnapshot.run_id == run_id)) or 0
        console.print(_run_table(run, sites))
        for line in failure_lines(run):
            say(printable(line))
        say(tr("Database: {db}", db=database_label(config)))
        say(tr("Evidence files: {path}", path=config.blob_dir))
        if run.log_path:
            say(tr("Log: {path}", path=run.log_path))
        return run.status


def _run_table(run: CrawlRun, sites: int) -> Table:
    table = Table(title=Text(tr("Crawl run {id} ({spider}): {status}", id=run.id, spider=run.spider,
                                status=status_label(run))))
    table.add_column("")
    for column in ("new", "still open", "reopened", "gone"):
        table.add_column(Text(tr(column)), justify="right")
    summary: dict[str, Any] = run.finding_summary or {}
    for rule, counts in sorted(summary.items()):
        table.add_row(Text(rule), *(str(counts.get(column, 0)) for column in SUMMARY_COLUMNS))
    totals = summary_totals(summary)
    if summary:
        table.add_section()
    table.add_row(Text(tr("findings")), *(str(totals[column]) for column in SUMMARY_COLUMNS))
    table.caption = Text(tr("{pages} pages from {sites} sites, {errors} errors", pages=run.pages, sites=sites,
                            errors=run.errors))
    return table
