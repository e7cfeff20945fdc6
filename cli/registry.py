"""``ecwatch registry``: the notification/registration records badges are checked against."""

from __future__ import annotations

from pathlib import Path

import click

from detectors import RegistryFileError, read_registry_csv
from storage.repository import StoredRegistry, import_registry

from .common import CONTEXT_SETTINGS, database, database_label, database_session, user_errors
from .errors import closest
from .i18n import tr
from .lookups import site_key
from .output import Column, chosen_format, emit, format_option, notice, say
from .rejudge import print_rejudge, rejudge_now

COLUMNS = [Column("domain", "domain"), Column("record_id", "record id"), Column("kind", "kind"),
           Column("status", "status"), Column("source", "source"), Column("company", "company", wrap=True)]


@click.group(context_settings=CONTEXT_SETTINGS)
def registry() -> None:
    """Manage the registry of notified/registered e-commerce sites.

    Example:

    \b
        ecwatch registry import records.csv
        ecwatch registry list --domain demo-thoitrang.vn
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
    with database() as engine:
        count = import_registry(engine, records)
    say(tr("Imported {count} registry records from {path} into {db}", count=count, path=csv_file,
           db=database_label()))
    # Registration findings follow the registry without a re-crawl.
    print_rejudge(rejudge_now({record.domain for record in records}))


@registry.command("list", context_settings=CONTEXT_SETTINGS)
@click.option("--domain", metavar="D", help="Only the records of this domain (any case, or a URL of it).")
@format_option
def registry_list(domain: str | None, output_format: str | None) -> None:
    """List the stored notification/registration records: imported ones and those read from the
    portal during crawls (source csv or portal).

    Example:

    \b
        ecwatch registry list
        ecwatch registry list --domain demo-thoitrang.vn --format jsonl
    """
    with database_session() as session:
        records = StoredRegistry(session).all_records()
    wanted = {domain.strip().lower(), site_key(domain)} if domain else None
    rows = [{"domain": r.domain, "record_id": r.record_id, "kind": r.kind, "status": r.status, "source": r.source,
             "company": r.company, "url": r.url} for r in records if wanted is None or r.domain.lower() in wanted]
    if emit(rows, COLUMNS, chosen_format(output_format), title=tr("Registry records")):
        return
    if domain is None:
        notice(tr("No registry records yet (database {db}); import some with 'ecwatch registry import'.",
                  db=database_label()))
        return
    near = closest(site_key(domain), {r.domain for r in records})
    notice(tr("No registry records for {domain} (database {db}).", domain=domain, db=database_label())
           + (" " + tr("Did you mean {other}?", other=near) if near else ""))


COMMANDS = (registry,)
