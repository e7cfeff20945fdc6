"""The end-of-crawl summary printed by ``crawl`` and ``demo``."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from sqlalchemy import func, select

from storage.models import CrawlRun, PageSnapshot

from .common import console, database_session, redacted_url, storage_config

SUMMARY_COLUMNS = ("new", "still_open", "reopened", "gone")


def summary_totals(summary: dict[str, dict[str, int]]) -> dict[str, int]:
    """Per-rule counts of a run's ``finding_summary`` added up."""
    return {column: sum(int(counts.get(column, 0)) for counts in summary.values()) for column in SUMMARY_COLUMNS}


def print_run_summary(run_id: int) -> str:
    """Print what the run did and where its data went; return the run's status."""
    config = storage_config()
    with database_session(config) as session:
        run = session.get(CrawlRun, run_id) if run_id else None
        if run is None:
            console.print("The crawl did not start (see the log above).")
            return "failed"
        sites = session.scalar(select(func.count(func.distinct(PageSnapshot.site_id)))
                               .where(PageSnapshot.run_id == run_id)) or 0
        console.print(_run_table(run, sites))
        console.print(f"Database: {redacted_url(config.database_url)}", markup=False)
        console.print(f"Evidence files: {config.blob_dir}", markup=False)
        if run.log_path:
            console.print(f"Log: {run.log_path}", markup=False)
        return run.status


def _run_table(run: CrawlRun, sites: int) -> Table:
    table = Table(title=f"Crawl run {run.id} ({run.spider}): {run.status}")
    table.add_column("")
    for column in ("new", "still open", "reopened", "gone"):
        table.add_column(column, justify="right")
    summary: dict[str, Any] = run.finding_summary or {}
    for rule, counts in sorted(summary.items()):
        table.add_row(rule, *(str(counts.get(column, 0)) for column in SUMMARY_COLUMNS))
    totals = summary_totals(summary)
    if summary:
        table.add_section()
    table.add_row("findings", *(str(totals[column]) for column in SUMMARY_COLUMNS))
    table.caption = f"{run.pages} pages from {sites} sites, {run.errors} errors"
    return table
