"""``explain(page, context)``: everything the detectors saw on a page, and why each rule spoke or not.

An investigator must be able to see why the tool stayed silent: the signals with their reasons,
every offer (name, price, reference, ratio, flags, CSS path), every badge candidate and how it was
resolved, and for each rule why it fired, or why not: not in force (no row, disabled, out of its
dates), a gate the page does not meet, no candidate, candidates below a threshold. Checks say their
own reasons through ``RuleRun.note``; a rule that said nothing gets the page facts it depends on.

Pure like the rest of ``detectors``: ``Explanation.to_dict()`` is plain JSON data, and the text
rendering lives with the CLI (``cli/explain.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from detectors.engine import IMPLEMENTED_RULES, run_checks
from detectors.rulebook import Rulebook, default_rulebook
from detectors.rules.badges import STATUSES, BadgeClaim, badge_claims
from detectors.rules.base import RuleRun
from detectors.rules.history import HISTORY_RULES
from detectors.types import BadgeMark, Context, Finding, Offer, Page, Signals

__all__ = ["Explanation", "RuleVerdict", "explain"]

RAISED, SILENT, NOT_IN_FORCE = "raised", "silent", "not in force"
ACROSS_CRAWLS = ("judged across crawls from the product's price history, not on one page "
                 "(ecwatch history; ecwatch detect --batch groups a product's pages)")
_HUNDRED = Decimal(100)


@dataclass(frozen=True)
class RuleVerdict:
    rule: str
    status: str  # "raised" | "silent" | "not in force"
    reasons: tuple[str, ...]
    findings: tuple[Finding, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "status": self.status, "reasons": list(self.reasons),
                "findings": [_finding_dict(f) for f in self.findings]}


@dataclass(frozen=True)
class Explanation:
    url: str
    domain: str
    on: date
    title: str
    lang: str | None
    declared_lang: str | None
    encoding_repair: str | None
    signals: Signals
    offers: tuple[Offer, ...]
    badges: tuple[tuple[BadgeMark, BadgeClaim], ...]
    rules: tuple[RuleVerdict, ...]
    findings: tuple[Finding, ...]  # as ``detect`` returns them

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "domain": self.domain,
            "on": self.on.isoformat(),
            "title": self.title,
            "language": {"detected": self.lang, "declared": self.declared_lang},
            "encoding_repair": self.encoding_repair,
            "signals": signals_dict(self.signals),
            "offers": [offer_dict(o) for o in self.offers],
            "badges": [badge_dict(mark, claim) for mark, claim in self.badges],
            "rules": [verdict.to_dict() for verdict in self.rules],
        }


def explain(page: Page, context: Context, *, rulebook: Rulebook | None = None) -> Explanation:
    """Run every check over ``page`` as ``detect`` does, keeping their reasons."""
    book = rulebook or default_rulebook()
    run = RuleRun(context=context, rulebook=book, explaining=True)
    findings = run_checks(page, run)
    claims = badge_claims(page, context.registry, registry_complete=context.extra.get("registry_complete") is True)
    return Explanation(
        url=page.url,
        domain=page.domain,
        on=context.on,
        title=page.title,
        lang=page.lang,
        declared_lang=page.declared_lang,
        encoding_repair=page.encoding_repair,
        signals=page.signals,
        offers=page.offers,
        badges=tuple(zip(page.badge_marks, claims)),
        rules=tuple(_verdict(rule_id, page, run, findings) for rule_id in _rule_ids(book)),
        findings=tuple(findings),
    )


def _rule_ids(book: Rulebook) -> list[str]:
    # Site rules first, then promotion rules, each alphabetically.
    return sorted(IMPLEMENTED_RULES | book.ids(), key=lambda r: (not r.startswith("ECOM-"), r))


def _verdict(rule_id: str, page: Page, run: RuleRun, findings: list[Finding]) -> RuleVerdict:
    notes = tuple(dict.fromkeys(run.notes.get(rule_id, ())))  # in order, without repeats
    raised = tuple(f for f in findings if f.rule == rule_id)
    if raised:
        return RuleVerdict(rule_id, RAISED, notes, raised)
    off = _not_in_force(rule_id, run)
    if off is not None:
        return RuleVerdict(rule_id, NOT_IN_FORCE, (off,))
    if rule_id in HISTORY_RULES:
        return RuleVerdict(rule_id, SILENT, notes or (ACROSS_CRAWLS,))
    if rule_id not in IMPLEMENTED_RULES:
        return RuleVerdict(rule_id, SILENT, ("in the rules data, but no check of this version implements it",))
    return RuleVerdict(rule_id, SILENT, notes or _page_facts(rule_id, page))


def _not_in_force(rule_id: str, run: RuleRun) -> str | None:
    on = run.context.on
    if run.rulebook.rule_on(rule_id, on) is not None:
        return None
    rows = [r for r in run.rulebook.rules if r.id == rule_id]
    if not rows:
        return "no row in the rules data"
    current = [r for r in rows if r.in_force(on)]
    if current:
        return f"disabled in the rules data ({current[0].source})"
    spans = ", ".join(f"{r.valid_from or '…'} to {r.valid_to or '…'}" for r in rows)
    return f"not in force on {on.isoformat()}: its rows run {spans}"


def _page_facts(rule_id: str, page: Page) -> tuple[str, ...]:
    """For a rule that said nothing: the page facts rules depend on that this page lacks."""
    signals = page.signals
    facts = []
    if signals.app_shell:
        facts.append("the page is an empty application shell")
    if not signals.vietnamese_facing:
        facts.append("the page is not Vietnamese-facing")
    if not signals.commerce:
        facts.append("the page shows no online ordering")
    return tuple(facts) or ("checked: nothing on the page met the rule",)


# --- plain data --------------------------------------------------------------------------------


def signals_dict(signals: Signals) -> dict[str, Any]:
    return {
        "vietnamese_facing": {"value": signals.vietnamese_facing, "reasons": list(signals.vietnamese_reasons)},
        "commerce": {"value": signals.commerce, "reasons": list(signals.commerce_reasons)},
        "marketplace": {"value": signals.marketplace, "reasons": list(signals.marketplace_reasons)},
        "publisher": {"value": signals.publisher, "reasons": list(signals.publisher_reasons)},
        "app_shell": {"value": signals.app_shell, "reasons": []},
    }


def offer_dict(offer: Offer) -> dict[str, Any]:
    return {
        "name": offer.name,
        "price": _s(offer.price),
        "price_text": offer.price_text,
        "reference_price": _s(offer.reference_price),
        "reference_price_text": offer.reference_price_text,
        "reference_basis": offer.reference_basis,
        "paired_by": offer.paired_by,
        "discount_percent": _s(discount_percent(offer)),
        "stated_discount_percent": _s(offer.stated_discount_percent),
        "discount_text": offer.discount_text,
        "stated_discount_up_to": offer.stated_discount_up_to,
        "currency": offer.currency,
        "flags": sorted(offer.context_flags),
        "source": offer.source,
        "css_path": offer.css_path,
        "link_hosts": sorted(set(offer.link_hosts)),
        "snippet": offer.snippet,
    }


def discount_percent(offer: Offer) -> Decimal | None:
    """``1 - price / reference`` in per cent (two decimals), when the offer has a higher reference."""
    if offer.price is None or offer.reference_price is None or offer.reference_price <= 0:
        return None
    ratio = (offer.reference_price - offer.price) / offer.reference_price * _HUNDRED
    return ratio.quantize(Decimal("0.01"))


def badge_dict(mark: BadgeMark, claim: BadgeClaim) -> dict[str, Any]:
    return {
        "css_path": mark.css_path,
        "basis": mark.basis,
        "image_kind": mark.image_kind,
        "image_url": mark.image_url,
        "href": mark.href,
        "record_id": claim.record_id,
        "status": claim.status,
        "meaning": STATUSES[claim.status],
        "record": _record(claim),
        "records_for_other_domains": [r.domain for r in claim.others],
        "snippet": mark.snippet,
    }


def _record(claim: BadgeClaim) -> dict[str, Any] | None:
    record = claim.record
    if record is None:
        return None
    return {"record_id": record.record_id, "domain": record.domain, "kind": record.kind, "status": record.status}


def _finding_dict(finding: Finding) -> dict[str, Any]:
    return {**finding.to_dict(), "subject": finding.subject}


def _s(value: Decimal | None) -> str | None:
    return str(value) if value is not None else None
