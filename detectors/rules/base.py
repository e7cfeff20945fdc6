"""What every rule module shares: the run context and how a finding is built."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

from detectors.calendar import Window
from detectors.rulebook import Rule, Rulebook
from detectors.types import Context, Finding, Page, Severity

__all__ = ["Check", "RuleRun", "make_finding", "offer_subject", "short_hash", "window_doubts"]


@dataclass(frozen=True)
class RuleRun:
    """One ``detect`` call: the caller's context plus the rules in force that day.

    When ``explaining`` (``detectors.explain``), checks say why a rule raised nothing, or less than
    it might have, with ``note``; otherwise ``note`` does nothing, and a check builds costly reasons
    only ``if run.explaining``.
    """

    context: Context
    rulebook: Rulebook
    explaining: bool = False
    notes: dict[str, list[str]] = field(default_factory=dict, compare=False, repr=False)

    def rule(self, rule_id: str) -> Rule | None:
        return self.rulebook.rule_on(rule_id, self.context.on)

    def note(self, rule_id: str, reason: str) -> None:
        """Record, for an explanation, why ``rule_id`` stayed silent (or what it passed over)."""
        if self.explaining:
            self.notes.setdefault(rule_id, []).append(reason)

    @property
    def provinces(self) -> tuple[str, ...]:
        # Where the promotion is conducted, if the crawler knows (e.g. from the seed): provincial
        # concentrated programs only apply there. Accepts "79" or ("01", "79").
        value = self.context.extra.get("provinces", self.context.extra.get("province", ()))
        return (value,) if isinstance(value, str) else tuple(value)

    def windows(self) -> tuple[Window, ...]:
        return self.rulebook.calendar.active_on(self.context.on, self.provinces)

    def uncertain_windows(self) -> tuple[Window, ...]:
        return self.rulebook.calendar.uncertain_on(self.context.on, self.provinces)


Check = Callable[[Page, RuleRun], Iterable[Finding]]


def make_finding(
    rule: Rule,
    *,
    message: str,
    evidence: Mapping[str, Any],
    subject: str,
    severity: Severity | None = None,
    uncertain: Iterable[str | None] = (),
    scope: str = "page",
) -> Finding:
    """A finding carrying the rule row's titles and legal basis; extra doubts are appended."""
    notes = [n for n in (rule.uncertain, *uncertain) if n]
    evidence = dict(evidence)
    evidence.setdefault("snippet", "")
    evidence.setdefault("css_path", None)
    return Finding(
        rule=rule.id,
        severity=severity or rule.severity,
        title=rule.title_en,
        title_vi=rule.title_vi,
        legal_basis=rule.legal_basis,
        message=message,
        evidence=evidence,
        subject=subject,
        uncertain=" ".join(notes) or None,
        scope=scope,
    )


def short_hash(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:12]


def offer_subject(name: str | None, *values: object) -> str:
    """The same product listed twice (carousel and grid) yields one subject, hence one finding."""
    norm = re.sub(r"\W+", "-", (name or "").lower()).strip("-")[:60]
    return f"offer:{norm or 'unnamed'}:{short_hash(norm, *values)}"


def window_doubts(windows: Iterable[Window]) -> list[str]:
    """Words for the ``uncertain`` field when the date falls in an unconfirmed window."""
    return [
        f"The date falls in '{w.name}' ({w.start:%d/%m/%Y}–{w.end:%d/%m/%Y}), an unconfirmed "
        f"concentrated-promotion window [{w.confidence}]: if it is confirmed the cap is 100 % and this flag lapses."
        for w in windows
    ]
