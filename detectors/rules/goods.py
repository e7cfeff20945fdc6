"""Goods that may not be promoted (legal-rules §2.9), recognised in a product name or sentence.

``classify(text, limits)`` returns the categories a text falls in, with the words that
matched. Each category is a small function because each has its own trap: "thuốc nhuộm tóc"
(hair dye) is no medicine, "sữa tắm cho bé" (baby shower gel) no breast-milk substitute,
beer at 5 % is not "≥ 15 % ABV", "trên 24 tháng" is outside the infant-formula ban. Which
medicines count is dated (``Limits.medicines``): every medicine for humans until 25/06/2026,
prescription drugs only from 26/06/2026 (Decree 239/2026).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from detectors.lexicons import compile_terms
from detectors.rules.medicine import find_medicine

__all__ = ["MEDICINE_SCOPES", "GoodsMatch", "Limits", "classify"]


MEDICINE_SCOPES = ("human", "prescription")  # every medicine for humans / prescription drugs only


@dataclass(frozen=True)
class Limits:
    min_abv_percent: Decimal = Decimal(15)
    infant_months: int = 24
    complementary_food_months: int = 6
    medicines: str = "human"  # one of MEDICINE_SCOPES


@dataclass(frozen=True)
class GoodsMatch:
    category: str  # "alcohol" | "tobacco" | "e-cigarette" | "breast-milk-substitute" | ...
    term: str  # the words that matched
    detail: dict[str, str]


# --- alcohol (Law 44/2019 Art. 5(9): >= 15 % ABV) --------------------------------------------------
# Spirits are always >= 15 %, whether or not the page prints the strength.
SPIRIT_TERMS = (
    "whisky", "whiskey", "vodka", "cognac", "brandy", "tequila", "rượu mạnh",  # spirits
    "rượu đế", "rượu nếp", "rượu gạo", "rượu ngô", "rượu thuốc", "rượu ngâm",  # rice / infused liquor
    "Chivas", "Johnnie Walker", "Hennessy", "Remy Martin", "Rémy Martin", "Ballantine's", "Jack Daniel's",
    "Macallan", "Glenfiddich", "Absolut", "Smirnoff", "Martell", "Jim Beam", "Jägermeister",
)
# Alcohol whose strength must be read from the page (wine 12-14 %, beer 4-8 %, soju 12-20 %).
ALCOHOL_TERMS = ("rượu", "rượu vang", "vang", "wine", "bia", "beer", "soju", "sake", "champagne", "liqueur")
# "40 độ", "40°", "40%vol", "40% ABV", "ABV 15%", "nồng độ cồn 15%"; never "40°C" / "40 độ C".
ABV_RE = re.compile(
    r"(?P<a>\d{1,2}(?:[.,]\d)?)\s*(?:độ(?!\s*c\b)|°(?!\s*c\b)|%\s*(?:vol|abv|alc)\b)"
    r"|(?:abv|alc\.?|độ\s+cồn|nồng\s+độ(?:\s+cồn)?)\s*:?\s*(?P<b>\d{1,2}(?:[.,]\d)?)\s*%?",
    re.IGNORECASE,
)

# --- tobacco and e-cigarettes ----------------------------------------------------------------------
ECIG_TERMS = (
    "thuốc lá điện tử",  # e-cigarette
    "thuốc lá nung nóng",  # heated tobacco
    "vape", "vape pod", "pod system", "tinh dầu vape", "tinh dầu pod",  # vape liquids / devices
    "IQOS", "HEETS", "TEREA", "JUUL", "RELX", "e-cigarette", "heated tobacco",
)
TOBACCO_TERMS = ("thuốc lá", "thuốc lào", "xì gà", "cigar", "cigarette", "Marlboro", "Vinataba")
NOT_TOBACCO_TERMS = ("cai thuốc lá", "bỏ thuốc lá", "tác hại của thuốc lá", "không hút thuốc lá")  # quitting / harm

# --- infant nutrition (Decree 100/2014) ------------------------------------------------------------
MILK_TERMS = (
    "sữa bột", "sữa công thức", "sữa pha sẵn", "sữa nước", "infant formula", "formula",  # formula milk
    "sữa cho bé", "sữa cho trẻ", "sữa dành cho trẻ", "sữa dành cho bé",  # milk for babies/children
    "sữa số 0", "sữa số 1", "sữa số 2", "sữa số 3", "sữa số 4",  # stage numbers
    "Similac", "Enfamil", "Aptamil", "Friso", "Frisolac", "Meiji", "Glico", "Morinaga", "Dielac",
    "Optimum", "HiPP", "Nan Optipro", "Wakodo", "Bellamy", "Celia",
)
# "sữa tắm" (shower gel), "sữa rửa mặt" (cleanser), "sữa dưỡng" (lotion), "sữa chua" (yoghurt).
NOT_MILK_TERMS = ("sữa tắm", "sữa rửa", "sữa dưỡng", "sữa chua", "sữa chống nắng", "sữa ong chúa", "sữa hạt")
COMPLEMENTARY_TERMS = ("ăn dặm", "bột ăn dặm", "cháo ăn dặm", "complementary food")  # weaning food
BOTTLE_TERMS = ("bình sữa", "bình bú", "núm ti", "núm vú", "vú ngậm", "ti giả", "feeding bottle", "teat")
# Bottle warmers / sterilisers / brushes are not bottles or teats.
NOT_BOTTLE_RE = re.compile(r"(?:máy|dụng cụ|cọ|chổi|nước rửa|giá|kẹp|túi)\s+(?:\w+\s+){0,2}bình\s+sữa", re.IGNORECASE)
# Ages: "0-6 tháng", "6 - 12 tháng", "1-3 tuổi", "từ 6 tháng", "trên 24 tháng", "dưới 12 tháng", "1+", "sơ sinh".
AGE_RANGE_RE = re.compile(r"(?P<lo>\d{1,2})\s*(?:-|–|đến|tới|~)\s*\d{1,2}\s*(?P<unit>tháng|tuổi|th\b|m\b|y\b)", re.I)
AGE_FROM_RE = re.compile(r"(?P<word>từ|trên|>|over|dưới|<)\s*(?P<n>\d{1,2})\s*(?P<unit>tháng|tuổi|months?|years?)", re.I)
AGE_PLUS_RE = re.compile(r"(?<![\w.,])(?P<n>\d{1,2})\s*\+(?!\w)")
NEWBORN_RE = re.compile(r"sơ\s+sinh|newborn", re.I)

# --- medicines: detectors.rules.medicine (all medicines for humans, or prescription drugs only) ------------

# --- lottery tickets (Decree 81/2018 Art. 5) ---------------------------------------------------------
LOTTERY_TICKET_TERMS = ("vé số", "vé xổ số", "vé vietlott", "lottery ticket")

_SPIRITS = compile_terms(SPIRIT_TERMS)
_ALCOHOL = compile_terms(ALCOHOL_TERMS)
_ECIG = compile_terms(ECIG_TERMS)
_TOBACCO = compile_terms(TOBACCO_TERMS)
_NOT_TOBACCO = compile_terms(NOT_TOBACCO_TERMS)
_MILK = compile_terms(MILK_TERMS)
_NOT_MILK = compile_terms(NOT_MILK_TERMS)
_COMPLEMENTARY = compile_terms(COMPLEMENTARY_TERMS)
_BOTTLE = compile_terms(BOTTLE_TERMS)
_LOTTERY_TICKET = compile_terms(LOTTERY_TICKET_TERMS)


def classify(text: str, limits: Limits = Limits()) -> list[GoodsMatch]:
    found = []
    for check in (_alcohol, _ecig, _tobacco, _breast_milk_substitute, _complementary_food, _bottle, _medicine, _lottery):
        match = check(text, limits)
        if match is not None:
            found.append(match)
    return found


def _alcohol(text: str, limits: Limits) -> GoodsMatch | None:
    abv = _abv(text)
    spirit = _SPIRITS.search(text)
    if spirit and (abv is None or abv >= limits.min_abv_percent):
        detail = {"abv_percent": str(abv)} if abv is not None else {"abv_percent": "not stated (spirit)"}
        return GoodsMatch("alcohol", spirit.group(0), detail)
    other = _ALCOHOL.search(text)
    if other and abv is not None and abv >= limits.min_abv_percent:
        return GoodsMatch("alcohol", other.group(0), {"abv_percent": str(abv)})
    return None


def _abv(text: str) -> Decimal | None:
    values = [Decimal((m.group("a") or m.group("b")).replace(",", ".")) for m in ABV_RE.finditer(text)]
    values = [v for v in values if 0 < v <= 96]  # alcohol strengths only
    return max(values) if values else None


def _ecig(text: str, limits: Limits) -> GoodsMatch | None:
    match = _ECIG.search(text)
    return GoodsMatch("e-cigarette", match.group(0), {}) if match else None


def _tobacco(text: str, limits: Limits) -> GoodsMatch | None:
    cleaned = _NOT_TOBACCO.sub(" ", _ECIG.sub(" ", text))
    match = _TOBACCO.search(cleaned)
    return GoodsMatch("tobacco", match.group(0), {}) if match else None


def _youngest_months(text: str) -> int | None:
    """The lowest age in months the product is for, or None if no age is written."""
    ages = []
    if NEWBORN_RE.search(text):
        ages.append(0)
    for m in AGE_RANGE_RE.finditer(text):
        ages.append(int(m.group("lo")) * (12 if m.group("unit").lower() in ("tuổi", "y") else 1))
    for m in AGE_FROM_RE.finditer(text):
        months = int(m.group("n")) * (12 if m.group("unit").lower().startswith(("tuổi", "year")) else 1)
        ages.append(0 if m.group("word").lower() in ("dưới", "<") else months)
    for m in AGE_PLUS_RE.finditer(text):
        ages.append(int(m.group("n")) * 12)  # "1+", "3+": years, as formula stages are written
    return min(ages) if ages else None


def _breast_milk_substitute(text: str, limits: Limits) -> GoodsMatch | None:
    match = _MILK.search(_NOT_MILK.sub(" ", text))
    if not match:
        return None
    youngest = _youngest_months(text)
    if youngest is None or youngest >= limits.infant_months:
        return None
    return GoodsMatch("breast-milk-substitute", match.group(0), {"youngest_age_months": str(youngest)})


def _complementary_food(text: str, limits: Limits) -> GoodsMatch | None:
    match = _COMPLEMENTARY.search(text)
    youngest = _youngest_months(text) if match else None
    if match is None or youngest is None or youngest >= limits.complementary_food_months:
        return None
    return GoodsMatch("complementary-food", match.group(0), {"youngest_age_months": str(youngest)})


def _bottle(text: str, limits: Limits) -> GoodsMatch | None:
    match = _BOTTLE.search(NOT_BOTTLE_RE.sub(" ", text))
    return GoodsMatch("feeding-bottle-or-teat", match.group(0), {}) if match else None


def _medicine(text: str, limits: Limits) -> GoodsMatch | None:
    found = find_medicine(text)
    if found is None or (limits.medicines == "prescription" and found.prescription != "yes"):
        return None
    return GoodsMatch("medicine", found.term, {"prescription": found.prescription,
                                               "prescription_basis": found.basis or "not shown"})


def _lottery(text: str, limits: Limits) -> GoodsMatch | None:
    match = _LOTTERY_TICKET.search(text)
    return GoodsMatch("lottery-ticket", match.group(0), {}) if match else None
