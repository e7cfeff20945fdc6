"""PROMO-BANNED-GOODS: a promotion of goods that may not be promoted, or with them as the gift.

Only a promotion counts (a discount, a gift, a voucher, a lucky draw): selling wine at its
normal price is outside this rule. Three places are read:

- offers the page presents as promoted (a struck reference price, a discount label or a
  stated percentage), whose name and snippet are classified (``detectors.rules.goods``);
- sentences that both announce a promotion and name banned goods ("Tặng chai Chivas 18",
  "Giảm 20% thuốc lá", "Quay số trúng vé số"), outside navigation menus;
- the fact sheet of the page's own product ("Thuốc cần kê toa | Có") when its buy box shows a
  promotion ("-30%", "Tặng ngay ..."): templates that fill names and prices in from code leave
  only the sheet to say what is sold (``detectors.rules.sheet``).

Each finding says whether the goods are promoted or *used as* the promotion (a formula tin or a
bottle of whisky given as a gift or prize): Decree 81 Art. 5 bars both. Which medicines count is
dated (``medicines``: every medicine for humans until 25/06/2026, prescription drugs from 26/06/2026).

E-cigarettes and heated tobacco may not be sold at all (Resolution 173/2024/QH15): with
``flag_ecig_without_promotion`` any offer of them is flagged.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Iterable

from detectors.page.document import Block, Needles
from detectors.rules.goods import MEDICINE_SCOPES, GoodsMatch, Limits, classify
from detectors.lexicons import compile_terms
from detectors.rulebook import Rule, RulebookError
from detectors.rules.base import RuleRun, make_finding, offer_subject, short_hash
from detectors.rules.sheet import ProductSheet, product_sheets
from detectors.types import Finding, Offer, Page

__all__ = ["check_banned_goods"]

# Words that make a sentence (or a product card) a promotion (Commercial Law Art. 92 forms).
# Not "giảm" alone: "thuốc giảm đau" (painkiller), "giảm cân" (weight loss) are product words.
PROMOTION_TERMS = (
    "khuyến mãi", "khuyến mại",  # promotion
    "giảm giá", "flash sale", "ưu đãi", "đồng giá",  # discount, special offer, flat price
    "tặng", "quà tặng", "tặng kèm",  # gift, free with purchase
    "voucher", "mã giảm giá", "coupon", "phiếu mua hàng",  # vouchers
    "quay số", "bốc thăm", "vòng quay may mắn", "mã dự thưởng", "trúng thưởng",  # lucky draws
    "tích điểm", "hoàn tiền",  # loyalty points, cashback
)
_PROMOTION = compile_terms(PROMOTION_TERMS)
# "-20%", "Giảm 20%", "giảm ngay 50K", "giảm 100.000đ": an amount or rate off.
_AMOUNT_OFF = re.compile(r"[-−–]\s?\d{1,2}(?:[.,]\d+)?\s?%|giảm\s+(?:ngay\s+|thêm\s+|sốc\s+)?\d", re.IGNORECASE)
_MAX_SENTENCE = 280  # longer blocks are paragraphs of prose, not one promotion statement
# What every ``_promotion_words`` match contains: a term, "%" or "giảm" (the two _AMOUNT_OFF forms).
_PROMOTION_NEEDLES = Needles(PROMOTION_TERMS, ["%", "giảm"])

# Words before the goods that make them the gift or prize rather than the goods promoted.
GIVEN_AS_PROMOTION_TERMS = (
    "tặng", "quà", "quà tặng", "nhận ngay", "miễn phí",  # give, gift, get at once, free
    "giải thưởng", "phần thưởng", "giải nhất", "giải nhì", "giải ba", "giải đặc biệt", "trúng",  # prizes, win
)
_GIVEN = compile_terms(GIVEN_AS_PROMOTION_TERMS)
# What a product sheet says reliably: what a medicine, a spirit or an infant formula is.
_SHEET_CATEGORIES = frozenset({"medicine", "alcohol", "breast-milk-substitute", "complementary-food"})
PROMOTED, GIVEN = "promoted", "used as promotion"

# Page-model flags (detectors.page.offers.context) of amounts that are no promotion of the goods.
_OFFER_SKIP_FLAGS = frozenset({"instalment", "shipping_fee", "second_hand"})


def check_banned_goods(page: Page, run: RuleRun) -> Iterable[Finding]:
    rule = run.rule("PROMO-BANNED-GOODS")
    if rule is None or not page.signals.vietnamese_facing:
        return []
    limits = _limits(rule)
    found: dict[str, Finding] = {}
    sentences = _sentence_findings(rule, page, limits) if page.signals.commerce else []
    for offer in page.offers:
        for finding in _offer_findings(rule, offer, limits):
            if not _told_by(finding, sentences):
                found.setdefault(finding.subject, finding)
    for finding in [*sentences, *(_sheet_findings(rule, page, limits) if page.signals.commerce else [])]:
        found.setdefault(finding.subject, finding)
    return list(found.values())


def _told_by(offer_finding: Finding, sentences: list[Finding]) -> bool:
    """A product card that holds a flagged sentence ("Mua 2 bịch tặng 1 lon sữa ...") adds nothing to it."""
    ev = offer_finding.evidence
    return any(s.evidence["category"] == ev["category"] and s.evidence["snippet"] in ev["snippet"] for s in sentences)


def _limits(rule: Rule) -> Limits:
    medicines = rule.text("medicines")
    if medicines not in MEDICINE_SCOPES:
        raise RulebookError(f"{rule.source} ({rule.id}): key 'thresholds.medicines': expected one of "
                            f"{'|'.join(MEDICINE_SCOPES)}, got {medicines!r}")
    return Limits(
        min_abv_percent=rule.decimal("min_abv_percent"),
        infant_months=int(rule.decimal("infant_months")),
        complementary_food_months=int(rule.decimal("complementary_food_months")),
        medicines=medicines,
    )


def _promoted(offer: Offer) -> str | None:
    """How the offer is promoted, or None if it is a plain price."""
    if offer.reference_price is not None and offer.price is not None and offer.price < offer.reference_price:
        return "discount against a reference price"
    if offer.stated_discount_percent:
        return f"stated discount {offer.stated_discount_percent} %"
    if offer.discount_text:
        return f"discount label {offer.discount_text!r}"
    if "gift" in offer.context_flags:
        return "offered as a gift"
    # The product card itself announces a gift, voucher or draw ("Mua 2 lon tặng 1 bình giữ nhiệt").
    words = _promotion_words(offer.snippet)
    return f"promotion wording in the product card {words.group(0)!r}" if words else None


def _promotion_words(text: str) -> re.Match[str] | None:
    return _PROMOTION.search(text) or _AMOUNT_OFF.search(text)


def _offer_findings(rule: Rule, offer: Offer, limits: Limits) -> list[Finding]:
    if offer.context_flags & _OFFER_SKIP_FLAGS:
        return []
    how = _promoted(offer)
    if how is None and not rule.flag("flag_ecig_without_promotion"):
        return []  # a plain price: what the goods are does not matter (``classify`` is pure, skip it)
    text = f"{offer.name or ''} | {offer.snippet}"
    matches = classify(text, limits)
    if how is None:
        matches = [m for m in matches if m.category == "e-cigarette"]
        how = "offered for sale (e-cigarettes / heated tobacco may not be traded at all)"
    values = {"name": offer.name, "price": _s(offer.price), "reference_price": _s(offer.reference_price)}
    return [
        _finding(rule, limits, m, GIVEN if "gift" in offer.context_flags else _role(text, m), how,
                 offer.quote or offer.snippet, offer.css_path, offer_subject(offer.name, offer.price, m.category), values)
        for m in matches
    ]


def _sentence_findings(rule: Rule, page: Page, limits: Limits) -> list[Finding]:
    findings = []
    for block in page.document.blocks_with(_PROMOTION_NEEDLES):  # the others have no promotion words
        if block.in_nav or len(block.text) > _MAX_SENTENCE:
            continue
        promo = _promotion_words(block.text)
        if not promo:
            continue
        for m in classify(block.text, limits):
            how = f"promotion wording {promo.group(0)!r}"
            findings.append(_finding(rule, limits, m, _role(block.text, m), how, block.text, block.css_path,
                                     f"goods:{m.category}:{short_hash(block.text)}", {}))
    return findings


def _role(text: str, match: GoodsMatch) -> str:
    """Whether the goods are the gift or prize ("... tặng 1 lon sữa Similac") or the goods promoted."""
    at = text.lower().find(match.term.lower())
    return GIVEN if at > 0 and _GIVEN.search(text, 0, at) else PROMOTED


def _sheet_findings(rule: Rule, page: Page, limits: Limits) -> list[Finding]:
    findings = []
    for sheet in product_sheets(page):
        matches = [m for m in classify(sheet.text, limits) if m.category in _SHEET_CATEGORIES]
        promotion = _box_promotion(page, sheet) if matches else None
        if promotion is None:
            continue
        block, words = promotion
        how = f"{words!r} in the product's buy box, beside its fact sheet"
        for m in matches:
            findings.append(_finding(rule, limits, m, PROMOTED, how, block.text, block.css_path,
                                     f"goods:{m.category}:{short_hash(sheet.text)}",
                                     {"product_sheet": sheet.text[:300]}))
    return findings


def _box_promotion(page: Page, sheet: ProductSheet) -> tuple[Block, str] | None:
    for block in page.document.blocks_with(_PROMOTION_NEEDLES):
        if block.in_nav or len(block.text) > _MAX_SENTENCE or not sheet.holds(block):
            continue
        words = _promotion_words(block.text)
        if words:
            return block, words.group(0)
    return None


def _finding(rule: Rule, limits: Limits, match: GoodsMatch, role: str, how: str, snippet: str,
             css_path: str | None, subject: str, values: dict[str, str | None]) -> Finding:
    what = match.category.replace("-", " ")
    if match.detail.get("prescription") == "yes":
        what = "prescription medicine"
    lead = f"{what.capitalize()} used as a gift or prize" if role == GIVEN else f"Promotion of {what}"
    return make_finding(
        rule,
        message=f"{lead} ({match.term!r}; {how}). {_why(match.category, limits)}",
        evidence={"snippet": snippet, "css_path": css_path, "category": match.category, "term": match.term,
                  "role": role, "promotion": how, **match.detail, **values},
        subject=subject,
        scope="site",  # one product or sentence promoted on several pages is one flag
    )


def _s(value: Decimal | None) -> str | None:
    return str(value) if value is not None else None


def _why(category: str, limits: Limits) -> str:
    if category == "medicine" and limits.medicines == "prescription":
        return ("Prescription drugs may not be promoted or used for promotion, except to drug traders "
                "(Decree 81/2018 Art. 5 as rewritten by Decree 239/2026).")
    return _WHY[category]


_WHY = {
    "alcohol": "Alcohol of 15 % ABV or more may not be promoted or used as a promotional gift (Law 44/2019 Art. 5(9)).",
    "tobacco": "Tobacco may not be promoted or used for promotion (Commercial Law Art. 100(4); Law 09/2012).",
    "e-cigarette": "E-cigarettes and heated tobacco may not be traded at all since 2025 (Resolution 173/2024/QH15).",
    "breast-milk-substitute": "Breast-milk substitutes for children under 24 months may not be promoted or used as "
    "promotional gifts (Decree 100/2014; Decree 81/2018 Art. 5).",
    "complementary-food": "Complementary food for children under 6 months may not be promoted (Decree 100/2014).",
    "feeding-bottle-or-teat": "Feeding bottles and teats may not be promoted (Decree 100/2014).",
    "medicine": "Medicines for humans may not be promoted or used for promotion, except to drug traders "
    "(Decree 81/2018 Art. 5, before Decree 239/2026).",
    "lottery-ticket": "Lottery tickets may not be promoted or used for promotion (Decree 81/2018 Art. 5).",
}
