"""The ``ecwatch`` command."""

from __future__ import annotations

import click

from . import crawl, db, demo, detect, export, findings, history, registry, rejudge, rules, runs, schedule, spiders
from . import review, shared, users
from .common import CONTEXT_SETTINGS
from .errors import OneLineErrorsGroup
from .i18n import add_language_option

COMMAND_MODULES = (crawl, demo, db, runs, spiders, detect, findings, history, rejudge, registry, export, schedule,
                   rules)
COMMAND_MODULES += (shared, review, users)


@click.group(cls=OneLineErrorsGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(package_name="ecwatch", message="ecwatch %(version)s")
def cli() -> None:
    """ecwatch: crawl Vietnamese-facing shops and flag unnotified sites and unlawful promotions.

    Findings are flags for a human reviewer, with evidence and legal basis, never verdicts.

    Data lives in ECWATCH_DATA_DIR, else the per-user data directory (~/.local/share/ecwatch on
    Linux). --lang vi|en (or ECWATCH_LANG) chooses the language; lists are tables on a terminal
    and one record a line (TSV) when piped. Exit status: 0 done, 1 failed at run time, 2 bad input.

    Example:

    \b
        ecwatch crawl storefront --url https://shop.example.vn/
    """


for _module in COMMAND_MODULES:
    for _command in _module.COMMANDS:
        cli.add_command(_command)
add_language_option(cli)


def main() -> None:
    cli(prog_name="ecwatch")


if __name__ == "__main__":
    main()
