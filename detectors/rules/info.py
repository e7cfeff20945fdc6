"""PROMO-INFO-MISSING: a promotion program announced without its start and end dates.

Commercial Law Art. 97(1)(d) requires the promotion time (start and end dates) to be public.
Only an *announced program* is judged ("Chương trình khuyến mãi", "Flash sale", "Mua 2 tặng 1",
a lucky draw...), not every struck price, and not a "Khuyến mãi" menu item. A countdown timer
is not a date: it shows neither the start nor a checkable end.
"""

from __future__ import annotations

import re
from typing import Iterable

from detectors.page.document import Block, Needles
from detectors.lexicons import compile_terms
from detectors.rules.base import RuleRun, make_finding, short_hash
from detectors.rules.lucky import LUCKY_NEEDLES, lucky_draw_blocks
from detectors.types import Finding, Page

__all__ = ["check_promotion_info", "find_dates"]

# Words that announce a promotion program (not a single price).
PROGRAM_TERMS = (
    "chương trình khuyến mãi", "chương trình khuyến mại", "chương trình ưu đãi", "CTKM",  # programme
    "flash sale", "siêu sale", "đại hạ giá", "xả kho", "sale off", "black friday",  # sale events
    "khuyến mãi đặc biệt", "siêu khuyến mãi", "khuyến mãi khủng", "ưu đãi đặc biệt",  # special promotion
    "đồng giá",  # flat price (all items at one price)
)
PROGRAM_RE = re.compile(
    r"mua\s+\d+\s+tặng\s+\d+|giảm\s+(?:giá\s+)?(?:đến|tới|lên\s+đến|lên\s+tới)\s+\d{1,3}\s?%", re.IGNORECASE
)  # "Mua 3 tặng 1" (buy 3 get 1), "Giảm đến 70%" (up to 70 % off)
# Dates: "20/11", "20/11/2026", "20-11-2026", "20.11.2026", "ngày 20 tháng 11", ISO "2026-11-20".
DATE_RE = re.compile(
    r"(?<![\d.,/])(?P<d>\d{1,2})\s?[/-]\s?(?P<m>\d{1,2})(?:\s?[/-]\s?(?P<y>\d{2,4}))?(?![\d%,]|\.\d)"
    r"|(?<![\d.,])(?P<d2>\d{1,2})\.(?P<m2>\d{1,2})\.(?P<y2>20\d{2})(?!\d)"
    r"|ngày\s+(?P<d3>\d{1,2})\s+tháng\s+(?P<m3>\d{1,2})"
    r"|(?<!\d)20\d{2}-(?P<m4>\d{2})-(?P<d4>\d{2})(?!\d)",
    re.IGNORECASE,
)
# Dates that belong to the business, not to the promotion: "MST ... cấp ngày 12/03/2019", "GPKD số ...".
NOT_PROMOTION_DATE_RE = re.compile(
    r"(?<!\w)(?:cấp\s+ngày|ngày\s+cấp|mst|mã\s+số\s+thuế|gpkd|giấy\s+phép|đkkd|đkdn|giấy\s+chứng\s+nhận"
    r"|copyright|bản\s+quyền|cập\s+nhật|đăng\s+ngày)(?!\w)|©",
    re.IGNORECASE,
)
START_RE = re.compile(r"(?<!\w)(?:từ|bắt\s+đầu|áp\s+dụng\s+từ|from|start)(?!\w)", re.IGNORECASE)
END_RE = re.compile(r"(?<!\w)(?:đến|tới|hết\s+ngày|kết\s+thúc|hạn|until|to|end)(?!\w)", re.IGNORECASE)
_PROGRAM = compile_terms(PROGRAM_TERMS)
# What every program block contains: a term, or the "mua"/"giảm" of PROGRAM_RE; lucky draws (also
# announcements) all contain one of the lucky-draw needles.
_PROGRAM_NEEDLES = Needles(PROGRAM_TERMS, ["mua", "giảm"], LUCKY_NEEDLES.needles)


def check_promotion_info(page: Page, run: RuleRun) -> Iterable[Finding]:
    rule = run.rule("PROMO-INFO-MISSING")
    signals = page.signals
    if rule is None or not (signals.vietnamese_facing and signals.commerce):
        return []
    if not page.document.text_has(_PROGRAM_NEEDLES):
        return []  # no program wording on the page: its blocks need not be built
    blocks = [b for b in page.document.blocks if not b.in_nav]
    program = _program_block(blocks) or next(iter(lucky_draw_blocks(page)), None)
    if program is None:
        return []
    blocks = [b for b in blocks if not NOT_PROMOTION_DATE_RE.search(b.text)]
    dates = [d for b in blocks for d in find_dates(b.text)]
    has_start = any(START_RE.search(b.text) and find_dates(b.text) for b in blocks)
    has_end = any(END_RE.search(b.text) and find_dates(b.text) for b in blocks)
    if dates and not rule.flag("require_both_dates"):
        return []
    if dates and has_start and has_end:
        return []
    missing = "no date at all" if not dates else ("no start date" if not has_start else "no end date")
    return [make_finding(
        rule,
        message=f"Promotion program announced ({program.text[:80]!r}) with {missing} shown; "
        "the promotion time (start and end dates) must be public (Commercial Law Art. 97(1)(d)).",
        evidence={"snippet": program.text, "css_path": program.css_path, "dates_found": dates[:5],
                  "missing": missing},
        # The same banner on every page of a shop is one program, so one finding for the site.
        subject=f"promotion-info:{short_hash(program.text)}",
        scope="site",
    )]


# An announcement is a headline or a short line; a long sentence naming "chương trình khuyến mại"
# is prose (a news item about inspections of promotion programs).
_MAX_ANNOUNCEMENT = 150


def _program_block(blocks: list[Block]) -> Block | None:
    for block in blocks:
        if len(block.text) <= _MAX_ANNOUNCEMENT and (_PROGRAM.search(block.text) or PROGRAM_RE.search(block.text)):
            return block
    return None


def find_dates(text: str) -> list[str]:
    """Day/month dates in ``text`` as written (impossible days or months are not dates)."""
    found = []
    for m in DATE_RE.finditer(text):
        day = m.group("d") or m.group("d2") or m.group("d3") or m.group("d4")
        month = m.group("m") or m.group("m2") or m.group("m3") or m.group("m4")
        if day and month and 1 <= int(day) <= 31 and 1 <= int(month) <= 12:
            found.append(m.group(0))
    return found
