"""Rules as dated data: load and validate ``detectors/rules/*.toml``.

Every rule row carries its legal basis and validity dates because three of the
thresholds changed in 2024–2026 and one (Decree 239/2026) is unverified. The same
``id`` may appear in several rows with non-overlapping ``valid_from``/``valid_to``
ranges: the engine picks the row in force on ``Context.on``.

A row may say that a concentrated-promotion window lifts its cap (``lifted_in_windows``):
``Rulebook.rule_on`` then adds to the row's ``uncertain`` text the calendar's gap for the
day judged (no state programmes listed for that year), so the finding says the calendar
cannot rule a window out instead of staying silent. A row whose check needs more than one
page (``requires = "price-history"``) is data the engine does not run yet.

Environment overrides are read only from a mapping the caller passes
(``load_rulebook(environ=os.environ)``), never at import time:

- ``ECWATCH_RULES_DIR``: a directory replacing the bundled ``detectors/rules``
  (it must hold its own ``calendar.toml``);
- ``ECWATCH_CALENDAR_FILE``: extra calendar file(s), ``os.pathsep``-separated,
  read after the bundled calendar (a row with the same ``id`` replaces it).
"""

from __future__ import annotations

import functools
import hashlib
import os
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Mapping, Sequence

from detectors.calendar import Calendar, load_calendar, toml_rows
from detectors.types import Severity

__all__ = [
    "BUNDLED_RULES_DIR",
    "CONFIDENCE_MARKS",
    "REQUIREMENTS",
    "Rule",
    "Rulebook",
    "RulebookError",
    "default_rulebook",
    "load_rulebook",
    "rules_version",
]

BUNDLED_RULES_DIR = Path(__file__).resolve().parent / "rules"
CALENDAR_FILE_NAME = "calendar.toml"
ENV_RULES_DIR = "ECWATCH_RULES_DIR"
ENV_CALENDAR_FILE = "ECWATCH_CALENDAR_FILE"

_REQUIRED = ("id", "title_en", "title_vi", "legal_basis", "severity")
_OPTIONAL = ("enabled", "valid_from", "valid_to", "uncertain", "thresholds", "note", "confidence", "requires",
             "lifted_in_windows")
_STRINGS = ("id", "title_en", "title_vi", "legal_basis", "severity", "uncertain", "note", "confidence", "requires")
_BOOLS = ("enabled", "lifted_in_windows")
# The research's confidence marks (shared/legal-rules.md, legal-update-2026-12.md), strongest first;
# "P*" is the full text read in an unofficial transcription.
CONFIDENCE_MARKS = ("P", "P*", "S2", "S1", "U")
# What a check needs beyond one page: such rows are judged by their own checks, not by ``detect``.
REQUIREMENTS = {"price-history": "from the price history (detectors.rules.history), never on a single page"}


class RulebookError(ValueError):
    """A rule file is unreadable or invalid; the message names the file, the row and the key."""


@dataclass(frozen=True)
class Rule:
    """One dated row of a rule file."""

    id: str
    title_en: str
    title_vi: str
    legal_basis: str
    severity: Severity
    enabled: bool = True
    valid_from: date | None = None
    valid_to: date | None = None  # inclusive
    uncertain: str | None = None
    thresholds: Mapping[str, Any] = field(default_factory=dict)
    source: str = ""
    confidence: str | None = None  # one of CONFIDENCE_MARKS
    requires: str | None = None  # a key of REQUIREMENTS
    lifted_in_windows: bool = False  # a concentrated-promotion window lifts this cap
    note: str | None = None

    def in_force(self, day: date) -> bool:
        if self.valid_from is not None and day < self.valid_from:
            return False
        return self.valid_to is None or day <= self.valid_to

    def decimal(self, key: str) -> Decimal:
        return Decimal(str(self._threshold(key)))

    def flag(self, key: str) -> bool:
        value = self._threshold(key)
        if not isinstance(value, bool):
            raise RulebookError(f"{self.source} ({self.id}): key 'thresholds.{key}': expected true or false")
        return value

    def text(self, key: str) -> str:
        return str(self._threshold(key))

    def _threshold(self, key: str) -> Any:
        try:
            return self.thresholds[key]
        except KeyError:
            raise RulebookError(f"{self.source} ({self.id}): key 'thresholds.{key}': missing") from None


@dataclass(frozen=True)
class Rulebook:
    rules: tuple[Rule, ...]
    calendar: Calendar
    digest: str
    files: tuple[str, ...] = ()

    def rule_on(self, rule_id: str, day: date) -> Rule | None:
        """The enabled row of ``rule_id`` in force on ``day``, if any, with the calendar's gap for
        ``day`` added to its ``uncertain`` text when a window would lift its cap."""
        row = self.row_on(rule_id, day)
        if row is None or not row.enabled:
            return None
        gap = self.calendar.gap_note(day) if row.lifted_in_windows else None
        if gap is None:
            return row
        return replace(row, uncertain=" ".join(n for n in (row.uncertain, gap) if n))

    def row_on(self, rule_id: str, day: date) -> Rule | None:
        """The row of ``rule_id`` dated for ``day``, enabled or not, as written in its file."""
        return next((r for r in self.rules if r.id == rule_id and r.in_force(day)), None)

    def history(self, rule_id: str) -> tuple[Rule, ...]:
        """Every row of ``rule_id``, oldest first."""
        return tuple(sorted((r for r in self.rules if r.id == rule_id), key=lambda r: r.valid_from or date.min))

    def ids(self) -> frozenset[str]:
        return frozenset(rule.id for rule in self.rules)


def load_rulebook(
    rules_dir: str | Path | None = None,
    *,
    calendar_files: Sequence[str | Path] = (),
    environ: Mapping[str, str] | None = None,
) -> Rulebook:
    """Load every ``*.toml`` rule file of ``rules_dir`` plus its ``calendar.toml``.

    ``environ`` (e.g. ``os.environ``) supplies ``ECWATCH_RULES_DIR`` when
    ``rules_dir`` is not given, and ``ECWATCH_CALENDAR_FILE`` extra calendars.
    """
    environ = environ or {}
    if rules_dir is None:
        rules_dir = environ.get(ENV_RULES_DIR) or BUNDLED_RULES_DIR
    rules_dir = Path(rules_dir)
    if not rules_dir.is_dir():
        raise RulebookError(f"{rules_dir}: rules directory not found")
    rule_files = sorted(p for p in rules_dir.glob("*.toml") if p.name != CALENDAR_FILE_NAME)
    if not rule_files:
        raise RulebookError(f"{rules_dir}: no rule files (*.toml)")
    extra = [Path(p) for p in calendar_files]
    extra += [Path(p) for p in environ.get(ENV_CALENDAR_FILE, "").split(os.pathsep) if p.strip()]
    calendars = [rules_dir / CALENDAR_FILE_NAME, *extra]
    rules: list[Rule] = []
    for path in rule_files:
        rules.extend(parse_rules(_read(path), source=str(path)))
    _check_overlaps(rules)
    files = tuple(str(p) for p in (*rule_files, *calendars))
    return Rulebook(
        rules=tuple(rules),
        calendar=load_calendar(calendars),
        digest=_digest([*rule_files, *calendars]),
        files=files,
    )


@functools.lru_cache(maxsize=1)
def default_rulebook() -> Rulebook:
    """The bundled rules, loaded once per process (no environment overrides)."""
    return load_rulebook(BUNDLED_RULES_DIR)


def rules_version(rulebook: Rulebook | None = None) -> str:
    """Digest of the rules data (and of the detector code that reads it).

    Storage compares it with the version a snapshot was judged under: any
    change means the stored snapshots should be judged again.
    """
    return (rulebook or default_rulebook()).digest


def parse_rules(text: str, *, source: str = "<rules>") -> list[Rule]:
    rows = toml_rows(text, source, "rule", RulebookError)
    return [_rule(row, f"{source}#rule[{i}]") for i, row in enumerate(rows, start=1)]


def _rule(row: Any, where: str) -> Rule:
    if not isinstance(row, dict):
        raise RulebookError(f"{where}: expected a table")
    label = f"{where} ({row.get('id', '?')})"
    for key in _REQUIRED:
        if key not in row:
            raise RulebookError(f"{label}: key '{key}': missing")
    unknown = sorted(set(row) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise RulebookError(f"{label}: key '{unknown[0]}': unknown key")
    for key in _STRINGS:
        if key in row and not isinstance(row[key], str):
            raise RulebookError(f"{label}: key '{key}': expected a string")
    try:
        severity = Severity(row["severity"])
    except ValueError:
        choices = "|".join(s.value for s in Severity)
        raise RulebookError(f"{label}: key 'severity': expected {choices}, got {row['severity']!r}") from None
    for key in _BOOLS:
        if key in row and not isinstance(row[key], bool):
            raise RulebookError(f"{label}: key '{key}': expected true or false")
    if row.get("confidence", CONFIDENCE_MARKS[0]) not in CONFIDENCE_MARKS:
        raise RulebookError(f"{label}: key 'confidence': expected one of {'|'.join(CONFIDENCE_MARKS)}, "
                            f"got {row['confidence']!r}")
    if row.get("requires", next(iter(REQUIREMENTS))) not in REQUIREMENTS:
        raise RulebookError(f"{label}: key 'requires': expected one of {'|'.join(REQUIREMENTS)}, "
                            f"got {row['requires']!r}")
    valid_from, valid_to = _date(row, "valid_from", label), _date(row, "valid_to", label)
    if valid_from and valid_to and valid_to < valid_from:
        raise RulebookError(f"{label}: key 'valid_to': {valid_to} is before valid_from {valid_from}")
    thresholds = row.get("thresholds", {})
    if not isinstance(thresholds, dict):
        raise RulebookError(f"{label}: key 'thresholds': expected a table")
    _check_thresholds(thresholds, label)
    return Rule(
        id=row["id"], title_en=row["title_en"], title_vi=row["title_vi"],
        legal_basis=row["legal_basis"], severity=severity, enabled=row.get("enabled", True),
        valid_from=valid_from, valid_to=valid_to, uncertain=row.get("uncertain") or None,
        thresholds=dict(thresholds), source=where, confidence=row.get("confidence"),
        requires=row.get("requires"), lifted_in_windows=row.get("lifted_in_windows", False),
        note=row.get("note") or None,
    )


def _date(row: Mapping[str, Any], key: str, label: str) -> date | None:
    value = row.get(key)
    if value is None:
        return None
    # TOML local date-times load as datetime (a date subclass): a rule changes on a day, not an hour.
    if not isinstance(value, date) or isinstance(value, datetime):
        raise RulebookError(f"{label}: key '{key}': expected a TOML date (YYYY-MM-DD)")
    return value


def _check_thresholds(thresholds: Mapping[str, Any], label: str) -> None:
    for key, value in thresholds.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            try:
                Decimal(str(value))
            except InvalidOperation:  # pragma: no cover - TOML numbers always convert
                raise RulebookError(f"{label}: key 'thresholds.{key}': not a number") from None
        elif not isinstance(value, (str, bool)):
            raise RulebookError(f"{label}: key 'thresholds.{key}': expected a number, string or boolean")


def _check_overlaps(rules: Sequence[Rule]) -> None:
    by_id: dict[str, list[Rule]] = {}
    for rule in rules:
        by_id.setdefault(rule.id, []).append(rule)
    for rows in by_id.values():
        rows.sort(key=lambda r: r.valid_from or date.min)
        for earlier, later in zip(rows, rows[1:]):
            end = earlier.valid_to or date.max
            start = later.valid_from or date.min
            if start <= end:
                raise RulebookError(
                    f"{later.source} ({later.id}): key 'valid_from': overlaps {earlier.source}"
                    f" (valid_to {earlier.valid_to or 'open'})"
                )


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulebookError(f"{path}: cannot read rule file: {exc}") from exc


def _digest(data_files: Sequence[Path]) -> str:
    # The detector code is hashed too: a change in how a rule reads the same data must also
    # trigger re-detection of stored snapshots, and nobody has to remember to bump a number.
    package = Path(__file__).resolve().parent
    code_files = sorted(package.rglob("*.py"))
    h = hashlib.sha256()
    for path in [*data_files, *code_files]:
        h.update((path.relative_to(package).as_posix() if path.is_relative_to(package) else path.name).encode())
        h.update(b"\0")
        h.update(path.read_bytes() if path.exists() else b"")
        h.update(b"\0")
    return h.hexdigest()[:16]
