"""Lucky draws ("chương trình khuyến mại mang tính may rủi").

PROMO-LUCKY-REG      a lucky draw with no registration/confirmation reference on the page.
                     Registration is required (DOIT for one province, MOIT for two or more), but no
                     rule requiring the number to be displayed was found [U]: the flag asks for a
                     registry check and the finding says so. The evidence tells the reviewer whether
                     the page states a confirmation number and whether its rules describe a public
                     draw witnessed by customers, in person or (from 26/06/2026, Decree 239/2026)
                     online (threshold ``online_witness``).
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
# A confirmation number: "Công văn số 1234/XTTM-KM", "xác nhận đăng ký số 56/SCT-QLTM".
CONFIRMATION_NUMBER_RE = re.compile(r"\d{1,6}\s*/\s*(?:XTTM|SCT|BCT|CT|KM|QĐ|QLTM|TB)[\w\-/]*", re.IGNORECASE)
# Any registration / confirmation reference, with or without its number.
REFERENCE_RE = re.compile(
    CONFIRMATION_NUMBER_RE.pattern
    + r"|(?:văn\s+bản|giấy|công\s+văn)\s+xác\s+nhận|xác\s+nhận\s+đăng\s+ký|đã\s+được\s+(?:Bộ|Sở)\s+Công\s+Thương"
    r"|Cục\s+Xúc\s+tiến\s+thương\s+mại",
    re.IGNORECASE,
)
# The draw held in public before customers (Decree 81 Art. 13(1)): "công khai" (public), "có sự chứng
# kiến của khách hàng" (witnessed by customers); online: "livestream", "phát trực tiếp" (broadcast live),
# "trực tuyến" (online), "trực tiếp trên fanpage".
WITNESS_RE = re.compile(r"công\s+khai|chứng\s+kiến", re.IGNORECASE)
ONLINE_RE = re.compile(
    r"livestream|live\s*stream|phát\s+(?:sóng\s+)?trực\s+tiếp|trực\s+tuyến|trực\s+tiếp\s+trên\s+(?:fanpage|facebook"
    r"|youtube|tiktok|kênh|website)|(?<!\w)live\s+(?:trên|tại)",
    re.IGNORECASE,
)
# ...about the draw itself, not "công khai" prices or a public holiday.
DRAW_RE = re.compile(r"quay\s+số|bốc\s+thăm|rút\s+thăm|xác\s+định\s+(?:người\s+)?trúng\s+thưởng|mở\s+thưởng"
                     r"|quay\s+thưởng|lucky\s+draw", re.IGNORECASE)
_WITNESS_NEEDLES = Needles(["công khai", "chứng kiến", "livestream", "live", "trực tiếp", "trực tuyến"])
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
LUCKY_NEEDLES = Needles.covering(LUCKY_DRAW_TERMS, ["quay", "thăm", "dự thưởng", "cào", "lucky", "spin to win"])
# Every LOTTERY_RESULT_RE alternative holds "xổ" or "xs" ("xổ số", "xs", "xskt").
_LOTTERY_NEEDLES = Needles(["xổ", "xs"])
_MAX_EVIDENCE = 5


def lucky_draw_blocks(page: Page) -> tuple[Block, ...]:
    # Three rules ask for the same blocks of the same page.
    return page.document.memo("lucky-draw-blocks", lambda: tuple(
        b for b in page.document.blocks_with(LUCKY_NEEDLES) if not b.in_nav and _LUCKY.search(b.text)))


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
    number = CONFIRMATION_NUMBER_RE.search(page.text)
    draw = _public_draw(page)
    online_counts = rule.flag("online_witness")
    message = (
        "Lucky draw on the page"
        + (f" ({found.group(0)!r})" if found else "")
        + (f"; it cites {reference.group(0)!r}: check it against the registry." if reference
           else " and no registration/confirmation reference is shown. Lucky draws must be registered "
           "(DOIT for one province, MOIT for two or more): check the registry. No rule requiring the "
           "confirmation number to be displayed was found, so its absence is a reason to check, not a violation.")
        + " " + _draw_words(draw, online_counts)
    )
    return [make_finding(
        rule,
        message=message,
        evidence={
            "snippet": first.text,
            "css_path": first.css_path,
            "lucky_draw_texts": [b.text for b in blocks[:_MAX_EVIDENCE]],
            "registration_reference": reference.group(0) if reference else None,
            "confirmation_number": number.group(0) if number else None,
            "public_draw_stated": draw is not None,
            "public_draw_online": bool(draw and ONLINE_RE.search(draw.text)),
            "public_draw_text": draw.text if draw else None,
            "online_witness_counts": online_counts,
        },
        subject=f"lucky-draw:{short_hash(first.text)}",  # one program shown site-wide is one finding
        scope="site",
    )]


def _public_draw(page: Page) -> Block | None:
    """The first sentence saying the draw is held in public / witnessed / broadcast online."""
    for block in page.document.blocks_with(_WITNESS_NEEDLES):
        text = block.text
        if block.in_nav or len(text) > 600 or not DRAW_RE.search(text):
            continue
        if WITNESS_RE.search(text) or ONLINE_RE.search(text):
            return block
    return None


def _draw_words(draw: Block | None, online_counts: bool) -> str:
    if draw is None:
        how = "in person or online" if online_counts else "in person"
        return (f"The page does not say the draw is held in public with customers witnessing it {how} "
                "(Decree 81 Art. 13(1)).")
    if ONLINE_RE.search(draw.text) and not WITNESS_RE.search(draw.text) and not online_counts:
        return (f"The page says the draw is broadcast online ({draw.text[:80]!r}); on this date the decree asked for "
                "customers to witness it, and online witnessing counts only from 26/06/2026 (Decree 239/2026).")
    return f"The page describes a public draw ({draw.text[:80]!r})."


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
