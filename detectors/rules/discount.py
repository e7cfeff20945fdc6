"""PROMO-DISC-50 and PROMO-GIFT-50: the 50 % caps outside concentrated-promotion windows.

A discount is flagged when ``1 - price / pre_promotion_price`` is strictly above the cap
(exactly 50 % is allowed; 199.000 → 99.000 is 50.25 % and is flagged). Exact ``Decimal``
arithmetic, no rounding. Offers the page model marked with ``context_flags`` (instalment,
member price, combo, per-unit, shipping, voucher, accessory, gift...) are skipped, as are
"up to" claims ("Giảm đến 70%") and goods exempt from the cap (Circular 39/2025 Art. 4(3)).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable

from detectors.page.document import Block, Needles
from detectors.lexicons import UP_TO_WORDS, compile_terms
from detectors.page.prices import find_money
from detectors.rulebook import Rule
from detectors.rules.base import RuleRun, make_finding, offer_subject, short_hash, window_doubts
from detectors.types import Finding, Offer, Page

__all__ = ["check_discounts", "check_gifts"]

# Fresh food: no cap (Circular 39/2025 Art. 4(3)). Phrases, not single words: "cá" alone is
# also "cá nhân" (personal), "rau" alone is rare in non-food names but "quả" is not ("hiệu quả").
FRESH_FOOD_TERMS = (
    "tươi sống",  # fresh / live (the legal term)
    "thực phẩm tươi",  # fresh food
    "rau củ", "rau sạch", "rau xanh", "rau hữu cơ", "rau muống", "rau cải",  # vegetables
    "trái cây", "hoa quả", "trái cây tươi",  # fruit
    "thịt heo", "thịt lợn", "thịt bò", "thịt gà", "thịt tươi", "thịt ba chỉ",  # pork, beef, chicken
    "cá tươi", "cá hồi tươi", "hải sản tươi", "tôm tươi", "cua tươi", "mực tươi",  # fresh seafood
    "trứng gà", "trứng vịt",  # eggs
    "nấm tươi",  # fresh mushrooms
)
# No cap either: price-stabilised goods, and clearance on bankruptcy, dissolution, relocation or
# change of business line (Circular 39/2025 Art. 4(3)).
EXEMPT_PAGE_TERMS = (
    "bình ổn giá",  # state price-stabilisation programme
    "giải thể",  # dissolution
    "phá sản",  # bankruptcy
    "chuyển địa điểm",  # change of location
    "thay đổi địa điểm",  # change of location
    "thay đổi ngành nghề",  # change of business line
    "ngừng kinh doanh",  # ceasing business
)
# A gift sentence states a value: "Tặng ... trị giá 500.000đ".
GIFT_TERMS = ("tặng", "quà tặng", "tặng kèm", "quà")  # give (free), gift
GIFT_VALUE_TERMS = ("trị giá", "giá trị", "tương đương")  # worth, value, equivalent to
# Prizes of lucky draws/contests and free gifts without purchase are outside the per-unit cap.
NOT_A_PURCHASE_GIFT_TERMS = (
    "giải nhất", "giải nhì", "giải ba", "giải đặc biệt", "giải thưởng",  # prizes
    "quay số", "bốc thăm", "trúng thưởng", "may mắn",  # lucky draw words
    "không cần mua", "không kèm điều kiện mua",  # no purchase needed
)

_FRESH = compile_terms(FRESH_FOOD_TERMS)
_EXEMPT_PAGE = compile_terms(EXEMPT_PAGE_TERMS)
_UP_TO = compile_terms(UP_TO_WORDS)
_GIFT = compile_terms(GIFT_TERMS)
_GIFT_VALUE = compile_terms(GIFT_VALUE_TERMS)
_NOT_PURCHASE_GIFT = compile_terms(NOT_A_PURCHASE_GIFT_TERMS)
_GIFT_NEEDLES = Needles(GIFT_TERMS)  # a block without one has no ``_gift_value``
_EXEMPT_PAGE_NEEDLES = Needles(EXEMPT_PAGE_TERMS)
_HUNDRED = Decimal(100)


def check_discounts(page: Page, run: RuleRun) -> Iterable[Finding]:
    rule = run.rule("PROMO-DISC-50")
    if rule is None or not _caps_apply(page, run, "PROMO-DISC-50"):
        return []
    # The case-insensitive search costs ~1 ms on a page's text; the needles rule most pages out.
    if page.document.text_has(_EXEMPT_PAGE_NEEDLES) and (exempt := _EXEMPT_PAGE.search(page.text)):
        run.note("PROMO-DISC-50", f"the page names an exemption from the cap ({exempt.group(0)!r}: clearance or "
                 "price-stabilised goods, Circular 39/2025 Art. 4(3))")
        return []
    cap = rule.decimal("max_discount_ratio")
    findings = []
    for offer in page.offers:
        measured = _discount(offer)
        if measured is None or measured.ratio <= cap or _fresh_food(offer):
            if run.explaining:
                _note_passed_over(run, offer, measured, cap)
            continue
        findings.append(_discount_finding(rule, run, offer, measured, cap))
    if not findings and run.explaining and not run.notes.get("PROMO-DISC-50"):
        run.note("PROMO-DISC-50", "no offer with a pre-promotion price or a stated discount")
    return findings


def _caps_apply(page: Page, run: RuleRun, rule_id: str) -> bool:
    """The 50 % caps judge pages that sell to Vietnam, outside concentrated-promotion windows."""
    if not page.signals.vietnamese_facing:
        run.note(rule_id, "the page is not Vietnamese-facing")
        return False
    windows = run.windows()
    for window in windows:
        run.note(rule_id, f"{run.context.on:%d/%m/%Y} is inside the concentrated-promotion window "
                 f"'{window.name}' ({window.start:%d/%m/%Y}–{window.end:%d/%m/%Y}): the cap is 100 % there")
    return not windows


def _note_passed_over(run: RuleRun, offer: Offer, measured: _Measured | None, cap: Decimal) -> None:
    label = f"{offer.name or 'offer'} at {_vnd(offer.price)}"
    if measured is not None:
        why = "fresh food, exempt from the cap" if _fresh_food(offer) else f"not above the {cap * _HUNDRED:.0f} % cap"
        run.note("PROMO-DISC-50", f"{label}: {measured.ratio * _HUNDRED:.2f} % ({measured.how}), {why}")
    elif offer.reference_price is not None or offer.stated_discount_percent:
        run.note("PROMO-DISC-50", f"{label}: not compared ({_why_not_compared(offer)})")


def _why_not_compared(offer: Offer) -> str:
    if offer.context_flags:
        return "marked " + ", ".join(sorted(offer.context_flags))
    if offer.currency not in (None, "VND"):
        return f"priced in {offer.currency}"
    if offer.price is None or offer.price <= 0:
        return "no positive price"
    if offer.reference_price is not None:
        return "reference price not above the price"
    return "the stated discount is an 'up to' claim"


@dataclass(frozen=True)
class _Measured:
    ratio: Decimal
    how: str  # "price_pair" | "stated_percent"


def _discount(offer: Offer) -> _Measured | None:
    if offer.context_flags or offer.currency not in (None, "VND"):
        return None
    if offer.price is None or offer.price <= 0:
        return None  # a 0đ item is a gift, not a discount
    if offer.reference_price is not None:
        if offer.reference_price <= offer.price:
            return None
        return _Measured((offer.reference_price - offer.price) / offer.reference_price, "price_pair")
    stated = offer.stated_discount_percent
    if stated is not None and stated > 0 and not offer.stated_discount_up_to and not _UP_TO.search(offer.discount_text or ""):
        return _Measured(stated / _HUNDRED, "stated_percent")
    return None


def _fresh_food(offer: Offer) -> bool:
    return bool(_FRESH.search(f"{offer.name or ''} {offer.snippet}"))


def _discount_finding(rule: Rule, run: RuleRun, offer: Offer, measured: _Measured, cap: Decimal) -> Finding:
    ratio_pct = (measured.ratio * _HUNDRED).quantize(Decimal("0.01"))
    if measured.how == "price_pair":
        what = f"{_vnd(offer.price)} against a pre-promotion price of {_vnd(offer.reference_price)} is a {ratio_pct} % discount"
    else:
        what = f"the page states a {offer.stated_discount_percent} % discount ({offer.discount_text!r}) on a price of {_vnd(offer.price)}"
    return make_finding(
        rule,
        message=f"{offer.name or 'Offer'}: {what}, above the {cap * _HUNDRED:.0f} % cap; "
        f"{run.context.on:%d/%m/%Y} is not in any concentrated-promotion window of the calendar.",
        evidence={
            "snippet": offer.quote or offer.snippet,  # verbatim from the page's text
            "css_path": offer.css_path,
            "name": offer.name,
            "price": str(offer.price),
            "reference_price": str(offer.reference_price) if offer.reference_price is not None else None,
            "stated_discount_percent": str(offer.stated_discount_percent) if offer.stated_discount_percent is not None else None,
            "discount_ratio": str(measured.ratio.quantize(Decimal("0.0001"))),
            "measured_by": measured.how,
            "threshold": str(cap),
            "window": None,
            "date": run.context.on.isoformat(),
            "source": offer.source,
        },
        # The same product at the same prices on a listing and on its own page is one flag for the site.
        subject=offer_subject(offer.name, offer.price, offer.reference_price),
        scope="site",
        uncertain=window_doubts(run.uncertain_windows()),
    )


def _vnd(amount: Decimal | None) -> str:
    return f"{amount:,.0f} đ".replace(",", ".") if amount is not None else "?"


# --- gifts --------------------------------------------------------------------------------------

def check_gifts(page: Page, run: RuleRun) -> Iterable[Finding]:
    rule = run.rule("PROMO-GIFT-50")
    if rule is None or not _caps_apply(page, run, "PROMO-GIFT-50"):
        return []
    cap = rule.decimal("max_gift_ratio")
    priced = [o for o in page.offers if _base_price(o) is not None]
    findings: dict[str, Finding] = {}
    for block in page.document.blocks_with(_GIFT_NEEDLES):
        gift = _gift_value(block)
        if gift is None:
            continue
        value, value_text = gift
        # A gift headline the page model also read as an "offer" ("TẶNG SERUM TRỊ GIÁ 1.200.000 Đ")
        # is the gift itself, not the item it comes with.
        candidates = [o for o in priced if o.snippet not in block.text]
        offer = _promoted_offer(block, candidates, page)
        if offer is None:
            run.note("PROMO-GIFT-50", f"gift worth {_vnd(value)} ({block.text[:60]!r}): no single offer it comes with")
            continue
        base = _base_price(offer)
        assert base is not None
        ratio = value / base
        if ratio > cap:
            finding = _gift_finding(rule, run, block, offer, value, value_text, base, ratio, cap)
            findings.setdefault(finding.subject, finding)
        elif run.explaining:
            run.note("PROMO-GIFT-50", f"gift worth {_vnd(value)} with {offer.name or 'an offer'} at {_vnd(base)}: "
                     f"{ratio * _HUNDRED:.2f} %, not above the {cap * _HUNDRED:.0f} % cap")
    if not findings and run.explaining and not run.notes.get("PROMO-GIFT-50"):
        run.note("PROMO-GIFT-50", "no gift sentence stating a value ('tặng … trị giá …')")
    return list(findings.values())


def _gift_value(block: Block) -> tuple[Decimal, str] | None:
    text = block.text
    if block.in_nav or len(text) > 300 or not _GIFT.search(text) or _NOT_PURCHASE_GIFT.search(text):
        return None
    marker = _GIFT_VALUE.search(text)
    if marker is None:
        return None
    amounts = [(m.amount, m.text) for m in find_money(text[marker.end():]) if m.currency == "VND" and m.amount is not None]
    if not amounts or amounts[0][0] == 0:  # "0đ" gifts have nothing to compare
        return None
    return amounts[0]


def _base_price(offer: Offer) -> Decimal | None:
    # The cap is against the price immediately before the promotion: the struck price if shown.
    if offer.context_flags or offer.currency not in (None, "VND"):
        return None
    base = offer.reference_price or offer.price
    return base if base is not None and base > 0 else None


def _promoted_offer(block: Block, priced: list[Offer], page: Page) -> Offer | None:
    """The offer the gift comes with: the one nearest in the DOM (longest shared CSS path, both
    paths from ``detectors.page.text.css_path``), else the only product on the page."""
    distinct = {(o.name, _base_price(o)) for o in priced}
    if len(distinct) == 1:
        return priced[0]
    gift_steps = block.css_path.split(" > ")
    scored = [(_shared_depth(gift_steps, o.css_path), o) for o in priced if o.css_path]
    if not scored:
        return None
    best = max(depth for depth, _ in scored)
    nearest = {(o.name, _base_price(o)): o for depth, o in scored if depth == best}
    # Two different products equally near (a grid with one gift line above it): no guess.
    return next(iter(nearest.values())) if len(nearest) == 1 and best > 2 else None


def _shared_depth(steps: list[str], other: str) -> int:
    depth = 0
    for a, b in zip(steps, other.split(" > ")):
        if a != b:
            break
        depth += 1
    return depth


def _gift_finding(rule: Rule, run: RuleRun, block: Block, offer: Offer, value: Decimal, value_text: str,
                  base: Decimal, ratio: Decimal, cap: Decimal) -> Finding:
    return make_finding(
        rule,
        message=f"Gift worth {_vnd(value)} with {offer.name or 'the offer'} priced {_vnd(base)} before the "
        f"promotion: {ratio * _HUNDRED:.2f} % of its price, above the {cap * _HUNDRED:.0f} % cap outside "
        "concentrated-promotion windows.",
        evidence={
            "snippet": block.text,
            "css_path": block.css_path,
            "gift_value": str(value),
            "gift_value_text": value_text,
            "offer_name": offer.name,
            "offer_snippet": offer.snippet,
            "reference_price": str(base),
            "gift_ratio": str(ratio.quantize(Decimal("0.0001"))),
            "threshold": str(cap),
            "window": None,
            "date": run.context.on.isoformat(),
        },
        subject=f"gift:{short_hash(block.text)}",
        scope="site",
        uncertain=window_doubts(run.uncertain_windows()),
    )
