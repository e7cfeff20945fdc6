"""``ecwatch rules`` and ``ecwatch calendar``: the dated rules and promotion windows the detectors apply.

Both read the rules data the way ``ecwatch detect`` does (``ECWATCH_RULES_DIR``,
``ECWATCH_CALENDAR_FILE`` honoured). Text from the data files is printed as text, never as
Rich markup: "[S1]" in an uncertainty note stays "[S1]".
"""

from __future__ import annotations

import json
import os
import re
from datetime import date
from typing import Any

import click
from rich.text import Text

from detectors import IMPLEMENTED_RULES, CalendarError, Rule, Rulebook, RulebookError, load_rulebook
from detectors.calendar import COVERAGE_KINDS, Calendar, Window
from detectors.rulebook import REQUIREMENTS

from .common import CONTEXT_SETTINGS, InputError, console, user_errors
from .errors import did_you_mean
from .i18n import tr
from .detect import today_in_vietnam

FORMATS = ("table", "json")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _day(value: str | None) -> date:
    if value is None:
        return today_in_vietnam()
    try:
        if not _DATE_RE.fullmatch(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"--on: {value!r} is not a date; expected YYYY-MM-DD, e.g. 2026-10-15") from None


def _format(value: str) -> str:
    if value not in FORMATS:
        raise InputError(f"--format: {value!r} is not one of {', '.join(FORMATS)}")
    return value


def _rulebook() -> Rulebook:
    return load_rulebook(environ=os.environ)


def _dmy(day: date | None, open_end: str) -> str:
    return f"{day:%d/%m/%Y}" if day else open_end


def _validity(rule: Rule) -> str:
    return f"{_dmy(rule.valid_from, '…')} – {_dmy(rule.valid_to, '…')}"


def _status(rule: Rule) -> str:
    if not rule.enabled:
        return "off (enabled = false)"
    if rule.requires:
        return f"checked across crawls: {REQUIREMENTS[rule.requires]}"
    return "checked" if rule.id in IMPLEMENTED_RULES else "not checked: no detector"


def _row(rule: Rule, uncertain: str | None) -> dict[str, Any]:
    return {
        "id": rule.id, "title_vi": rule.title_vi, "title_en": rule.title_en, "legal_basis": rule.legal_basis,
        "valid_from": rule.valid_from.isoformat() if rule.valid_from else None,
        "valid_to": rule.valid_to.isoformat() if rule.valid_to else None,
        "confidence": rule.confidence, "severity": rule.severity.value, "enabled": rule.enabled,
        "status": _status(rule), "thresholds": dict(rule.thresholds), "uncertain": uncertain,
        "lifted_in_windows": rule.lifted_in_windows, "note": rule.note, "source": rule.source,
    }


def _thresholds(values: dict[str, Any]) -> str:
    return ", ".join(f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in values.items())


def _print_card(header: str, fields: list[tuple[str, str | None]]) -> None:
    """One record as a header line and indented ``label: value`` lines (readable at any width)."""
    console.print(Text(header, style="bold"))
    for label, value in fields:
        if value:
            console.print(Text(f"  {label}: {value}"))
    console.print()


def _print_rule(row: dict[str, Any]) -> None:
    valid = f"{_dmy(_date(row['valid_from']), '…')} – {_dmy(_date(row['valid_to']), '…')}"
    header = tr("{id}  valid {valid}  confidence {confidence}  severity {severity}", id=row["id"], valid=valid,
                confidence=row["confidence"] or "—", severity=row["severity"])
    _print_card(header, [
        ("vi", row["title_vi"]), ("en", row["title_en"]), (tr("status"), row["status"]),
        (tr("legal basis"), row["legal_basis"]), (tr("thresholds"), _thresholds(row["thresholds"])),
        (tr("lifted in concentrated-promotion windows"), tr("yes") if row["lifted_in_windows"] else None),
        (tr("uncertainty"), row["uncertain"]), (tr("note"), row["note"]),
    ])


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


@click.group("rules", invoke_without_command=True, context_settings=CONTEXT_SETTINGS)
@click.option("--on", "on", metavar="DATE", help="The date the rules are in force (YYYY-MM-DD). Default: today "
              "in Asia/Ho_Chi_Minh.")
@click.option("--format", "output_format", default="table", metavar="table|json", help="Output format.")
@click.pass_context
@user_errors(RulebookError, CalendarError)
def rules(ctx: click.Context, on: str | None, output_format: str) -> None:
    """The rules in force on a date: legal basis, validity, confidence, thresholds, uncertainty (Vietnamese
    and English titles), and whether ecwatch checks them on single pages.

    Example:

    \b
        ecwatch rules --on 2026-10-15
        ecwatch rules --on 2026-06-20 --format json
        ecwatch rules show PROMO-DISC-50
    """
    if ctx.invoked_subcommand is not None:
        return
    day, output_format = _day(on), _format(output_format)
    rulebook = _rulebook()
    rows, not_in_force = [], []
    for rule_id in sorted(rulebook.ids()):
        row = rulebook.row_on(rule_id, day)
        if row is None:
            not_in_force.append({"id": rule_id, "valid": [_validity(r) for r in rulebook.history(rule_id)]})
            continue
        in_force = rulebook.rule_on(rule_id, day)
        rows.append(_row(row, in_force.uncertain if in_force else row.uncertain))
    gap = rulebook.calendar.gap_note(day)
    if output_format == "json":
        click.echo(json.dumps({"on": day.isoformat(), "rules": rows, "not_in_force": not_in_force,
                               "calendar": {"coverage": rulebook.calendar.coverage, "gap": gap}},
                              ensure_ascii=False, indent=2))
        return
    console.print(Text(tr("Rules in force on {day}", day=f"{day:%d/%m/%Y}") + "\n", style="bold underline"))
    for row in rows:
        _print_rule(row)
    for item in not_in_force:
        console.print(Text(tr("Not in force on {day}: {id} (valid {valid})", day=f"{day:%d/%m/%Y}", id=item["id"],
                              valid="; ".join(item["valid"]))))
    covered = f"Calendar: lists state programmes, Tết and holidays for {day.year}."
    console.print(Text(f"Calendar: {gap}" if gap else covered))


@rules.command("show", context_settings=CONTEXT_SETTINGS)
@click.argument("rule_id", metavar="ID")
@click.option("--format", "output_format", default="table", metavar="table|json", help="Output format.")
@user_errors(RulebookError, CalendarError)
def rules_show(rule_id: str, output_format: str) -> None:
    """A rule's dated history: every row, oldest first, as each date is judged.

    Example:

    \b
        ecwatch rules show PROMO-BANNED-GOODS
        ecwatch rules show PROMO-NOTIFY --format json
    """
    output_format = _format(output_format)
    rulebook = _rulebook()
    wanted = rule_id.strip().upper()
    if wanted not in rulebook.ids():
        hint = did_you_mean(wanted, rulebook.ids(), "'ecwatch rules' lists them")
        raise InputError(f"unknown rule id {rule_id!r}; {hint}")
    rows = [_row(r, r.uncertain) for r in rulebook.history(wanted)]
    if output_format == "json":
        click.echo(json.dumps({"id": wanted, "rows": rows}, ensure_ascii=False, indent=2))
        return
    console.print(Text(tr("{id}: {count} dated row(s), oldest first", id=wanted, count=len(rows)) + "\n",
                       style="bold underline"))
    for row in rows:
        _print_rule(row)


# --- calendar -----------------------------------------------------------------------------------

def _year(value: str | None) -> int | None:
    if value is None:
        return None
    if not re.fullmatch(r"\d{4}", value.strip()):
        raise InputError(f"--year: {value!r} is not a year; expected four digits, e.g. 2027")
    return int(value)


def _window_row(window: Window) -> dict[str, Any]:
    return {**window.describe(), "kind": window.kind,
            "status": "on" if window.enabled else "unconfirmed (does not lift the cap)", "note": window.note}


def _coverage_lines(calendar: Calendar, year: int | None) -> list[str]:
    coverage = calendar.coverage
    if year is None:
        listed = "; ".join(f"{COVERAGE_KINDS[k]}: {', '.join(map(str, ys)) or 'none'}" for k, ys in coverage.items())
        return [f"Years listed: {listed}.",
                "On a date in a year without state programmes the capped rules' findings say the calendar cannot "
                "rule a window out."]
    lines = [f"{year}: " + "; ".join(
        f"{COVERAGE_KINDS[k]} {'listed' if year in ys else 'NOT listed'}" for k, ys in coverage.items()) + "."]
    gap = calendar.gap_note(date(year, 1, 1))
    if gap:
        lines.append("Findings of the capped rules on dates in this year carry a note: the calendar may miss a window.")
    return lines


@click.command("calendar", context_settings=CONTEXT_SETTINGS)
@click.option("--year", metavar="YEAR", help="Only windows that touch this year, and its coverage.")
@click.option("--format", "output_format", default="table", metavar="table|json", help="Output format.")
@user_errors(RulebookError, CalendarError)
def calendar_command(year: str | None, output_format: str) -> None:
    """Concentrated-promotion windows (Tết, holidays, state programmes) that lift the 50 % caps,
    and which years the calendar covers.

    Example:

    \b
        ecwatch calendar --year 2027
        ecwatch calendar --format json
    """
    wanted, output_format = _year(year), _format(output_format)
    calendar = _rulebook().calendar
    windows = [w for w in calendar.windows if wanted is None or w.start.year <= wanted <= w.end.year]
    rows = [_window_row(w) for w in windows]
    if output_format == "json":
        click.echo(json.dumps({"year": wanted, "windows": rows, "coverage": calendar.coverage},
                              ensure_ascii=False, indent=2))
        return
    console.print(Text((tr("Concentrated-promotion windows touching {year}", year=wanted) if wanted
                        else tr("Concentrated-promotion windows")) + "\n",
                       style="bold underline"))
    for w, row in zip(windows, rows):
        _print_card(f"{w.id}  {w.start:%d/%m/%Y} – {w.end:%d/%m/%Y}  {w.scope}  {w.kind}  {row['status']}  "
                    + tr("confidence {value}", value=w.confidence),
                    [(tr("name"), w.name), (tr("source"), w.source_decision), (tr("note"), w.note)])
    for line in _coverage_lines(calendar, wanted):
        console.print(Text(line))


calendar_command.name = "calendar"
COMMANDS = (rules, calendar_command)
