"""``ecwatch rejudge``: judge the stored current pages of sites again, now, without a re-crawl."""

from __future__ import annotations

from datetime import date, datetime
from typing import Iterable

import click

from detectors import RulebookError
from storage.blobs import BlobStore
from storage.db import session_scope
from storage.judge import Judge, RejudgeStats, rejudge_sites

from .common import CONTEXT_SETTINGS, database, database_label, database_session, storage_config, user_errors
from .i18n import tr
from .lookups import resolve_sites
from .output import printable, say
from .summary import SUMMARY_COLUMNS


def rejudge_now(domains: Iterable[str] | None = None, on: date | None = None) -> RejudgeStats:
    """Judge the current pages (latest snapshot of each URL) of these sites (all when None) with the rules
    on disk and the registry as stored now, and set their findings open or gone."""
    config = storage_config()
    with database(config) as engine:
        with session_scope(engine) as session:
            judge = Judge.from_store(session, on=on)
        return rejudge_sites(engine, judge, BlobStore(config.data_dir), domains=domains)


def print_rejudge(stats: RejudgeStats) -> None:
    say(tr("Re-judged {pages} current pages of {sites} sites (database {db}).", pages=stats.snapshots,
           sites=stats.sites, db=database_label()))
    for rule, counts in stats.tally.summary().items():
        changes = ", ".join(f"{counts[c]} {tr(c.replace('_', ' '))}" for c in SUMMARY_COLUMNS if counts.get(c))
        say(f"  {rule}: {changes}")
    for error in stats.errors:
        say(printable(tr("  could not judge {what}", what=error)))


@click.command(context_settings=CONTEXT_SETTINGS)
@click.option("--site", "sites", multiple=True, metavar="DOMAIN",
              help="Only this site (repeatable; any case, or a URL of it). Default: all.")
@click.option("--on", "on", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Judge as of this date (YYYY-MM-DD). Default: each page's own fetch date.")
@user_errors(RulebookError)
def rejudge(sites: tuple[str, ...], on: datetime | None) -> None:
    """Judge the stored current pages of sites again (rules and registry as they are now), so their
    findings follow without a re-crawl: new ones open, those no longer shown go 'gone'.

    Example:

    \b
        ecwatch rejudge --site demo-giadung.vn
    """
    with database_session() as session:
        domains = resolve_sites(sites, session)
    stats = rejudge_now(domains or None, on.date() if on else None)
    print_rejudge(stats)
    if stats.errors:
        raise SystemExit(1)


COMMANDS = (rejudge,)
