"""``ecwatch db upgrade`` and ``ecwatch runs``."""

from __future__ import annotations

import click
from rich.table import Table
from sqlalchemy.exc import OperationalError

from storage.db import make_engine
from storage.migrate import current_revision, upgrade
from storage.repository import list_runs

from .common import CONTEXT_SETTINGS, console, database_session, redacted_url, storage_config
from .summary import summary_totals


@click.group(context_settings=CONTEXT_SETTINGS)
def db() -> None:
    """Database maintenance.

    Example:

    \b
        ecwatch db upgrade
    """


@db.command("upgrade", context_settings=CONTEXT_SETTINGS)
def db_upgrade() -> None:
    """Create or migrate the database schema to the newest version (ECWATCH_DATABASE_URL).

    Example:

    \b
        ECWATCH_DATABASE_URL=postgresql+psycopg://ecwatch@127.0.0.1/ecwatch ecwatch db upgrade
    """
    config = storage_config()
    engine = make_engine(config.database_url)
    try:
        upgrade(engine)
        console.print(f"{redacted_url(config.database_url)} is at revision {current_revision(engine)}", markup=False)
    except OperationalError as exc:
        raise click.ClickException(f"cannot reach {redacted_url(config.database_url)}: {exc.orig}") from None
    finally:
        engine.dispose()


@click.command(context_settings=CONTEXT_SETTINGS)
@click.option("--limit", default=20, show_default=True, help="How many runs to show.")
def runs(limit: int) -> None:
    """List crawl runs, newest first: scheduled and ad-hoc, with their status.

    Example:

    \b
        ecwatch runs --limit 5
    """
    with database_session() as session:
        rows = list_runs(session, limit)
        table = Table(title="Crawl runs")
        for column in ("id", "spider", "trigger", "status", "started (UTC)", "finished (UTC)", "pages",
                       "findings new/open/gone", "errors"):
            # A cut "schedule:nig…" or "fin…" tells nothing: these two wrap instead.
            table.add_column(column, overflow="fold" if column in ("trigger", "status") else "ellipsis")
        for run in rows:
            table.add_row(str(run.id), run.spider, run.trigger, run.status,
                          run.started_at.strftime("%Y-%m-%d %H:%M:%S"),
                          run.finished_at.strftime("%Y-%m-%d %H:%M:%S") if run.finished_at else "",
                          str(run.pages), _findings_cell(run.finding_summary or {}), str(run.errors))
        console.print(table if rows else "No crawl runs yet.")


def _findings_cell(summary: dict[str, dict[str, int]]) -> str:
    totals = summary_totals(summary)
    return f"{totals['new']}/{totals['still_open'] + totals['reopened']}/{totals['gone']}"


COMMANDS = (db, runs)
