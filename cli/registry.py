"""``ecwatch registry``: the notification/registration records badges are checked against."""

from __future__ import annotations

from pathlib import Path

import click

from detectors import RegistryFileError, read_registry_csv
from storage.repository import save_registry_records

from .common import CONTEXT_SETTINGS, console, database_session, user_errors
from .rejudge import print_rejudge, rejudge_now


@click.group(context_settings=CONTEXT_SETTINGS)
def registry() -> None:
    """Manage the registry of notified/registered e-commerce sites.

    Example:

    \b
        ecwatch registry import records.csv
    """


@registry.command("import", context_settings=CONTEXT_SETTINGS)
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@user_errors(RegistryFileError)
def registry_import(csv_file: Path) -> None:
    """Import records from a CSV (columns domain,record_id,kind,status[,company]).

    kind is notified|registered, status is active|revoked|pending. The whole file is
    checked before anything is stored: one bad row stores nothing. The stored current pages of the
    domains it names are then judged again, so their registration findings follow the registry.

    Example:

    \b
        ecwatch registry import online-gov-vn-export.csv
    """
    try:
        text = csv_file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"cannot read {csv_file}: {exc}") from None
    records = read_registry_csv(text)
    with database_session() as session:
        count = save_registry_records(session, records)
    console.print(f"Imported {count} registry records from {csv_file}", markup=False)
    # Registration findings follow the registry without a re-crawl.
    print_rejudge(rejudge_now({record.domain for record in records}))


COMMANDS = (registry,)
