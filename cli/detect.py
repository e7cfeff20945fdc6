"""``ecwatch detect``: run the detectors on saved pages, one or a batch."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from pathlib import Path
from typing import IO, Any, Iterator
from zoneinfo import ZoneInfo

import click

from detectors import (
    Explanation,
    HistoryRun,
    Observation,
    InMemoryRegistry,
    RegistryFileError,
    Rulebook,
    RulebookError,
    explain,
    findings_across,
    load_rulebook,
    read_registry_csv,
)
from detectors.judge import NOT_JUDGED, Judgement
from detectors.types import Finding, Page
from storage.history import stored_series_of
from storage.judge import Judge, PageToJudge, vietnam_date
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


def detect_file(path: Path, url: str, on: date, registry: InMemoryRegistry, rulebook: Rulebook,
                at: datetime | None = None) -> tuple[list[Finding], tuple[Observation, ...]]:
    """The one judge's findings on a saved page, judged as of ``on``, and what it offered (seen ``at``,
    default now); nothing is stored."""
    judgement, _parsed, _judge, _page = _judge_file(path, url, on, registry, rulebook, at)
    return list(judgement.findings), judgement.observations


def explain_file(path: Path, url: str, on: date, registry: InMemoryRegistry, rulebook: Rulebook,
                 at: datetime | None = None) -> tuple[Explanation, tuple[Observation, ...]]:
    """``detect_file`` with the reasons: the judge parses the page once, ``explain`` runs the rules over
    that same page model keeping what each rule weighed (its findings are the judge's)."""
    judgement, parsed, judge, page = _judge_file(path, url, on, registry, rulebook, at)
    assert parsed is not None
    return explain(parsed, judge.context(page.fetched_at), rulebook=rulebook), judgement.observations


def _judge_file(path: Path, url: str, on: date, registry: InMemoryRegistry, rulebook: Rulebook,
                at: datetime | None) -> tuple[Judgement, Page | None, Judge, PageToJudge]:
    page = PageToJudge(url=url, body=path.read_bytes(), fetched_at=at or datetime.now(timezone.utc),
                       content_type="text/html")  # the user says it is a page: fragments too
    judge = Judge(rulebook, registry, on=on)
    judgement, parsed = judge.judge(page)
    if judgement.status == NOT_JUDGED or parsed is None:
        raise NotJudged(f"not judged: {judgement.note}")
    return judgement, parsed, judge, page


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
    at: datetime | None = None  # when the page was fetched ("at", ISO 8601), for the price history


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
    try:
        at = _moment(raw["at"]) if raw.get("at") else None
    except (TypeError, ValueError):
        return BatchCase(number, case_id, None, None, None,
                         f"line {number}: 'at' must be an ISO 8601 time (2026-11-20T02:00:00+07:00)")
    if at is None and on is not None:  # a day without a time: the nightly crawl's hour
        at = datetime(on.year, on.month, on.day, 2, tzinfo=VIETNAM)
    return BatchCase(number, case_id, base / str(raw["path"]), str(raw["url"]), on or (vietnam_date(at) if at else None),
                     at=at)


def _moment(text: object) -> datetime:
    moment = datetime.fromisoformat(str(text))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=VIETNAM)


def run_batch(batch_file: Path, registry: InMemoryRegistry, default_on: date, out: IO[str],
              rulebook: Rulebook, *, with_explanation: bool = False, with_history: bool = False) -> tuple[int, int]:
    """Write one JSON line per case, in input order; returns (cases, errors).

    The history rules run across the batch: the observations of one product (same site, same key) in
    ``at``/``on`` order, with the stored history first when ``with_history``.
    """
    results: list[dict[str, Any]] = []
    seen: list[tuple[int, Observation]] = []
    for case in read_batch(batch_file):
        result, observations = _judge_case(case, registry, default_on, rulebook, with_explanation)
        seen.extend((len(results), o) for o in observations)
        results.append(result)
    observations = [o for _, o in seen]
    earlier = _stored_history(observations) if with_history else None
    for (index, _o), raised in zip(seen, findings_across(observations, HistoryRun(rulebook), earlier)):
        results[index]["findings"].extend(findings_json(raised))
    for result in results:
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
    return len(results), sum("error" in r for r in results)


def _judge_case(case: BatchCase, registry: InMemoryRegistry, default_on: date, rulebook: Rulebook,
                with_explanation: bool) -> tuple[dict[str, Any], tuple[Observation, ...]]:
    result: dict[str, Any] = {"id": case.case_id}
    if case.error is not None:
        result["error"] = case.error
        return result, ()
    assert case.path is not None and case.url is not None
    try:
        if with_explanation:
            expl, observations = explain_file(case.path, case.url, case.on or default_on, registry, rulebook, case.at)
            result.update(url=case.url, findings=findings_json(list(expl.findings)), explanation=expl.to_dict())
        else:
            findings, observations = detect_file(case.path, case.url, case.on or default_on, registry, rulebook,
                                                 case.at)
            result.update(url=case.url, findings=findings_json(findings))
        return result, tuple(replace(o, source=f"case {case.case_id}") for o in observations)
    except FileNotFoundError:
        result["error"] = f"file not found: {case.path}"
    except NotJudged as exc:
        result["error"] = f"{case.path}: {exc}"
    except (OSError, ValueError, UnicodeError) as exc:
        result["error"] = f"cannot read page {case.path}: {exc}"
    return result, ()


def _stored_history(observations: list[Observation]) -> dict[str, list[Observation]]:
    with database_session() as session:
        return stored_series_of(session, observations)


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
              help='JSONL of cases {"id", "path", "url", "on", "at"}; paths relative to the file.')
@click.option("--on", "on", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Judge as of this date (YYYY-MM-DD). Default: today in Asia/Ho_Chi_Minh.")
@click.option("--registry", "registry_csv", type=click.Path(dir_okay=False, path_type=Path),
              help="Registry CSV to check badges against. Default: the stored registry.")
@click.option("--format", "output_format", type=click.Choice(["table", "json", "jsonl"]),
              help="table (default for a page), json, or jsonl (batch).")
@click.option("--history", "with_history", is_flag=True,
              help="With --batch: the stored price history comes before the batch's own observations.")
@click.option("--explain", "with_explanation", is_flag=True,
              help="Also say why: signals and their reasons, every offer and badge candidate read, and for "
                   "each rule why it fired or stayed silent (an 'explanation' key in json/jsonl).")
@user_errors(RegistryFileError, RulebookError)
@runtime_errors(NotJudged)
def detect_command(page: Path | None, url: str | None, batch_file: Path | None, on: datetime | None,
                   registry_csv: Path | None, output_format: str | None, with_history: bool,
                   with_explanation: bool) -> None:
    """Run the detectors on a saved page (or a batch of them) and print the findings.

    A batch line is {"id", "path", "url", "on"} and optionally "at" (the fetch time, ISO 8601); the
    price-history rules (PROMO-FAKE-REF, PROMO-DUR-120, PROMO-FAKE-URGENCY) run across the batch's
    pages of one product in "at"/"on" order (--history: after the stored history).

    Example:

    \b
        ecwatch detect saved/product.html --url https://shop.example.vn/p/1 --on 2026-11-20 --format json
        ecwatch detect saved/landing.html --url https://shop.example.vn/ --explain
        ecwatch detect --batch cases.jsonl --format jsonl > findings.jsonl
        ecwatch detect --batch nights.jsonl --history --format jsonl
    """
    judged_on = on.date() if on else today_in_vietnam()
    rulebook = load_rulebook(environ=os.environ)
    if batch_file is not None:
        if page is not None:
            raise click.UsageError("give either PAGE or --batch, not both")
        if output_format not in (None, "jsonl"):
            raise click.UsageError("--batch writes jsonl: use --format jsonl")
        run_batch(batch_file, load_registry(registry_csv), judged_on, sys.stdout, rulebook,
                  with_explanation=with_explanation, with_history=with_history)
        sys.stdout.flush()
        return
    if page is None or not url:
        raise click.UsageError("give PAGE and --url URL, or --batch FILE")
    if with_history:
        raise click.UsageError("--history goes with --batch (a product's pages across nights)")
    if output_format == "jsonl":
        raise click.UsageError("--format jsonl goes with --batch; use table or json for one page")
    registry = load_registry(registry_csv)
    expl: Explanation | None = None
    try:
        if with_explanation:
            expl, _observations = explain_file(page, url, judged_on, registry, rulebook)
            findings = list(expl.findings)
        else:
            findings, _observations = detect_file(page, url, judged_on, registry, rulebook)
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
