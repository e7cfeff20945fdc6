"""PROMO-NOTIFY on hand-built pages: which programmes need a notification, and how the prizes are counted."""

from __future__ import annotations

import pytest

from detectors.engine import detect
from detectors.types import Finding

from .helpers import VN_MARKETPLACE, VN_NEWS, VN_SHOP, ctx, make_page

CONTEST = "<h1>Cuộc thi ảnh đẹp cùng Demo</h1><p>Mua sản phẩm bất kỳ, nhận 1 phiếu dự thi.</p>"
PRIZES_150M = (
    "<ul><li>Giải nhất: 01 xe máy trị giá 50.000.000đ</li>"
    "<li>02 giải nhì, mỗi giải 20.000.000đ</li>"
    "<li>Giải ba: 6 giải x 10.000.000đ</li></ul>"
)


def _notify(body: str, on: str = "2026-10-15", signals=VN_SHOP) -> list[Finding]:
    return [f for f in detect(make_page(body, signals=signals), ctx(on)) if f.rule == "PROMO-NOTIFY"]


def test_prize_lines_are_summed_with_their_counts() -> None:
    (finding,) = _notify(CONTEST + PRIZES_150M)
    assert finding.evidence["total_prizes_vnd"] == "150000000"
    assert finding.evidence["total_basis"] == "sum of prize lines (a lower bound)"
    assert len(finding.evidence["prize_lines"]) == 3
    assert finding.severity.value == "medium" and finding.scope == "site"


@pytest.mark.parametrize(
    ("prizes", "flagged"),
    [
        ("<p>Tổng giá trị giải thưởng: 100 triệu đồng</p>", True),  # exactly the threshold
        ("<p>Tổng giá trị giải thưởng lên đến 99.000.000đ</p>", False),
        ("<p>Giải nhất: 01 máy ảnh trị giá 30.000.000đ</p><p>Giải nhì: 02 giải, mỗi giải 10.000.000đ</p>", False),
        ("<p>Tổng giải thưởng 1,5 tỷ đồng</p>", True),
    ],
)
def test_threshold_is_100_million(prizes: str, flagged: bool) -> None:
    assert bool(_notify(CONTEST + prizes)) is flagged


@pytest.mark.parametrize(
    "channel",
    [
        "<p>Chương trình chỉ áp dụng cho đơn hàng trên Shopee.</p>",
        "<p>Chỉ áp dụng tại gian hàng chính hãng trên sàn TMĐT Lazada và Tiki.</p>",
    ],
)
def test_only_on_trading_floors_is_exempt(channel: str) -> None:
    assert _notify(CONTEST + PRIZES_150M + channel) == []


def test_stores_besides_the_marketplace_are_not_exempt() -> None:
    body = CONTEST + PRIZES_150M + "<p>Chỉ áp dụng trên Shopee và tại hệ thống cửa hàng Demo.</p>"
    assert len(_notify(body)) == 1


def test_contest_on_a_marketplace_page_is_exempt() -> None:
    assert _notify(CONTEST + PRIZES_150M, signals=VN_MARKETPLACE) == []


def test_contest_in_the_news_is_not_a_promotion() -> None:
    body = "<h1>Cuộc thi ảnh 'Hà Nội mùa thu'</h1><p>Tổng giá trị giải thưởng 150 triệu đồng.</p>"
    assert _notify(body, signals=VN_NEWS) == []


def test_a_game_of_chance_is_a_lucky_draw_not_a_contest() -> None:
    body = "<h1>Cuộc thi quay số may mắn</h1><p>Tổng giá trị giải thưởng 150 triệu đồng.</p>"
    assert _notify(body) == []


def test_lottery_style_entry_codes_are_not_contest_entries() -> None:
    body = "<p>Mỗi hóa đơn nhận 1 phiếu dự thưởng.</p><p>Tổng giá trị giải thưởng 150 triệu đồng.</p>"
    assert _notify(body) == []


LOYALTY = "<p>Chương trình khách hàng thân thiết: tích điểm đổi quà.</p>"


@pytest.mark.parametrize(("on", "flagged"), [("2024-11-30", False), ("2024-12-01", True), ("2026-06-25", True),
                                              ("2026-06-26", False)])
def test_loyalty_programmes_were_notified_only_under_decree_128(on: str, flagged: bool) -> None:
    assert bool(_notify(LOYALTY, on=on)) is flagged


def test_loyalty_on_a_marketplace_is_exempt() -> None:
    assert _notify(LOYALTY, on="2026-06-20", signals=VN_MARKETPLACE) == []


def test_nothing_before_decree_128() -> None:
    assert _notify(CONTEST + PRIZES_150M, on="2024-06-01") == []
