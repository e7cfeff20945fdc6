"""``ecwatch findings``: the stored findings for people (table) or scripts (jsonl), one in full
(``show``), and a reviewer's decision on one (``decide``)."""

from __future__ import annotations

import json
from typing import Any

import click
from rich.markup import escape

from detectors import explain
from storage.blobs import BlobStore
from storage.config import StorageConfig
from storage.findings import DECISIONS, DecisionError, decide, history
from storage.judge import Judge, PageToJudge, vietnam_date
from storage.models import Finding, PageSnapshot
from storage.repository import FindingFilter, iter_findings

from .common import (CONTEXT_SETTINGS, InputError, console, database_label, database_session, storage_config,
                     user_errors)
from .explain import explanation_lines
from .i18n import language, title_of, tr
from .lookups import resolve_rule, resolve_site
from .output import Column, chosen_format, emit, format_option, local_time, notice, printable, say

# What --status takes: a machine state, a reviewer decision, or "undecided".
STATUSES = ("open", "gone", "undecided", *DECISIONS)
SHOWN_EVIDENCE = ("snippet", "css_path")  # printed apart; the other evidence keys are the values compared


def utc(moment: Any) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment is not None else None


def artifact_records(snapshot: PageSnapshot | None, config: StorageConfig) -> list[dict[str, Any]]:
    if snapshot is None:
        return []
    return [{"kind": a.kind, "path": str(config.data_dir / a.path), "sha256": a.sha256}
            for a in sorted(snapshot.artifacts, key=lambda a: a.kind)]


def finding_record(finding: Finding, config: StorageConfig) -> dict[str, Any]:
    """URL, evidence and files all come from the finding's reference sighting. ``observed_at`` and
    ``last_seen_at`` are UTC (as they always were); ``first_seen`` and ``last_seen`` are the same
    moments in Asia/Ho_Chi_Minh, as in the CSV."""
    return {
        "id": finding.id,
        "rule": finding.rule,
        "severity": finding.severity,
        "title": finding.title,
        "title_vi": finding.title_vi,
        "legal_basis": finding.legal_basis,
        "uncertain": finding.uncertain,
        "site": finding.site.domain,
        "url": finding.url,
        "observed_at": utc(finding.first_seen_at),
        "last_seen_at": utc(finding.last_seen_at),
        "first_seen": local_time(finding.first_seen_at, iso=True),
        "last_seen": local_time(finding.last_seen_at, iso=True),
        "message": finding.message,
        "evidence": finding.evidence,
        "status": finding.status,
        "state": finding.state,
        "decision": finding.decision,
        "ad_id": finding.ad_id,
        "artifacts": artifact_records(finding.snapshot, config),
    }


LIST_COLUMNS = [
    Column("id", "id"), Column("rule", "rule"), Column("severity", "severity", in_table=False), Column("site", "site"),
    Column("state", "state"), Column("decision", "decision"),
    Column("first_seen", "first seen", time=True),
    Column("title", "title", wrap=True, value=lambda r: title_of(r["title_vi"], r["title"])),
    Column("message", "message", wrap=True),
    Column("url", "url", in_table=False),
]


@click.group(context_settings=CONTEXT_SETTINGS, invoke_without_command=True)
@click.option("--rule", help="Only this rule id, e.g. PROMO-DISC-50 (any case).")
@click.option("--site", help="Only this site: a registrable domain such as shop.example.vn (or a URL of it).")
@click.option("--status", type=click.Choice(STATUSES),
              help="Only findings in this state (open, gone) or with this decision (undecided, confirmed...).")
@format_option
@click.pass_context
def findings(ctx: click.Context, rule: str | None, site: str | None, status: str | None,
             output_format: str | None) -> None:
    """List stored findings with their evidence files; 'show ID' for one in full.

    On a terminal: a table; piped: one finding a line (TSV); --format jsonl: every field,
    evidence files included.

    Example:

    \b
        ecwatch findings --rule PROMO-DISC-50 --format jsonl
        ecwatch findings --site demo-giadung.vn | grep open
        ecwatch findings show 12
    """
    if ctx.invoked_subcommand is not None:
        return
    config = storage_config()
    with database_session(config) as session:
        flt = FindingFilter(rule=resolve_rule(rule, session), site=resolve_site(site, session), status=status)
        records = (finding_record(finding, config) for finding in iter_findings(session, flt))
        fmt = chosen_format(output_format)
        shown = emit(records, LIST_COLUMNS, fmt, title=tr("Findings"))
    if not shown:
        notice(tr("No findings match (database {db}).", db=database_label(config)))


@findings.command("show", context_settings=CONTEXT_SETTINGS)
@click.argument("finding_id", type=int)
def findings_show(finding_id: int) -> None:
    """Everything about one finding: rule, legal basis, values compared, every sighting with its
    files and hashes, the ad's redirect chain, the state and decision history, and why the rule
    fired (the page judged again, with every offer, badge and rule in force explained).

    Example:

    \b
        ecwatch findings show 12
    """
    config = storage_config()
    with database_session(config) as session:
        finding = session.get(Finding, finding_id)
        if finding is None:
            raise InputError(f"no finding with id {finding_id} in {database_label(config)}")
        for line in finding_lines(finding, config, session):
            say(printable(line))
        for line in explanation_markup(finding, config, session):  # Rich markup, page text escaped in it
            console.print(line, highlight=False)


def finding_lines(finding: Finding, config: StorageConfig, session: Any) -> list[str]:
    """The finding as lines of plain text (page content is printed as text, never as markup)."""
    titles = [finding.title_vi, finding.title] if language() == "vi" else [finding.title, finding.title_vi]
    lines = [
        tr("Finding {id}: {rule} ({severity}) on {site}", id=finding.id, rule=finding.rule,
           severity=finding.severity, site=finding.site.domain),
        *(f"  {title}" for title in titles if title),
        tr("Legal basis: {basis}", basis=finding.legal_basis),
    ]
    if finding.uncertain:
        lines.append(tr("Uncertain: {why}", why=finding.uncertain))
    decision = finding.decision or tr("undecided")
    if finding.decision:
        decision += " " + tr("by {who} at {when}", who=finding.decided_by, when=local_time(finding.decided_at))
    lines += [
        tr("State: {state} since {when}; decision: {decision}", state=finding.state,
           when=local_time(finding.state_at), decision=decision),
        tr("First seen {first}, last seen {last}", first=local_time(finding.first_seen_at),
           last=local_time(finding.last_seen_at)),
        "",
        tr("Reference sighting: {url}", url=finding.url),
        f"  {finding.message}",
        f"  {tr('snippet')}: {finding.evidence.get('snippet', '')}",
        f"  {tr('CSS path')}: {finding.evidence.get('css_path') or '-'}",
    ]
    values = {k: v for k, v in finding.evidence.items() if k not in SHOWN_EVIDENCE}
    if values:
        lines.append(f"  {tr('values compared')}:")
        lines += [f"    {key}: {json.dumps(value, ensure_ascii=False, default=str)}" for key, value in values.items()]
    lines += ["", tr("Sightings ({count}):", count=len(finding.sightings))]
    for sighting in finding.sightings:
        mark = f" ({tr('reference')})" if sighting.id == finding.reference_sighting_id else ""
        withdrawn = f" {tr('withdrawn')} {local_time(sighting.withdrawn_at)}" if sighting.withdrawn_at else ""
        lines.append(f"  #{sighting.id} {local_time(sighting.seen_at)} {tr('snapshot')} {sighting.snapshot_id} "
                     f"{sighting.url}{mark}{withdrawn}")
        files = artifact_records(sighting.snapshot, config)
        for artifact in files:
            lines.append(f"    {artifact['kind']}: {artifact['path']} sha256 {artifact['sha256']}")
        if not any(artifact["kind"] == "html" for artifact in files):  # its page as fetched, kept compressed
            snapshot = sighting.snapshot
            lines.append(f"    page (gzip): {config.data_dir / snapshot.body_path} sha256 {snapshot.body_sha256}")
        if sighting.ad_id:
            lines += _ad_chain(sighting.ad_id, sighting.snapshot)
    lines += ["", tr("History:")]
    for event in history(session, finding.id):
        what = f"{event.field}: {event.old or '-'} -> {event.new or '-'}"
        extra = "; ".join(x for x in (event.reason, event.note) if x)
        lines.append(f"  {local_time(event.at)} {event.actor} {what}" + (f" ({extra})" if extra else ""))
    return lines


def explanation_markup(finding: Finding, config: StorageConfig, session: Any) -> list[str]:
    """Why the reference page was flagged (and why other rules stayed silent), judged again by the one
    judge as of the day the page was fetched, with the rules and registry as they are now; Rich markup
    lines in which every text from the page is escaped (``cli.explain``)."""
    snapshot = finding.snapshot
    if snapshot is None:
        return []
    judge = Judge.from_store(session)
    try:
        _judgement, page = judge.judge(PageToJudge.of_snapshot(snapshot, BlobStore(config.data_dir)))
    except OSError as exc:
        return ["", escape(f"Explanation: the stored page cannot be read ({exc})")]
    if page is None:
        return ["", "Explanation: the stored page could not be parsed again"]
    expl = explain(page, judge.context(snapshot.fetched_at, snapshot.ad_id), rulebook=judge.rulebook)
    return ["", f"Explanation (the reference page judged again as of {vietnam_date(snapshot.fetched_at):%d/%m/%Y}):",
            *(f"  {line}" for line in explanation_lines(expl))]


def _ad_chain(ad_id: str, snapshot: PageSnapshot) -> list[str]:
    lines = [tr("    ad {ad}: {hops} hop(s) to {url}", ad=ad_id, hops=len(snapshot.redirect_chain),
                url=snapshot.final_url)]
    for number, hop in enumerate(snapshot.redirect_chain, 1):
        lines.append(f"      {number}. {hop.get('url')} [{hop.get('status') or '-'} {hop.get('via')}] -> {hop.get('to')}")
    return lines


@findings.command("decide", context_settings=CONTEXT_SETTINGS)
@click.argument("finding_id", type=int)
@click.option("--as", "actor", required=True, metavar="USER", help="The reviewer deciding.")
@click.option("--decision", required=True, type=click.Choice([*DECISIONS, "reopen"]),
              help="confirmed, dismissed, escalated, or reopen (undecided again).")
@click.option("--reason", help="For a dismissal: why (e.g. not-a-discount, exempt-goods, registered).")
@click.option("--note", help="Free text kept with the decision.")
@user_errors(DecisionError)
def findings_decide(finding_id: int, actor: str, decision: str, reason: str | None, note: str | None) -> None:
    """Record a reviewer's decision on a finding (kept in its history; the machine never changes it).

    Example:

    \b
        ecwatch findings decide 12 --as lan.nguyen --decision confirmed --note "price history checked"
    """
    with database_session() as session:
        event = decide(session, finding_id, None if decision == "reopen" else decision, actor=actor, note=note,
                       reason=reason)
    say(tr("Finding {id}: {old} -> {new} by {who} (database {db})", id=finding_id, old=event.old or tr("undecided"),
           new=event.new or tr("undecided"), who=actor, db=database_label()))


COMMANDS = (findings,)
