"""PROMO-NOTIFY: a programme the trader must notify to the DOIT(s), flagged for a check of the records.

A page cannot show whether a programme was notified; it can show that one is needed. Which
programmes is dated data (``promotions.toml``):

- from 01/12/2024 (Decree 128/2024): contests ("phiếu dự thi", Decree 81 Art. 12) and loyalty
  programmes (Art. 14), with the < 100 M VND and e-commerce-floor exemptions reportedly kept [S1];
- from 26/06/2026 (Decree 239/2026): only contests whose prizes total at least 100 M VND and that are
  not run solely through e-commerce trading floors or online-promotion sites (new Art. 17(2)(b)-(c));
  loyalty programmes are no longer notified (``notify_loyalty = false``).

A contest's total is the one the page states ("Tổng giá trị giải thưởng: 150 triệu đồng"), else the
sum of its prize lines ("02 giải nhì, mỗi giải 10.000.000đ"): a lower bound. A contest on a
marketplace's own pages, or whose rules say it runs only there ("chỉ áp dụng trên Shopee"), is
exempt unless the same rules name shops or the trader's website. A trader's own website is not a
trading floor, so a contest run there is not exempt. Lucky draws (chance, Art. 13) are PROMO-LUCKY-REG.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable

from detectors.lexicons import compile_terms
from detectors.page.document import Block, Needles
from detectors.page.prices import find_money
from detectors.rulebook import Rule
from detectors.rules.base import RuleRun, make_finding, short_hash
from detectors.rules.lucky import LUCKY_DRAW_TERMS
from detectors.types import Finding, Page

__all__ = ["check_notification"]

# A contest for customers (Decree 81 Art. 12): entry forms, contests, predictions.
CONTEST_TERMS = (
    "phiếu dự thi", "cuộc thi", "bài dự thi", "thể lệ cuộc thi", "bài thi",  # entry form, contest, entry, rules
    "dự đoán kết quả", "dự đoán tỷ số",  # predict the result / the score
    "contest",
)
# Prize ranks and totals ("giải nhất" first prize ... "giải khuyến khích" consolation prize).
PRIZE_RANK_TERMS = (
    "giải đặc biệt", "giải nhất", "giải nhì", "giải ba", "giải tư", "giải khuyến khích", "giải phụ",
    "giải thưởng", "first prize", "second prize", "third prize",
)
TOTAL_RE = re.compile(
    r"tổng\s+(?:giá\s+trị\s+)?(?:giải\s+thưởng|các\s+giải|giải|quà\s+tặng|phần\s+thưởng)|total\s+prizes?", re.I
)
# How many of a prize: "02 giải nhì", "5 giải x 2 triệu", "số lượng: 3".
LEADING_COUNT_RE = re.compile(r"(?<![\d.,])(?P<n>\d{1,4})\s+$")
COUNT_RE = re.compile(r"(?<![\d.,])(?P<n>\d{1,4})\s+giải(?!\w)|số\s+lượng\s*:?\s*(?P<m>\d{1,4})(?!\d)", re.I)
# A loyalty programme (Decree 81 Art. 14): points, member cards, regular-customer tiers.
LOYALTY_TERMS = (
    "khách hàng thân thiết", "khách hàng thường xuyên",  # loyal / regular customers
    "tích điểm", "đổi điểm", "điểm thưởng", "điểm thành viên",  # collect / redeem points, reward points
    "thẻ thành viên", "hạng thành viên", "chương trình thành viên",  # member card / tier / programme
)
# Channels that make a programme "only through an e-commerce trading floor" (Art. 17(2)(c)).
MARKETPLACE_TERMS = (
    "Shopee", "Lazada", "Tiki", "Sendo", "TikTok Shop", "Tiktok Shop",
    "sàn thương mại điện tử", "sàn TMĐT", "sàn giao dịch thương mại điện tử",  # e-commerce trading floor
)
ONLY_TERMS = ("chỉ", "duy nhất", "only")  # only, solely
# Channels besides a trading floor: the trader's stores, supermarkets, dealers, its own website.
# Not "cửa hàng" alone: "cửa hàng chính hãng trên Shopee" is a store on the marketplace.
OTHER_CHANNEL_TERMS = (
    "tại cửa hàng", "hệ thống cửa hàng", "các cửa hàng", "siêu thị", "đại lý", "showroom",  # stores, dealers
    "website", "offline",
)
# A programme for customers who buy (not a contest a news page reports on).
PURCHASE_TERMS = ("mua", "hóa đơn", "hoá đơn", "đơn hàng", "sản phẩm", "khách hàng")  # buy, invoice, order,
# product, customer
_CONTEST = compile_terms(CONTEST_TERMS)
_PRIZE_RANK = compile_terms(PRIZE_RANK_TERMS)
_LOYALTY = compile_terms(LOYALTY_TERMS)
_MARKETPLACE = compile_terms(MARKETPLACE_TERMS)
_ONLY = compile_terms(ONLY_TERMS)
_OTHER_CHANNEL = compile_terms(OTHER_CHANNEL_TERMS)
_PURCHASE = compile_terms(PURCHASE_TERMS)
_LUCKY = compile_terms(LUCKY_DRAW_TERMS)
_ONLY_NEEDLES = Needles(ONLY_TERMS)
_CONTEST_NEEDLES = Needles.covering(CONTEST_TERMS, ["thi", "dự đoán", "contest"])
_PRIZE_NEEDLES = Needles(["giải", "prize"])
_LOYALTY_NEEDLES = Needles(LOYALTY_TERMS)
_MAX_BLOCK = 300
_MAX_EVIDENCE = 5


@dataclass(frozen=True)
class _Prizes:
    total: Decimal
    basis: str  # "stated total" | "sum of prize lines (a lower bound)"
    lines: tuple[str, ...]


def check_notification(page: Page, run: RuleRun) -> Iterable[Finding]:
    rule = run.rule("PROMO-NOTIFY")
    if rule is None or not page.signals.vietnamese_facing:
        return []
    return [f for f in (_contest_finding(page, rule), _loyalty_finding(page, rule)) if f is not None]


def _contest_finding(page: Page, rule: Rule) -> Finding | None:
    contest = _first(page, _CONTEST_NEEDLES, _CONTEST)
    if contest is None or _LUCKY.search(contest.text):
        return None  # no contest, or a game of chance (registration, PROMO-LUCKY-REG)
    prizes = _prizes(page)
    if prizes is None or prizes.total < rule.decimal("min_total_prizes_vnd"):
        return None
    rules_text = [contest.text, *prizes.lines]
    if not (page.signals.commerce or _PURCHASE.search(" ".join(rules_text))):
        return None  # a contest reported on, not one run for customers
    if _only_on_trading_floor(page, rules_text):
        return None
    minimum = rule.decimal("min_total_prizes_vnd")
    return make_finding(
        rule,
        message=f"Contest-entry programme ({contest.text[:80]!r}) with prizes worth {_vnd(prizes.total)} "
        f"({prizes.basis}), at least {_vnd(minimum)}, not run only through an e-commerce trading floor: it must be "
        "notified to the DOIT of every province where it runs, at least 3 working days before it starts. "
        "Check the notification records.",
        evidence={
            "snippet": contest.text, "css_path": contest.css_path, "form": "contest (phiếu dự thi)",
            "total_prizes_vnd": str(prizes.total), "total_basis": prizes.basis, "threshold_vnd": str(minimum),
            "prize_lines": list(prizes.lines[:_MAX_EVIDENCE]), "only_on_trading_floor": False,
            "marketplace_page": page.signals.marketplace,
        },
        subject=f"notify:contest:{short_hash(contest.text)}",
        scope="site",
    )


def _loyalty_finding(page: Page, rule: Rule) -> Finding | None:
    if not rule.flag("notify_loyalty") or not page.signals.commerce:
        return None
    loyalty = _first(page, _LOYALTY_NEEDLES, _LOYALTY)
    if loyalty is None or _only_on_trading_floor(page, [loyalty.text]):
        return None
    return make_finding(
        rule,
        message=f"Loyalty programme on the page ({loyalty.text[:80]!r}): in this period loyalty programmes had to "
        "be notified to the DOIT of every province where they ran. Check the notification records.",
        evidence={"snippet": loyalty.text, "css_path": loyalty.css_path, "form": "loyalty programme",
                  "only_on_trading_floor": False, "marketplace_page": page.signals.marketplace},
        subject=f"notify:loyalty:{short_hash(loyalty.text)}",
        scope="site",
    )


def _first(page: Page, needles: Needles, pattern: re.Pattern[str]) -> Block | None:
    for block in page.document.blocks_with(needles):
        if not block.in_nav and len(block.text) <= _MAX_BLOCK and pattern.search(block.text):
            return block
    return None


def _prizes(page: Page) -> _Prizes | None:
    stated: list[Decimal] = []
    summed, lines = Decimal(0), []
    for block in page.document.blocks_with(_PRIZE_NEEDLES):
        if block.in_nav or len(block.text) > _MAX_BLOCK:
            continue
        total = _stated_total(block.text)
        if total is not None:
            stated.append(total)
            lines.append(block.text)
            continue
        value = _prize_lines_value(block.text)
        if value:
            summed += value
            lines.append(block.text)
    if stated:
        return _Prizes(max(stated), "stated total", tuple(lines))
    return _Prizes(summed, "sum of prize lines (a lower bound)", tuple(lines)) if summed else None


def _stated_total(text: str) -> Decimal | None:
    marker = TOTAL_RE.search(text)
    if marker is None:
        return None
    amounts = [m.amount for m in find_money(text[marker.end():marker.end() + 80])
               if m.currency == "VND" and m.amount]
    return amounts[0] if amounts else None


def _prize_lines_value(text: str) -> Decimal:
    """The value of the prizes a line lists: each rank's first amount times its count."""
    ranks = list(_PRIZE_RANK.finditer(text))
    value = Decimal(0)
    for rank, following in zip(ranks, [*ranks[1:], None]):
        segment = text[rank.start():following.start() if following else len(text)]
        amounts = [m.amount for m in find_money(segment) if m.currency == "VND" and m.amount]
        if amounts:
            value += amounts[0] * _count(text[:rank.start()], segment)
    return value


def _count(before: str, segment: str) -> int:
    """How many of a prize: written just before its rank ("02 giải nhì") or inside its segment."""
    lead = LEADING_COUNT_RE.search(before)
    if lead:
        return int(lead.group("n"))
    count = COUNT_RE.search(segment)
    return int(count.group("n") or count.group("m")) if count else 1


def _only_on_trading_floor(page: Page, rules_text: list[str]) -> bool:
    """Run solely through e-commerce trading floors (exempt), as far as the page shows."""
    only = [b.text for b in page.document.blocks_with(_ONLY_NEEDLES)
            if not b.in_nav and len(b.text) <= _MAX_BLOCK and _ONLY.search(b.text) and _MARKETPLACE.search(b.text)]
    if _OTHER_CHANNEL.search(" ".join([*rules_text, *only])):
        return False  # the rules name the trader's stores or website
    # The programme's own pages are on a multi-seller platform, or its rules say it runs only there.
    return page.signals.marketplace or bool(only)


def _vnd(amount: Decimal) -> str:
    return f"{amount:,.0f} đ".replace(",", ".")
