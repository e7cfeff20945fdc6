"""``ecwatch spiders``: the spiders ``ecwatch crawl`` and schedules can run."""

from __future__ import annotations

import sys

import click

from crawler.run import spider_classes

from .common import CONTEXT_SETTINGS
from .i18n import tr
from .output import Column, chosen_format, emit, format_option

# What each bundled spider takes and does, in the CLI's words (translated); another spider shows
# the first line of its docstring.
SPIDER_NOTES = {
    "storefront": ("--url URL (repeatable) | --seeds FILE",
                   "Crawls each seed's site (its registrable domain): product, category, pagination and "
                   "promotion pages, never login, cart or search pages."),
    "ads": ("--seeds FILE (CSV: ad_id, source, url, first_seen)",
            "Follows each ad or affiliate link through its whole redirect chain to the landing page, and "
            "keeps the ad id and every hop with the findings."),
}
COLUMNS = [Column("name", "name"), Column("input", "input"), Column("description", "description", wrap=True)]


def _docstring_line(spider: type) -> str:
    doc = spider.__doc__ or sys.modules[spider.__module__].__doc__ or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


@click.command(context_settings=CONTEXT_SETTINGS)
@format_option
def spiders(output_format: str | None) -> None:
    """List the spiders 'ecwatch crawl SPIDER' and 'ecwatch schedule add --spider' take.

    Example:

    \b
        ecwatch spiders
    """
    records = []
    for name, spider in spider_classes().items():
        given, description = SPIDER_NOTES.get(name, ("-a NAME=VALUE", ""))
        records.append({"name": name, "input": given,
                        "description": tr(description) if description else _docstring_line(spider)})
    emit(records, COLUMNS, chosen_format(output_format), title=tr("Spiders"))


COMMANDS = (spiders,)
