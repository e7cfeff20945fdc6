"""PROMO-LUCKY-REG, PROMO-LUCKY-LOTTERY and PROMO-INFO-MISSING on hand-built pages."""

from __future__ import annotations

import pytest

from detectors.engine import detect
from detectors.rules.info import find_dates
from detectors.types import Severity

from .helpers import VN_NEWS, ctx, make_page, rules_of, rulebook_with

DATES = "<p>Thời gian: từ 01/11/2026 đến 30/11/2026.</p>"


def _rules(body: str, signals=None) -> list[str]:
    page = make_page(body) if signals is None else make_page(body, signals=signals)
    return [r for r in rules_of(detect(page, ctx())) if r.startswith("PROMO")]


@pytest.mark.parametrize(
    "text",
    [
        "Vòng quay may mắn - nhận ngay quà tặng",
        "Nhập số điện thoại để nhận 1 lượt quay miễn phí",
        "Mỗi hóa đơn nhận 1 mã dự thưởng",
        "Bốc thăm trúng thưởng cuối tuần",
        "Cào trúng thưởng 100% có quà",
        "Quay số trúng thưởng xe máy",
    ],
)
def test_lucky_draws_without_reference(text: str) -> None:
    assert _rules(f"<p>{text}</p>{DATES}") == ["PROMO-LUCKY-REG"]


def test_lucky_finding_is_medium_and_says_why() -> None:
    (finding,) = [f for f in detect(make_page(f"<p>Vòng quay may mắn</p>{DATES}"), ctx()) if f.rule == "PROMO-LUCKY-REG"]
    assert finding.severity is Severity.MEDIUM
    assert "[U]" in (finding.uncertain or "")
    assert finding.evidence["registration_reference"] is None


@pytest.mark.parametrize(
    "reference",
    ["Công văn số 1234/XTTM-KM", "xác nhận đăng ký số 56/SCT-QLTM", "Chương trình đã được Bộ Công Thương xác nhận"],
)
def test_reference_shown(reference: str) -> None:
    assert _rules(f"<p>Quay số trúng thưởng xe máy. {reference}</p>{DATES}") == []


@pytest.mark.parametrize(
    "text",
    ["Quay số 1900 6868 để được tư vấn", "Nạp thẻ cào điện thoại chiết khấu 3%", "Tốc độ vòng quay 1400 vòng/phút",
     "Bốc thăm chia bảng World Cup"],
)
def test_false_friends(text: str) -> None:
    assert _rules(f"<p>{text}</p>") == []


def test_lottery_results_decide_winners() -> None:
    body = "<p>Mã dự thưởng trùng 5 số cuối giải đặc biệt XSKT sẽ trúng thưởng. Công văn số 1/XTTM-KM</p>" + DATES
    assert _rules(body) == ["PROMO-LUCKY-LOTTERY"]


def test_theo_ket_qua_xo_so() -> None:
    body = "<p>Khách hàng trúng thưởng theo kết quả xổ số kiến thiết miền Bắc. Công văn số 2/XTTM-KM</p>" + DATES
    assert _rules(body) == ["PROMO-LUCKY-LOTTERY"]


def test_lottery_news_is_not_a_promotion() -> None:
    assert _rules("<h1>Kết quả xổ số miền Bắc hôm nay</h1><p>Giải đặc biệt: 12345</p>", signals=VN_NEWS) == []


# --- PROMO-INFO-MISSING -------------------------------------------------------------------------

@pytest.mark.parametrize(
    "program",
    ["CHƯƠNG TRÌNH KHUYẾN MÃI ĐẶC BIỆT", "Flash sale cuối tuần", "MUA 3 TẶNG 1", "Siêu sale giảm đến 70%"],
)
def test_program_without_dates(program: str) -> None:
    assert _rules(f"<h2>{program}</h2><p>Kết thúc sau: 02:13:45</p>") == ["PROMO-INFO-MISSING"]


def test_program_with_dates() -> None:
    assert _rules(f"<h2>Chương trình khuyến mãi tháng 11</h2>{DATES}") == []


def test_menu_item_is_not_a_program() -> None:
    assert _rules("<nav><a href='/km'>Chương trình khuyến mãi</a></nav><p>Áo thun</p>") == []


def test_news_page_not_judged() -> None:
    assert _rules("<h2>Chương trình khuyến mãi lớn nhất năm sắp diễn ra</h2>", signals=VN_NEWS) == []


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        ("Từ 20/11 đến 30/11/2026", ["20/11", "30/11/2026"]),
        ("ngày 5 tháng 12", ["ngày 5 tháng 12"]),
        ("20.11.2026 và 2026-11-30", ["20.11.2026", "2026-11-30"]),
        ("Giá 1.500.000đ, giảm 50%, hotline 0901.234.567, size 36/37", []),
        ("1.5 triệu", []),
    ],
)
def test_find_dates(text: str, dates: list[str]) -> None:
    assert find_dates(text) == dates


def test_prose_about_promotion_programs_is_no_announcement() -> None:
    prose = ("<p>Bộ Công Thương chủ động phối hợp với các cơ quan liên quan tăng cường kiểm tra, giám sát các "
             "chương trình khuyến mại trong dịp cuối năm để bảo vệ quyền lợi người tiêu dùng trên cả nước.</p>")
    assert _rules(prose) == []


# --- what a reviewer needs about a lucky draw: the confirmation number, a public draw ------------------------

def _lucky(body: str, on: str = "2026-11-23"):
    (finding,) = [f for f in detect(make_page(body + DATES), ctx(on)) if f.rule == "PROMO-LUCKY-REG"]
    return finding


def test_no_public_draw_described() -> None:
    finding = _lucky("<p>Vòng quay may mắn: quay là trúng</p>")
    ev = finding.evidence
    assert ev["confirmation_number"] is None and ev["public_draw_stated"] is False
    assert ev["online_witness_counts"] is True  # Decree 239/2026: in person or online
    assert "does not say the draw is held in public" in finding.message and "in person or online" in finding.message


def test_online_draw_described() -> None:
    finding = _lucky("<p>Mã dự thưởng trên mỗi hóa đơn.</p>"
                     "<p>Quay số xác định trúng thưởng công khai, livestream trên fanpage Demo ngày 05/12/2026.</p>")
    ev = finding.evidence
    assert ev["public_draw_stated"] is True and ev["public_draw_online"] is True
    assert "livestream" in ev["public_draw_text"]


def test_online_only_draw_before_decree_239_is_noted() -> None:
    finding = _lucky("<p>Mã dự thưởng trên mỗi hóa đơn.</p><p>Quay số trúng thưởng phát trực tiếp trên Facebook.</p>",
                     on="2026-05-10")
    assert finding.evidence["online_witness_counts"] is False
    assert "online witnessing counts only from 26/06/2026" in finding.message


def test_reference_and_number_in_evidence_when_spot_checked(tmp_path) -> None:
    rulebook = rulebook_with(tmp_path, "promotions.toml", "flag_when_reference_shown = false",
                             "flag_when_reference_shown = true")
    page = make_page("<p>Quay số trúng thưởng xe máy. Công văn số 1234/XTTM-KM. Quay số có sự chứng kiến của "
                     "khách hàng tại trụ sở công ty.</p>" + DATES)
    (finding,) = [f for f in detect(page, ctx(), rulebook=rulebook) if f.rule == "PROMO-LUCKY-REG"]
    assert finding.evidence["confirmation_number"] == "1234/XTTM-KM"
    assert finding.evidence["public_draw_stated"] is True and finding.evidence["public_draw_online"] is False
