"""One page that yields hundreds of findings of one rule (a listing of 500 "-70 %" products) gives the
reviewer one finding per page section instead: the count, and the worst examples.

Up to ``MAX_PER_RULE`` findings of a rule on a page are kept as they are. Beyond that they are grouped
by section (the element holding their evidence's parent: the grid of cards); each group becomes one
finding whose snippet and CSS path are those of its worst example (so its evidence is still on the page
at its path), with the count and the worst few examples as values.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from typing import Iterable

from detectors.rules.base import short_hash
from detectors.types import Finding

MAX_PER_RULE = 25
EXAMPLES = 5


def group_crowds(findings: Iterable[Finding]) -> list[Finding]:
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_rule[finding.rule].append(finding)
    kept: list[Finding] = []
    for rule, group in by_rule.items():
        kept.extend(group if len(group) <= MAX_PER_RULE else _grouped(group))
    return kept


def _section(finding: Finding) -> str:
    path = finding.evidence.get("css_path")
    return str(path).rsplit(" > ", 1)[0] if path else "(the page)"


def _severity_key(finding: Finding) -> Decimal:
    """How bad an example is: the measured ratio where there is one (a discount, a gift's value)."""
    for key in ("discount_ratio", "gift_ratio"):
        try:
            return Decimal(str(finding.evidence[key]))
        except (KeyError, InvalidOperation):
            continue
    return Decimal(0)


def _grouped(findings: list[Finding]) -> list[Finding]:
    sections: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        sections[_section(finding)].append(finding)
    grouped = []
    for section, members in sections.items():
        if len(members) == 1:
            grouped.append(members[0])
            continue
        worst = sorted(members, key=_severity_key, reverse=True)
        head = worst[0]
        examples = [{"snippet": f.evidence.get("snippet"), "css_path": f.evidence.get("css_path"),
                     "message": f.message} for f in worst[:EXAMPLES]]
        grouped.append(dataclasses.replace(
            head,
            message=f"{len(members)} findings of {head.rule} in one section of the page ({section}); "
                    f"the worst: {head.message}",
            evidence={**head.evidence, "grouped": len(members), "section": section, "examples": examples},
            subject=f"group:{short_hash(section)}",
        ))
    return grouped
