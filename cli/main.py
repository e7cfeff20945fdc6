"""The ``ecwatch`` command."""

from __future__ import annotations

import click

from . import crawl, db, demo, detect, export, findings, registry, rejudge, rules, schedule
from .common import CONTEXT_SETTINGS

COMMAND_MODULES = (crawl, demo, db, detect, findings, rejudge, registry, export, schedule, rules)


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(package_name="ecwatch", message="ecwatch %(version)s")
def cli() -> None:
    """ecwatch: crawl Vietnamese-facing shops and flag unnotified sites and unlawful promotions.

    Findings are flags for a human reviewer, with evidence and legal basis, never verdicts.

    Example:

    \b
        ecwatch crawl storefront --url https://shop.example.vn/
    """


for _module in COMMAND_MODULES:
    for _command in _module.COMMANDS:
        cli.add_command(_command)


def main() -> None:
    cli(prog_name="ecwatch")


if __name__ == "__main__":
    main()
