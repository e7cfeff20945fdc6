"""Concentrated-promotion windows ("chương trình khuyến mại tập trung").

Inside a window the discount and gift-value caps rise from 50 % to 100 %
(Circular 39/2025/TT-BCT Art. 3(4), Art. 4(2); legal-rules §2.3, §3), so
PROMO-DISC-50 and PROMO-GIFT-50 stay silent there.

Windows are data rows in ``detectors/rules/calendar.toml``; investigators may
add files (``ECWATCH_CALENDAR_FILE``, read by :func:`detectors.rulebook.load_rulebook`
from an explicit environment mapping). A later file may redefine a window by
its ``id``, e.g. to switch on 24/11 once its status as a holiday is confirmed.

A window with ``enabled = false`` never suppresses a finding, but when it covers
the judged date the finding says so in its ``uncertain`` field: the reviewer
learns that the date *may* be inside a window.

A calendar also knows its *coverage*: the years for which it lists state programmes
(Vietnam Grand Sale, Online Friday...), Tết windows and statutory holidays. A date in a
year without state-programme entries may be inside a programme nobody has entered yet;
``Calendar.gap_note`` says so, and the capped rules carry it (``Rulebook.rule_on``).
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable, Sequence

__all__ = ["COVERAGE_KINDS", "Calendar", "CalendarError", "Window", "load_calendar", "parse_calendar"]

CONFIDENCE_MARKS = ("P", "S2", "S1", "U")  # legal-rules.md marks, strongest first
WINDOW_KINDS = ("tet", "holiday", "state-program", "provincial", "other")
_SCOPE_RE = re.compile(r"^(national|province:[0-9A-Za-z_-]+)$")
_REQUIRED = ("id", "name", "scope", "start", "end", "source_decision", "confidence")
_OPTIONAL = ("kind", "enabled", "note")
# The kinds of national windows whose coverage by year the calendar reports, with what a gap means.
COVERAGE_KINDS = {
    "state-program": "state concentrated-promotion programmes (Vietnam Grand Sale, Online Friday...)",
    "tet": "Tết window",
    "holiday": "statutory-holiday windows",
}


class CalendarError(ValueError):
    """A calendar file is unreadable or a row is invalid; the message names file, row and key."""


@dataclass(frozen=True)
class Window:
    id: str
    name: str
    scope: str  # "national" | "province:<code>"
    start: date
    end: date  # inclusive
    source_decision: str
    confidence: str  # one of CONFIDENCE_MARKS
    kind: str = "other"
    enabled: bool = True
    note: str = ""
    source: str = ""  # "<file>#window[<n>]"

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end

    def applies_to(self, provinces: Iterable[str]) -> bool:
        if self.scope == "national":
            return True
        return self.scope.split(":", 1)[1] in set(provinces)

    def describe(self) -> dict[str, Any]:
        """The window as evidence: plain JSON-able values."""
        return {
            "id": self.id,
            "name": self.name,
            "scope": self.scope,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "source_decision": self.source_decision,
            "confidence": self.confidence,
        }


@dataclass(frozen=True)
class Calendar:
    windows: tuple[Window, ...] = ()

    def active_on(self, day: date, provinces: Iterable[str] = ()) -> tuple[Window, ...]:
        """Enabled windows covering ``day`` for a national or listed provincial scope."""
        provinces = tuple(provinces)
        return tuple(
            w for w in self.windows if w.enabled and w.covers(day) and w.applies_to(provinces)
        )

    def uncertain_on(self, day: date, provinces: Iterable[str] = ()) -> tuple[Window, ...]:
        """Disabled (unconfirmed) windows covering ``day``: worth a word in the finding."""
        provinces = tuple(provinces)
        return tuple(
            w for w in self.windows if not w.enabled and w.covers(day) and w.applies_to(provinces)
        )

    @functools.cached_property
    def coverage(self) -> dict[str, tuple[int, ...]]:
        """For each of ``COVERAGE_KINDS``, the years it has national rows for (enabled or not: an
        unconfirmed row still shows someone looked). A programme counts for the year it starts
        in (Vietnam Grand Sale 2025 runs into January 2026 but says nothing about 2026's), a
        Tết window for the year of its Tết."""
        years: dict[str, set[int]] = {kind: set() for kind in COVERAGE_KINDS}
        for w in self.windows:
            if w.kind in years and w.scope == "national":
                years[w.kind].add(w.end.year if w.kind == "tet" else w.start.year)
        return {kind: tuple(sorted(found)) for kind, found in years.items()}

    def missing_on(self, day: date) -> tuple[str, ...]:
        """The ``COVERAGE_KINDS`` the calendar has no rows for in ``day``'s year."""
        return tuple(kind for kind, years in self.coverage.items() if day.year not in years)

    def gap_note(self, day: date) -> str | None:
        """Words for a finding's ``uncertain`` field when ``day``'s year is not covered, else None."""
        missing = self.missing_on(day)
        if not missing:
            return None
        names = [COVERAGE_KINDS[kind] for kind in missing]
        what = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
        return (f"The calendar lists no {what} for {day.year}: a concentrated-promotion window not yet entered "
                f"may cover {day:%d/%m/%Y}, and inside one this flag lapses (the cap is lifted) [U].")


def load_calendar(paths: Sequence[str | Path]) -> Calendar:
    """Read calendar files in order; a later row with the same ``id`` replaces the earlier one."""
    by_id: dict[str, Window] = {}
    for path in paths:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise CalendarError(f"{path}: cannot read calendar file: {exc}") from exc
        for window in parse_calendar(text, source=str(path)):
            by_id[window.id] = window
    return Calendar(tuple(sorted(by_id.values(), key=lambda w: (w.start, w.id))))


def toml_rows(text: str, source: str, key: str, error: type[ValueError]) -> list[Any]:
    """The ``[[key]]`` rows of a rules or calendar file; anything else is an ``error`` naming ``source``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{source}: invalid TOML: {exc}") from exc
    unknown = set(data) - {key}
    if unknown:
        raise error(f"{source}: unknown top-level key(s) {sorted(unknown)}; expected [[{key}]] rows")
    rows = data.get(key, [])
    if not isinstance(rows, list):
        raise error(f"{source}: '{key}' must be an array of tables ([[{key}]])")
    return rows


def parse_calendar(text: str, *, source: str = "<calendar>") -> list[Window]:
    rows = toml_rows(text, source, "window", CalendarError)
    windows = [_window(row, f"{source}#window[{i}]") for i, row in enumerate(rows, start=1)]
    seen: set[str] = set()
    for w in windows:
        if w.id in seen:
            raise CalendarError(f"{w.source} ({w.id}): key 'id': duplicate id in the same file")
        seen.add(w.id)
    return windows


def _window(row: Any, where: str) -> Window:
    if not isinstance(row, dict):
        raise CalendarError(f"{where}: expected a table")
    label = f"{where} ({row.get('id', '?')})"
    for key in _REQUIRED:
        if key not in row:
            raise CalendarError(f"{label}: key '{key}': missing")
    unknown = set(row) - set(_REQUIRED) - set(_OPTIONAL)
    if unknown:
        raise CalendarError(f"{label}: key '{sorted(unknown)[0]}': unknown key")
    for key in ("id", "name", "scope", "source_decision", "confidence", "kind", "note"):
        if key in row and not isinstance(row[key], str):
            raise CalendarError(f"{label}: key '{key}': expected a string")
    for key in ("start", "end"):
        # TOML local date-times load as datetime, a subclass of date: reject them.
        if not isinstance(row[key], date) or isinstance(row[key], datetime):
            raise CalendarError(f"{label}: key '{key}': expected a TOML date (YYYY-MM-DD)")
    if not _SCOPE_RE.match(row["scope"]):
        raise CalendarError(f"{label}: key 'scope': expected 'national' or 'province:<code>', got {row['scope']!r}")
    if row["confidence"] not in CONFIDENCE_MARKS:
        raise CalendarError(f"{label}: key 'confidence': expected one of {CONFIDENCE_MARKS}, got {row['confidence']!r}")
    kind = row.get("kind", "other")
    if kind not in WINDOW_KINDS:
        raise CalendarError(f"{label}: key 'kind': expected one of {WINDOW_KINDS}, got {kind!r}")
    enabled = row.get("enabled", True)
    if not isinstance(enabled, bool):
        raise CalendarError(f"{label}: key 'enabled': expected true or false")
    if row["end"] < row["start"]:
        raise CalendarError(f"{label}: key 'end': {row['end']} is before start {row['start']}")
    return Window(
        id=row["id"], name=row["name"], scope=row["scope"], start=row["start"], end=row["end"],
        source_decision=row["source_decision"], confidence=row["confidence"], kind=kind,
        enabled=enabled, note=row.get("note", ""), source=where,
    )

