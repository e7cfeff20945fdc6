"""``ecwatch export``, ``ecwatch keys`` and ``ecwatch evidence``: findings out to investigators."""

from __future__ import annotations

import functools
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterator

import click
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from storage.bundles import EmptySelectionError, EvidenceFileError, export_bundle, verify_bundle
from storage.exports import FORMATS, OutputError, UnknownFindingsError, export_findings, parse_since
from storage.config import DataDirError
from storage.keys import SigningKeyError, init_keys, load_public_key, load_signing_key
from storage.repository import FindingFilter

from .common import (CONTEXT_SETTINGS, InputError, console, database_label, database_session, err_console,
                     runtime_errors, storage_config, user_errors)
from .findings import STATUSES
from .i18n import tr
from .lookups import resolve_rule, resolve_site
from .output import notice

OUTPUT_HINT = "'-o' / '--output'"


def _since(_ctx: click.Context, _param: click.Parameter, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_since(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def filter_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--status, --rule, --site, --since: the same filter as ``ecwatch findings``."""
    for option in reversed((
        click.option("--status", type=click.Choice(STATUSES), help="Only findings in this review status."),
        click.option("--rule", help="Only this rule id, e.g. PROMO-DISC-50 (any case)."),
        click.option("--site", help="Only this site: a registrable domain such as shop.example.vn (or a URL of it)."),
        click.option("--since", callback=_since, metavar="DATE",
                     help="Only findings first observed on or after DATE (YYYY-MM-DD, Asia/Ho_Chi_Minh)."),
    )):
        func = option(func)
    return func


def output_option(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option("--progress/--no-progress", default=None,
                        help="Show a row counter on stderr. Default: only when stderr is a terminal.")(func)
    return click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
                        help="File to write; replaced only once the export is complete.")(func)


@contextmanager
def row_progress(enabled: bool | None, what: str) -> Iterator[Callable[[int], None] | None]:
    """A live row counter on stderr (stdout stays clean for scripts)."""
    if not (err_console.is_terminal if enabled is None else enabled):
        yield None
        return
    columns = (SpinnerColumn(), TextColumn(what), TextColumn("{task.completed:,} rows"), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True) as progress:
        task = progress.add_task(what, total=None)
        yield lambda count: progress.update(task, completed=count)


def _output_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Bad input (unknown id, unwritable -o) is a usage error, exit 2, naming the option."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except OutputError as exc:
            raise click.BadParameter(str(exc), param_hint=OUTPUT_HINT) from None
        except UnknownFindingsError as exc:
            raise click.BadParameter(str(exc), param_hint="'--finding'") from None

    return wrapper


@click.group(context_settings=CONTEXT_SETTINGS)
def export() -> None:
    """Export findings for investigators: a CSV/JSONL table, or a signed evidence bundle.

    Example:

    \b
        ecwatch export findings --status confirmed -o findings.csv
        ecwatch export bundle --status confirmed -o case.zip
    """


@export.command("findings", context_settings=CONTEXT_SETTINGS)
@filter_options
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True,
              help="csv: UTF-8 with BOM for Excel, formulas made inert. jsonl: one JSON object a line.")
@output_option
@_output_errors
def export_findings_command(status: str | None, rule: str | None, site: str | None, since: datetime | None,
                            fmt: str, output: Path, progress: bool | None) -> None:
    """Write one row per finding, with the paths and SHA-256 of its evidence files.

    Example:

    \b
        ecwatch export findings --status confirmed --since 2026-11-01 -o confirmed.csv
        ecwatch export findings --rule PROMO-DISC-50 --format jsonl -o promo.jsonl
    """
    config = storage_config()
    with database_session(config) as session:
        flt = FindingFilter(rule=resolve_rule(rule, session), site=resolve_site(site, session), status=status,
                            since=since)
        with row_progress(progress, tr("Exporting findings")) as on_row:
            result = export_findings(session, flt, output, data_dir=config.data_dir, fmt=fmt, on_row=on_row)
    notice(tr("Wrote {rows} findings to {path} (database {db})", rows=result.rows, path=result.path,
              db=database_label(config)))


@export.command("bundle", context_settings=CONTEXT_SETTINGS)
@click.option("--finding", "finding_ids", type=int, multiple=True, metavar="ID",
              help="A finding to include (repeatable). Not combined with the filters.")
@filter_options
@output_option
@_output_errors
@runtime_errors(SigningKeyError, EvidenceFileError, EmptySelectionError)
def export_bundle_command(finding_ids: tuple[int, ...], status: str | None, rule: str | None, site: str | None,
                          since: datetime | None, output: Path, progress: bool | None) -> None:
    """Write a signed zip: the findings CSV, all their evidence files, a manifest and its signature.

    Needs a signing key: run 'ecwatch keys init' once. Check a bundle with 'ecwatch evidence verify'.

    Example:

    \b
        ecwatch export bundle --finding 12 --finding 15 -o case-2026-041.zip
        ecwatch export bundle --status confirmed --site shop.example.vn -o case.zip
    """
    filters = {"status": status, "rule": rule, "site": site, "since": since}
    if finding_ids and any(filters.values()):
        raise click.UsageError("give either --finding IDs or filters (--status, --rule, --site, --since), not both")
    if not finding_ids and not any(filters.values()):
        raise click.UsageError("choose the findings: --finding ID (repeatable), or a filter such as --status confirmed")
    config = storage_config()
    key = load_signing_key(config.data_dir)
    with database_session(config) as session:
        filters.update(rule=resolve_rule(rule, session), site=resolve_site(site, session))
        flt = FindingFilter(ids=tuple(sorted(set(finding_ids))), **filters)  # type: ignore[arg-type]
        with row_progress(progress, tr("Bundling findings")) as on_row:
            result = export_bundle(session, flt, output, data_dir=config.data_dir, signing_key=key, on_row=on_row)
    notice(tr("Wrote {rows} findings and {files} files to {path}, signed by key {key} (database {db})",
              rows=result.findings, files=result.files, path=result.path, key=result.key_fingerprint,
              db=database_label(config)))


@click.group(context_settings=CONTEXT_SETTINGS)
def keys() -> None:
    """The Ed25519 key that signs evidence bundles (kept in <data dir>/keys/).

    Example:

    \b
        ecwatch keys init
    """


@keys.command("init", context_settings=CONTEXT_SETTINGS)
@click.option("--force", is_flag=True, help="Replace an existing key (old bundles keep verifying with the old .pub).")
@runtime_errors(SigningKeyError)
def keys_init(force: bool) -> None:
    """Create the signing key pair and print its fingerprint to publish to recipients.

    Example:

    \b
        ecwatch keys init
    """
    config = storage_config()
    try:
        config.ensure_data_dir()
    except DataDirError as exc:
        raise InputError(str(exc)) from None
    info = init_keys(config.data_dir, force=force)
    console.print(f"private key: {info.paths.private} (mode 0600, keep it secret)", markup=False)
    console.print(f"public key:  {info.paths.public}", markup=False)
    console.print(f"fingerprint: {info.fingerprint}", markup=False)


@click.group(context_settings=CONTEXT_SETTINGS)
def evidence() -> None:
    """Check evidence bundles.

    Example:

    \b
        ecwatch evidence verify case.zip
    """


@evidence.command("verify", context_settings=CONTEXT_SETTINGS)
@click.argument("bundle", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--public-key", "public_key", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Verify against this trusted public key (PEM) instead of the one inside the bundle.")
@user_errors(SigningKeyError)
def evidence_verify(bundle: Path, public_key: Path | None) -> None:
    """Check every file's SHA-256 and the manifest signature; name each problem. Exit 1 if any.

    Example:

    \b
        ecwatch evidence verify case.zip
        ecwatch evidence verify case.zip --public-key ministry-signing.pub
    """
    trusted = load_public_key(public_key.read_bytes(), str(public_key)) if public_key else None
    report = verify_bundle(bundle, trusted)
    if report.ok:
        console.print(f"OK: {bundle}: {report.files_checked} files match the manifest, signature verifies "
                      f"(key {report.key_fingerprint}, created {report.created_at}, {report.findings} findings)",
                      markup=False)
        return
    for problem in report.problems:
        console.print(problem, markup=False)
    raise click.ClickException(f"{bundle}: {len(report.problems)} problem(s); the bundle cannot be trusted as is")


COMMANDS = (export, keys, evidence)
