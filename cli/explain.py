"""Text rendering of a detector explanation (``detectors.explain``) for ``ecwatch detect --explain``.

``explanation_lines`` returns Rich markup lines: the headings are markup, everything read from the
page (names, snippets, CSS paths, URLs, reasons quoting page text) is escaped, so a page cannot
style or hide parts of its own explanation. Print them with a Rich console with markup on.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rich.markup import escape

from detectors.explain import Explanation, RuleVerdict, badge_dict, discount_percent
from detectors.types import Offer, Signals

__all__ = ["explanation_lines"]

_SIGNALS = (
    ("Vietnamese-facing", "vietnamese_facing", "vietnamese_reasons"),
    ("Commerce", "commerce", "commerce_reasons"),
    ("Marketplace", "marketplace", "marketplace_reasons"),
    ("Publisher (sells nothing itself)", "publisher", "publisher_reasons"),
)
_STATUS_STYLE = {"raised": "bold red", "silent": "green", "not in force": "dim"}


def explanation_lines(expl: Explanation) -> list[str]:
    lines = [f"[bold]Why the detectors said what they said about {escape(expl.url)}[/bold]",
             f"  judged on {expl.on.isoformat()}; domain {escape(expl.domain)}; language "
             f"{escape(expl.lang or '?')} (declared {escape(expl.declared_lang or '-')})"]
    if expl.encoding_repair:
        lines.append(f"  [yellow]text repaired before reading:[/yellow] {escape(expl.encoding_repair)}")
    lines += _signal_lines(expl.signals)
    lines += _offer_lines(expl.offers)
    lines += _badge_lines(expl)
    lines += _rule_lines(expl.rules)
    return lines


def _signal_lines(signals: Signals) -> list[str]:
    lines = ["", "[bold]Signals[/bold]"]
    for label, value_field, reasons_field in _SIGNALS:
        value = getattr(signals, value_field)
        reasons = getattr(signals, reasons_field)
        because = f" — {escape('; '.join(reasons))}" if reasons else ""
        lines.append(f"  {label}: {'yes' if value else 'no'}{because}")
    if signals.app_shell:
        lines.append("  Empty application shell: yes (a browser render may show more)")
    return lines


def _offer_lines(offers: tuple[Offer, ...]) -> list[str]:
    lines = ["", f"[bold]Offers[/bold] ({len(offers)})"]
    if not offers:
        lines.append("  none: no price could be read with confidence")
    for number, offer in enumerate(offers, 1):
        lines.append(f"  {number}. {escape(offer.name or '(no name)')}: {_offer_summary(offer)}")
        lines.append(f"     at {escape(offer.css_path or '(structured data)')} (read from {escape(offer.source)})")
    return lines


def _offer_summary(offer: Offer) -> str:
    parts = [f"price {_amount(offer.price, offer.price_text)}"]
    if offer.reference_price is not None:
        how = ", ".join(x for x in (offer.reference_basis, offer.paired_by and f"paired by {offer.paired_by}") if x)
        parts.append(f"reference {_amount(offer.reference_price, offer.reference_price_text)} ({escape(how)})")
        percent = discount_percent(offer)
        if percent is not None:
            parts.append(f"{percent} % off")
    if offer.stated_discount_percent is not None:
        up_to = " (up to)" if offer.stated_discount_up_to else ""
        parts.append(f"states {offer.stated_discount_percent} %{up_to} ({escape(offer.discount_text or '')})")
    parts.append("flags: " + (escape(", ".join(sorted(offer.context_flags))) or "none"))
    return "; ".join(parts)


def _amount(value: Decimal | None, written: str | None) -> str:
    shown = f"{value:,.0f}".replace(",", ".") if value is not None else "?"
    return f"{shown} ({escape(written)})" if written else shown


def _badge_lines(expl: Explanation) -> list[str]:
    lines = ["", f"[bold]Badge candidates[/bold] ({len(expl.badges)})"]
    if not expl.badges:
        lines.append("  none: no badge image, icon, background or link to online.gov.vn")
    for number, (mark, claim) in enumerate(expl.badges, 1):
        data: dict[str, Any] = badge_dict(mark, claim)
        seen = ", ".join(x for x in (data["basis"], data["image_kind"] and f"looks {data['image_kind']}") if x)
        lines.append(f"  {number}. {escape(seen or 'link')} at {escape(data['css_path'])}")
        lines.append(f"     link: {escape(data['href'] or 'none')}; record {escape(data['record_id'] or '-')} → "
                     f"{escape(data['status'])}: {escape(data['meaning'])}")
        if data["image_url"]:
            lines.append(f"     image: {escape(data['image_url'])}")
    return lines


def _rule_lines(rules: tuple[RuleVerdict, ...]) -> list[str]:
    lines = ["", "[bold]Rules[/bold]"]
    for verdict in rules:
        style = _STATUS_STYLE.get(verdict.status, "")
        lines.append(f"  [{style}]{escape(verdict.rule)}: {verdict.status}[/{style}]")
        for finding in verdict.findings:
            lines.append(f"     finding: {escape(finding.message)}")
            lines.append(f"       at {escape(str(finding.evidence.get('css_path') or '-'))}")
        for reason in verdict.reasons:
            lines.append(f"     - {escape(reason)}")
    return lines
