"""Lucky draws ("chương trình khuyến mại mang tính may rủi").

PROMO-LUCKY-REG      a lucky draw with no registration/confirmation reference on the page.
                     Registration is required (DOIT for one province, MOIT for two or more), but no
                     rule requiring the number to be displayed was found [U]: the flag asks for a
                     registry check and the finding says so.
PROMO-LUCKY-LOTTERY  winners determined by state lottery results (Decree 81/2018 Art. 3, 13).
"""

from __future__ import annotations

import re
from typing import Iterable

from detectors.page.document import Block, Needles
from detectors.lexicons import compile_terms
from detectors.rules.base import RuleRun, make_finding, short_hash
from detectors.types import Finding, Page

__all__ = ["check_lottery_results", "check_lucky_draws", "lucky_draw_blocks"]

# Lucky-draw wording. Not "quay số" alone ("quay số 1900…" is dialling), not "vòng quay" alone
# (a washing machine's "vòng quay 1400 vòng/phút"), not "thẻ cào" alone (a phone top-up card).
LUCKY_DRAW_TERMS = (
    "quay số trúng thưởng", "quay số may mắn", "quay số dự thưởng", "chương trình quay số",  # draw
    "quay thưởng",  # spin for a prize
    "vòng quay may mắn", "vòng quay trúng thưởng", "lượt quay", "quay may mắn",  # lucky wheel / spins
    "bốc thăm trúng thưởng", "bốc thăm may mắn", "rút thăm trúng thưởng", "rút thăm may mắn",  # drawing lots
    "mã dự thưởng", "phiếu dự thưởng",  # entry codes / coupons
    "cào trúng thưởng", "thẻ cào trúng thưởng", "phiếu cào",  # scratch cards
    "lucky draw", "lucky wheel", "spin to win",
)
# A registration / confirmation reference: "Công văn số 1234/XTTM-KM", "xác nhận đăng ký số 56/SCT-QLTM".
REFERENCE_RE = re.compile(
    r"\d{1,6}\s*/\s*(?:XTTM|SCT|BCT|CT|KM|QĐ|QLTM|TB)[\w\-/]*"
    r"|(?:văn\s+bản|giấy|công\s+văn)\s+xác\s+nhận|xác\s+nhận\s+đăng\s+ký|đã\s+được\s+(?:Bộ|Sở)\s+Công\s+Thương"
    r"|Cục\s+Xúc\s+tiến\s+thương\s+mại",
    re.IGNORECASE,
)
# Winners picked with the state lottery: "theo kết quả xổ số", "trùng giải đặc biệt XSKT".
LOTTERY_RESULT_RE = re.compile(
    r"kết\s+quả\s+(?:xổ\s+số|xs(?:kt|mb|mn|mt)?)|giải\s+đặc\s+biệt\s+(?:của\s+)?(?:xskt|xổ\s+số)|(?<!\w)xskt(?!\w)",
    re.IGNORECASE,
)
# ...used to decide a prize, not quoted in a news item about the lottery.
DECIDES_RE = re.compile(r"(?<!\w)(?:theo|dựa|căn\s+cứ|trùng|so\s+sánh|đối\s+chiếu|tương\s+ứng)(?!\w)", re.IGNORECASE)
PRIZE_TERMS = ("trúng thưởng", "giải thưởng", "mã dự thưởng", "khách hàng", "may mắn", "chương trình", "nhận thưởng")
_LUCKY = compile_terms(LUCKY_DRAW_TERMS)
_PRIZE = compile_terms(PRIZE_TERMS)
_LUCKY_NEEDLES = Needles.covering(LUCKY_DRAW_TERMS, ["quay", "thăm", "dự thưởng", "cào", "lucky", "spin to win"])
# Every LOTTERY_RESULT_RE alternative holds "xổ" or "xs" ("xổ số", "xs", "xskt").
_LOTTERY_NEEDLES = Needles(["xổ", "xs"])
_MAX_EVIDENCE = 5


def lucky_draw_blocks(page: Page) -> tuple[Block, ...]:
    # Three rules ask for the same blocks of the same page.
    return page.document.memo("lucky-draw-blocks", lambda: tuple(
        b for b in page.document.blocks_with(_LUCKY_NEEDLES) if not b.in_nav and _LUCKY.search(b.text)))


def check_lucky_draws(page: Page, run: RuleRun) -> Iterable[Finding]:
    rule = run.rule("PROMO-LUCKY-REG")
    if rule is None or not page.signals.vietnamese_facing:
        return []
    blocks = lucky_draw_blocks(page)
    if not blocks:
        return []
    reference = REFERENCE_RE.search(page.text)
    if reference and not rule.flag("flag_when_reference_shown"):
        return []
    first = blocks[0]
    found = _LUCKY.search(first.text)
    message = (
        "Lucky draw on the page"
        + (f" ({found.group(0)!r})" if found else "")
        + (f"; it cites {reference.group(0)!r}: check it against the registry." if reference
           else " and no registration/confirmation reference is shown. Lucky draws must be registered "
           "(DOIT for one province, MOIT for two or more): check the registry. No rule requiring the "
           "confirmation number to be displayed was found, so its absence is a reason to check, not a violation.")
    )
    return [make_finding(
        rule,
        message=message,
        evidence={
            "snippet": first.text,
            "css_path": first.css_path,
            "lucky_draw_texts": [b.text for b in blocks[:_MAX_EVIDENCE]],
            "registration_reference": reference.group(0) if reference else None,
        },
        subject=f"lucky-draw:{short_hash(first.text)}",  # one program shown site-wide is one finding
        scope="site",
    )]


def check_lottery_results(page: Page, run: RuleRun) -> Iterable[Finding]:
    rule = run.rule("PROMO-LUCKY-LOTTERY")
    if rule is None or not page.signals.vietnamese_facing:
        return []
    page_has_draw = bool(lucky_draw_blocks(page))
    for block in page.document.blocks_with(_LOTTERY_NEEDLES):
        lottery = LOTTERY_RESULT_RE.search(block.text)
        if not lottery or block.in_nav or len(block.text) > 600:
            continue
        if not DECIDES_RE.search(block.text) or not (page_has_draw or _PRIZE.search(block.text)):
            continue
        return [make_finding(
            rule,
            message=f"Promotion rules use state lottery results to pick winners ({lottery.group(0)!r}); "
            "lottery results may not determine promotional winners.",
            evidence={"snippet": block.text, "css_path": block.css_path, "term": lottery.group(0)},
            subject=f"lottery-results:{short_hash(block.text)}",
            scope="site",
        )]
    return []
