"""The end-of-crawl summary printed by ``crawl`` and ``demo``."""

from __future__ import annotations

from rich.table import Table
from sqlalchemy import func, select

from storage.models import CrawlRun, PageSnapshot
from storage.repository import count_findings_by_rule

from .common import console, database_session, redacted_url, storage_config


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
        by_rule = count_findings_by_rule(session, run_id)
        table = Table(title=f"Crawl run {run.id} ({run.spider}): {run.status}", show_header=False)
        table.add_column("what")
        table.add_column("value", justify="right")
        table.add_row("pages", str(run.pages))
        table.add_row("sites", str(sites))
        table.add_row("errors", str(run.errors))
        table.add_row("findings", str(run.findings))
        for rule, count in by_rule.items():
            table.add_row(f"  {rule}", str(count))
        console.print(table)
        console.print(f"Database: {redacted_url(config.database_url)}", markup=False)
        console.print(f"Evidence files: {config.blob_dir}", markup=False)
        if run.log_path:
            console.print(f"Log: {run.log_path}", markup=False)
        return run.status
