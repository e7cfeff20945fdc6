"""Is the operator of a Vietnamese-facing site foreign? Evidence for ECOM-FOREIGN.

Heuristics, not legal tests. The legal tests (legacy Decree 52/2013 Art. 67a; the 2025 Law's
final wording is [S1]) are about *targeting* Vietnam: a .vn domain, Vietnamese display, or
> 100,000 transactions a year from Vietnam (not observable here). Whether the operator is
foreign must come from the page (legal form or address abroad, with no Vietnamese business
identifiers) or from the caller (``Context.extra["operator_country"]`` / ``["foreign"]``).
"""

from __future__ import annotations

import re

from detectors.page.document import Needles
from detectors.domains import is_vn_domain
from detectors.lexicons import BUSINESS_IDS, compile_terms
from detectors.types import Context, Page

__all__ = ["foreign_evidence", "targeting_tests"]

# Legal forms that no Vietnamese company uses ("Công ty TNHH" / "Co., Ltd." are domestic too).
FOREIGN_ENTITY_RE = re.compile(
    r"(?<!\w)(?:pte\.?\s*ltd|private\s+limited|sdn\.?\s*bhd|gmbh|l\.?l\.?c\.?(?!\w)|inc\.(?!\w)"
    r"|limited\s+liability\s+company|株式会社|有限公司)",
    re.IGNORECASE,
)
# Places abroad, when written in an address / head-office line.
FOREIGN_PLACES = (
    "Singapore", "Hong Kong", "Hồng Kông", "Trung Quốc", "China", "Thâm Quyến", "Shenzhen",
    "Quảng Châu",  # Guangzhou
    "Guangzhou", "Hàng Châu", "Hangzhou", "Thượng Hải", "Shanghai", "Bắc Kinh", "Beijing",
    "Hàn Quốc",  # Korea
    "Korea", "Seoul", "Nhật Bản",  # Japan
    "Japan", "Tokyo", "Malaysia", "Kuala Lumpur", "Thái Lan",  # Thailand
    "Thailand", "Bangkok", "Đài Loan",  # Taiwan
    "Taiwan", "Hoa Kỳ",  # United States
    "United States", "USA", "Ireland", "Dublin", "Cayman", "Delaware",
)
ADDRESS_LABEL_RE = re.compile(r"(?<!\w)(?:địa\s+chỉ|trụ\s+sở|address|registered\s+office|headquarters)", re.IGNORECASE)
_PLACES = compile_terms(FOREIGN_PLACES)
_BUSINESS_IDS = compile_terms(BUSINESS_IDS)
_ADDRESS_WINDOW = 160  # characters after an address label that still belong to the address
# A literal of each alternative of FOREIGN_ENTITY_RE ("l\.?l\.?c" spelled out) and ADDRESS_LABEL_RE:
# a block holding none of them yields no evidence.
_NEEDLES = Needles(
    ["pte", "private", "sdn", "gmbh", "llc", "l.lc", "ll.c", "l.l.c", "inc.", "limited", "株式会社", "有限公司"],
    ["địa", "trụ", "address", "registered", "headquarters"],
)


def foreign_evidence(page: Page, context: Context) -> list[tuple[str, str, str | None]]:
    """(reason, snippet, css_path) for each sign that the operator is foreign; [] if none."""
    found: list[tuple[str, str, str | None]] = []
    country = context.extra.get("operator_country")
    if context.extra.get("foreign") is True or (isinstance(country, str) and country.upper() not in ("", "VN")):
        found.append(("operator country given by the investigator", str(country or "foreign"), None))
    page_only = _page_evidence(page)
    # A Vietnamese business id (MST, ĐKKD...) means a domestic operator, whatever else it shows
    # (an import agent printing its warehouse address in Quảng Châu is still Vietnamese).
    if page_only and not _BUSINESS_IDS.search(page.text):
        found.extend(page_only)
    return found


def _page_evidence(page: Page) -> list[tuple[str, str, str | None]]:
    found: list[tuple[str, str, str | None]] = []
    for block in page.document.blocks_with(_NEEDLES):
        if len(block.text) > 600:
            continue
        entity = FOREIGN_ENTITY_RE.search(block.text)
        if entity:
            found.append((f"foreign legal form '{entity.group(0)}'", block.text, block.css_path))
            continue
        for label in ADDRESS_LABEL_RE.finditer(block.text):
            place = _PLACES.search(block.text, label.end(), label.end() + _ADDRESS_WINDOW)
            if place:
                found.append((f"address abroad ({place.group(0)})", block.text, block.css_path))
                break
    return found


def targeting_tests(page: Page) -> list[str]:
    """Which of the observable Art. 67a targeting tests the page meets."""
    tests = []
    if is_vn_domain(page.domain):
        tests.append(".vn domain")
    if page.lang == "vi" or (page.declared_lang or "").lower().startswith("vi"):
        tests.append("Vietnamese display")
    if any(o.currency == "VND" for o in page.offers):
        tests.append("prices in VND")
    return tests
