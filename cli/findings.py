"""``ecwatch findings``: the stored findings, for people (table) or scripts (jsonl)."""

from __future__ import annotations

import json
from typing import Any

import click
from rich.table import Table

from storage.config import StorageConfig
from storage.models import Finding
from storage.repository import FindingFilter, iter_findings

from .common import CONTEXT_SETTINGS, console, database_session, storage_config

STATUSES = ("open", "confirmed", "dismissed", "retracted")


def finding_record(finding: Finding, config: StorageConfig) -> dict[str, Any]:
    return {
        "id": finding.id,
        "rule": finding.rule,
        "severity": finding.severity,
        "legal_basis": finding.legal_basis,
        "site": finding.site.domain,
        "url": finding.url,
        "observed_at": finding.observed_at.isoformat().replace("+00:00", "Z"),
        "message": finding.message,
        "evidence": finding.evidence,
        "status": finding.status,
        "ad_id": finding.ad_id,
        "artifacts": [
            {"kind": artifact.kind, "path": str(config.data_dir / artifact.path), "sha256": artifact.sha256}
            for artifact in sorted(finding.snapshot.artifacts, key=lambda a: a.kind)
        ],
    }


@click.command(context_settings=CONTEXT_SETTINGS)
@click.option("--rule", help="Only this rule id, e.g. PROMO-DISC-50.")
@click.option("--site", help="Only this registrable domain, e.g. shop.example.vn.")
@click.option("--status", type=click.Choice(STATUSES), help="Only findings in this review status.")
@click.option("--format", "output_format", type=click.Choice(["table", "jsonl"]), default="table",
              show_default=True)
def findings(rule: str | None, site: str | None, status: str | None, output_format: str) -> None:
    """List stored findings with their evidence files.

    Example:

    \b
        ecwatch findings --rule PROMO-DISC-50 --format jsonl
    """
    config = storage_config()
    flt = FindingFilter(rule=rule, site=site, status=status)
    with database_session(config) as session:
        if output_format == "jsonl":
            for finding in iter_findings(session, flt):
                click.echo(json.dumps(finding_record(finding, config), ensure_ascii=False))
            return
        _print_table([finding_record(f, config) for f in iter_findings(session, flt)])


def _print_table(records: list[dict[str, Any]]) -> None:
    if not records:
        console.print("No findings match.")
        return
    table = Table(title=f"{len(records)} findings")
    for column in ("id", "rule", "severity", "site", "status", "observed (UTC)", "message"):
        table.add_column(column, overflow="fold")
    for r in records:
        table.add_row(str(r["id"]), r["rule"], r["severity"], r["site"], r["status"], r["observed_at"][:19],
                      r["message"])
    console.print(table)


COMMANDS = (findings,)
