"""``ecwatch detect``: run the detectors on saved pages, one or a batch."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import IO, Any, Iterator
from zoneinfo import ZoneInfo

import click

from detectors import (
    Explanation,
    InMemoryRegistry,
    RegistryFileError,
    Rulebook,
    RulebookError,
    explain,
    load_rulebook,
    read_registry_csv,
)
from detectors.judge import NOT_JUDGED
from detectors.types import Finding
from storage.judge import Judge, PageToJudge
from storage.repository import StoredRegistry

from .common import CONTEXT_SETTINGS, InputError, console, database_session, runtime_errors, user_errors
from .explain import explanation_lines
from .i18n import title_of, tr
from .output import Column, emit, printable, say

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def today_in_vietnam() -> date:
    return datetime.now(VIETNAM).date()


def load_registry(registry_csv: Path | None) -> InMemoryRegistry:
    """The registry CSV given, else every record stored in the database."""
    if registry_csv is not None:
        try:
            text = registry_csv.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"--registry: cannot read {registry_csv}: {exc}") from None
        return InMemoryRegistry(read_registry_csv(text))
    with database_session() as session:
        return InMemoryRegistry(StoredRegistry(session).all_records())


def findings_json(findings: list[Finding]) -> list[dict[str, Any]]:
    return [finding.to_dict() for finding in findings]


def detect_file(path: Path, url: str, on: date, registry: InMemoryRegistry, rulebook: Rulebook) -> list[Finding]:
    """The one judge's findings on a saved page, judged as of ``on``; nothing is stored."""
    page = PageToJudge(url=url, body=path.read_bytes(), fetched_at=datetime.now(timezone.utc),
                       content_type="text/html")  # the user says it is a page: fragments too
    judgement, _page = Judge(rulebook, registry, on=on).judge(page)
    if judgement.status == NOT_JUDGED:
        raise NotJudged(f"not judged: {judgement.note}")
    return list(judgement.findings)


def explain_file(path: Path, url: str, on: date, registry: InMemoryRegistry, rulebook: Rulebook) -> Explanation:
    """``detect_file`` with the reasons: the judge parses the page once, ``explain`` runs the rules over
    that same page model keeping what each rule weighed (its findings are the judge's)."""
    page = PageToJudge(url=url, body=path.read_bytes(), fetched_at=datetime.now(timezone.utc),
                       content_type="text/html")
    judge = Judge(rulebook, registry, on=on)
    judgement, parsed = judge.judge(page)
    if judgement.status == NOT_JUDGED or parsed is None:
        raise NotJudged(f"not judged: {judgement.note}")
    return explain(parsed, judge.context(page.fetched_at), rulebook=rulebook)


class NotJudged(ValueError):
    """The page beat the parser or a rule (hostile or broken markup): it says why, in one line."""


@dataclass(frozen=True)
class BatchCase:
    line: int
    case_id: Any
    path: Path | None
    url: str | None
    on: date | None
    error: str | None = None


def read_batch(batch_file: Path) -> Iterator[BatchCase]:
    base = batch_file.parent
    with batch_file.open(encoding="utf-8-sig") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                yield _parse_case(number, line, base)


def _parse_case(number: int, line: str, base: Path) -> BatchCase:
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as exc:
        return BatchCase(number, None, None, None, None, f"line {number}: not JSON: {exc.msg}")
    if not isinstance(raw, dict):
        return BatchCase(number, None, None, None, None, f"line {number}: not a JSON object")
    case_id = raw.get("id")
    missing = [key for key in ("path", "url") if not raw.get(key)]
    if missing:
        return BatchCase(number, case_id, None, None, None, f"line {number}: missing {', '.join(missing)}")
    try:
        on = date.fromisoformat(raw["on"]) if raw.get("on") else None
    except (TypeError, ValueError):
        return BatchCase(number, case_id, None, None, None, f"line {number}: 'on' must be YYYY-MM-DD")
    return BatchCase(number, case_id, base / str(raw["path"]), str(raw["url"]), on)


def run_batch(batch_file: Path, registry: InMemoryRegistry, default_on: date, out: IO[str],
              rulebook: Rulebook, *, with_explanation: bool = False) -> tuple[int, int]:
    """Write one JSON line per case, in input order; returns (cases, errors)."""
    cases = errors = 0
    for case in read_batch(batch_file):
        cases += 1
        result: dict[str, Any] = {"id": case.case_id}
        if case.error is None:
            assert case.path is not None and case.url is not None
            try:
                if with_explanation:
                    expl = explain_file(case.path, case.url, case.on or default_on, registry, rulebook)
                    result.update(url=case.url, findings=findings_json(list(expl.findings)),
                                  explanation=expl.to_dict())
                else:
                    findings = detect_file(case.path, case.url, case.on or default_on, registry, rulebook)
                    result.update(url=case.url, findings=findings_json(findings))
            except FileNotFoundError:
                result["error"] = f"file not found: {case.path}"
            except NotJudged as exc:
                result["error"] = f"{case.path}: {exc}"
            except (OSError, ValueError, UnicodeError) as exc:
                result["error"] = f"cannot read page {case.path}: {exc}"
        else:
            result["error"] = case.error
        errors += "error" in result
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
    return cases, errors


DETECT_COLUMNS = [
    Column("rule", "rule"), Column("severity", "severity"),
    Column("title", "title", wrap=True), Column("message", "message", wrap=True),
    Column("snippet", "evidence", wrap=True), Column("legal_basis", "legal basis", wrap=True),
]


def print_findings_table(url: str, findings: list[Finding]) -> None:
    """The findings as a table; page text is shown as text (never markup) with control characters visible."""
    if not findings:
        say(tr("No findings for {url}", url=printable(url)))
        return
    rows = [{"rule": f.rule, "severity": f.severity.value, "title": title_of(f.title_vi, f.title),
             "message": f.message, "snippet": str(f.evidence.get("snippet", ""))[:200],
             "legal_basis": f.legal_basis + (" (" + tr("uncertain: {why}", why=f.uncertain) + ")" if f.uncertain else "")}
            for f in findings]
    emit(rows, DETECT_COLUMNS, "table", title=tr("Findings for {url}", url=printable(url)))


@click.command(context_settings=CONTEXT_SETTINGS)
@click.argument("page", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--url", help="The address the page was fetched from (needed with PAGE).")
@click.option("--batch", "batch_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help='JSONL of cases {"id", "path", "url", "on"}; paths relative to the file.')
@click.option("--on", "on", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Judge as of this date (YYYY-MM-DD). Default: today in Asia/Ho_Chi_Minh.")
@click.option("--registry", "registry_csv", type=click.Path(dir_okay=False, path_type=Path),
              help="Registry CSV to check badges against. Default: the stored registry.")
@click.option("--format", "output_format", type=click.Choice(["table", "json", "jsonl"]),
              help="table (default for a page), json, or jsonl (batch).")
@click.option("--explain", "with_explanation", is_flag=True,
              help="Also say why: signals and their reasons, every offer and badge candidate read, and for "
                   "each rule why it fired or stayed silent (an 'explanation' key in json/jsonl).")
@user_errors(RegistryFileError, RulebookError)
@runtime_errors(NotJudged)
def detect_command(page: Path | None, url: str | None, batch_file: Path | None, on: datetime | None,
                   registry_csv: Path | None, output_format: str | None, with_explanation: bool) -> None:
    """Run the detectors on a saved page (or a batch of them) and print the findings.

    Example:

    \b
        ecwatch detect saved/product.html --url https://shop.example.vn/p/1 --on 2026-11-20 --format json
        ecwatch detect saved/landing.html --url https://shop.example.vn/ --explain
        ecwatch detect --batch cases.jsonl --format jsonl > findings.jsonl
    """
    judged_on = on.date() if on else today_in_vietnam()
    rulebook = load_rulebook(environ=os.environ)
    if batch_file is not None:
        if page is not None:
            raise click.UsageError("give either PAGE or --batch, not both")
        if output_format not in (None, "jsonl"):
            raise click.UsageError("--batch writes jsonl: use --format jsonl")
        run_batch(batch_file, load_registry(registry_csv), judged_on, sys.stdout, rulebook,
                  with_explanation=with_explanation)
        sys.stdout.flush()
        return
    if page is None or not url:
        raise click.UsageError("give PAGE and --url URL, or --batch FILE")
    if output_format == "jsonl":
        raise click.UsageError("--format jsonl goes with --batch; use table or json for one page")
    registry = load_registry(registry_csv)
    expl: Explanation | None = None
    try:
        if with_explanation:
            expl = explain_file(page, url, judged_on, registry, rulebook)
            findings = list(expl.findings)
        else:
            findings = detect_file(page, url, judged_on, registry, rulebook)
    except FileNotFoundError:
        raise InputError(f"page not found: {page}") from None
    except OSError as exc:
        raise InputError(f"cannot read page {page}: {exc.strerror or exc}") from None
    if output_format == "json":
        document: dict[str, Any] = {"url": url, "findings": findings_json(findings)}
        if expl is not None:
            document["explanation"] = expl.to_dict()
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
        return
    print_findings_table(url, findings)
    if expl is not None:
        for line in explanation_lines(expl):
            console.print(line)


detect_command.name = "detect"
COMMANDS = (detect_command,)
