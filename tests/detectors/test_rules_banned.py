"""PROMO-BANNED-GOODS: the goods table (traps included) and the promotion requirement."""

from __future__ import annotations

from decimal import Decimal

import pytest

from detectors.engine import detect
from detectors.rules.goods import Limits, classify

from .helpers import VN_NEWS, ctx, make_page, offer, rulebook_with


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Rượu Chivas Regal 18 năm 700ml", "alcohol"),
        ("Whisky Macallan 12", "alcohol"),
        ("Rượu nếp cái hoa vàng 40 độ", "alcohol"),
        ("Rượu 40°", "alcohol"),
        ("Soju Jinro 16.9%vol", "alcohol"),
        ("Rượu vang Port ABV 19%", "alcohol"),
        ("Rượu vang nồng độ cồn 15%", "alcohol"),
        ("Rượu vang đỏ Chile 13.5%", None),  # wine below 15 %
        ("Bia Heineken 5% thùng 24 lon", None),  # beer
        ("Máy nước nóng 40 độ C", None),  # temperature
        ("Nước mắm 40 độ đạm", None),  # protein strength, no alcohol word
        ("Thuốc lá Marlboro đỏ", "tobacco"),
        ("Xì gà Cohiba", "tobacco"),
        ("Kẹo cai thuốc lá Nicorette", None),
        ("Thuốc lá điện tử Relx Infinity", "e-cigarette"),
        ("Vape pod system 2ml", "e-cigarette"),
        ("IQOS ILUMA", "e-cigarette"),
        ("Tai nghe AirPods Pro", None),
        ("Sữa bột Aptamil số 1 (0-6 tháng) 800g", "breast-milk-substitute"),
        ("Sữa công thức 6 - 12 tháng", "breast-milk-substitute"),
        ("Sữa Meiji số 9 (1 - 3 tuổi)", "breast-milk-substitute"),
        ("Sữa bột Similac cho trẻ sơ sinh", "breast-milk-substitute"),
        ("Sữa bột Friso Gold 4 trên 24 tháng", None),
        ("Sữa Dielac Grow 3+", None),
        ("Sữa Similac IQ số 4 (2 - 6 tuổi)", None),
        ("Sữa tắm cho bé 0-12 tháng", None),
        ("Sữa rửa mặt cho da nhạy cảm", None),
        ("Sữa bột người lớn Ensure", None),  # no age
        ("Bột ăn dặm Nestlé từ 4 tháng", "complementary-food"),
        ("Bột ăn dặm từ 6 tháng", None),
        ("Bình sữa Pigeon 240ml", "feeding-bottle-or-teat"),
        ("Núm ti silicon size M", "feeding-bottle-or-teat"),
        ("Máy hâm bình sữa", None),
        ("Máy tiệt trùng bình sữa UV", None),
        ("Thuốc Zopiclone 7.5mg", "medicine"),
        ("Thuốc cần kê toa: Có", "medicine"),
        ("Paracetamol 500mg hộp 10 vỉ", "medicine"),
        ("Thuốc X hộp 10 vỉ x 10 viên nén", "medicine"),
        ("Thuốc nhuộm tóc Garnier", None),
        ("Thuốc diệt muỗi Raid", None),
        ("Thuốc trị ve cho chó", None),
        ("Thực phẩm này không phải là thuốc, không có tác dụng thay thế thuốc chữa bệnh", None),
        ("Vé số kiến thiết miền Nam", "lottery-ticket"),
        ("Vé xem phim CGV", None),
    ],
)
def test_goods_table(text: str, category: str | None) -> None:
    found = [m.category for m in classify(text)]
    assert found == ([category] if category else [])


def _banned(page):
    return [f for f in detect(page, ctx()) if f.rule == "PROMO-BANNED-GOODS"]


def test_discounted_spirit_flagged() -> None:
    (finding,) = _banned(make_page("<p>Shop</p>", offers=[offer("Rượu Chivas 18", "1690000", "1890000")]))
    assert finding.evidence["category"] == "alcohol" and finding.evidence["term"] == "Chivas"
    assert finding.evidence["price"] == "1690000"


def test_plain_price_is_no_promotion() -> None:
    assert _banned(make_page("<p>Shop</p>", offers=[offer("Rượu Chivas 18", "1690000")])) == []


def test_discount_label_counts_as_promotion() -> None:
    page = make_page("<p>Shop</p>", offers=[offer("Vape pod Relx", "490000", discount_text="-29%",
                                                  stated_discount_percent=Decimal(29))])
    assert [f.evidence["category"] for f in _banned(page)] == ["e-cigarette"]


def test_instalment_offer_skipped() -> None:
    page = make_page("<p>Shop</p>", offers=[offer("Rượu Hennessy VSOP", "1000000", "1200000",
                                                  context_flags=frozenset({"instalment"}))])
    assert _banned(page) == []


def test_gift_sentence_with_banned_goods() -> None:
    page = make_page("<p>Mua 2 thùng nước ngọt tặng 1 gói thuốc lá</p>")
    (finding,) = _banned(page)
    assert finding.evidence["category"] == "tobacco" and "tặng" in finding.evidence["promotion"]
    assert finding.evidence["snippet"] == "Mua 2 thùng nước ngọt tặng 1 gói thuốc lá"


def test_menu_and_prose_ignored() -> None:
    page = make_page("<nav><a>Khuyến mãi</a> <a>Rượu Whisky</a></nav>")
    assert _banned(page) == []


def test_news_page_sentences_ignored() -> None:
    page = make_page("<p>Giảm tác hại của thuốc lá: giảm 20% người hút thuốc lá</p>", signals=VN_NEWS)
    assert _banned(page) == []


def test_ecig_without_promotion_switch(tmp_path) -> None:
    rulebook = rulebook_with(tmp_path, "promotions.toml", "flag_ecig_without_promotion = false",
                             "flag_ecig_without_promotion = true")
    page = make_page("<p>Shop</p>", offers=[offer("Vape pod Relx", "490000"), offer("Rượu Chivas", "900000")])
    findings = [f for f in detect(page, ctx(), rulebook=rulebook) if f.rule == "PROMO-BANNED-GOODS"]
    assert [f.evidence["category"] for f in findings] == ["e-cigarette"]
    assert _banned(page) == []


# --- medicines: every medicine for humans until 25/06/2026, prescription drugs from 26/06/2026 -----------------

@pytest.mark.parametrize(
    ("text", "prescription"),
    [
        ("Thuốc cần kê toa: Có", "yes"),
        ("Thuốc kê đơn Augmentin 1g", "yes"),
        ("Rx - Thuốc bán theo đơn", "yes"),
        ("Sản phẩm này chỉ bán khi có chỉ định của bác sĩ. Thuốc ngủ", "yes"),
        ("Thuốc Zopiclone 7.5mg", "yes"),  # a prescription-only active ingredient
        ("Viên nén Amoxicillin 500mg", "yes"),
        ("Thuốc cần kê toa: Không. Paracetamol 500mg", "no"),
        ("Thuốc không kê đơn - thuốc ho Prospan siro", "no"),
        ("Paracetamol 500mg hộp 10 vỉ", "unknown"),
        ("SĐK: VD-12345-18 thuốc Hapacol", "unknown"),  # a drug registration number
    ],
)
def test_prescription_status(text: str, prescription: str) -> None:
    (match,) = classify(text)
    assert match.category == "medicine" and match.detail["prescription"] == prescription
    narrowed = classify(text, Limits(medicines="prescription"))
    assert [m.category for m in narrowed] == (["medicine"] if prescription == "yes" else [])


@pytest.mark.parametrize(
    "text",
    [
        "Giảm 20% cho đơn hàng đầu tiên (không áp dụng cho thuốc kê đơn)",  # medicines left out of the offer
        "Nhà thuốc không bán thuốc kê đơn qua mạng",
        "Thực phẩm bảo vệ sức khỏe Ginkgo 120mg viên nang, thuốc bổ não",  # a supplement
        "Bán theo đơn hàng tối thiểu 500.000đ",  # "theo đơn hàng": per order, not per prescription
    ],
)
def test_not_a_medicine_promotion(text: str) -> None:
    assert [m.category for m in classify(text)] == []


def test_otc_medicine_promotion_depends_on_the_date() -> None:
    page = make_page("<p>Shop</p>", offers=[offer("Thuốc ho Prospan siro 100ml", "89000", "120000")])
    before = [f for f in detect(page, ctx("2026-06-25")) if f.rule == "PROMO-BANNED-GOODS"]
    after = [f for f in detect(page, ctx("2026-06-26")) if f.rule == "PROMO-BANNED-GOODS"]
    assert [f.evidence["prescription"] for f in before] == ["unknown"] and after == []


def test_bad_medicine_scope_names_the_key(tmp_path) -> None:
    from detectors.rulebook import RulebookError

    rulebook = rulebook_with(tmp_path, "promotions.toml", 'medicines = "prescription"', 'medicines = "rx"')
    page = make_page("<p>Shop</p>", offers=[offer("Rượu Chivas 18", "1690000", "1890000")])
    with pytest.raises(RulebookError, match=r"PROMO-BANNED-GOODS\): key 'thresholds.medicines'"):
        detect(page, ctx(), rulebook=rulebook)


# --- goods used as the promotion --------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "role"),
    [
        ("Mua 2 thùng nước ngọt tặng 1 gói thuốc lá", "used as promotion"),
        ("Mua tã tặng 1 lon sữa bột Aptamil số 1 (0-6 tháng)", "used as promotion"),
        ("Quay số trúng thưởng: giải nhất 1 chai Chivas 18", "used as promotion"),
        ("Giảm 20% rượu Chivas 18 năm", "promoted"),
        ("Sữa bột Aptamil số 1 (0-6 tháng) giảm 50.000đ", "promoted"),
    ],
)
def test_role_of_the_goods(text: str, role: str) -> None:
    (finding,) = _banned(make_page(f"<p>{text}</p>"))
    assert finding.evidence["role"] == role
    assert ("used as a gift or prize" in finding.message) is (role == "used as promotion")


# --- the product's fact sheet in its buy box (templates whose names and prices come from code) -------------

SHEET = ("<table><tr><th>Hoạt chất</th><td>Azithromycin 500mg</td></tr>"
         "<tr><th>Thuốc cần kê toa</th><td>Có</td></tr></table>")


def test_sheet_in_a_buy_box_with_a_discount() -> None:
    body = f"<div class='info'><span class='badge'>-25%</span>{SHEET}<button>Mua ngay</button></div>"
    (finding,) = _banned(make_page(body))
    assert finding.evidence["term"] == "Azithromycin" and finding.evidence["snippet"] == "-25%"
    assert "Hoạt chất Azithromycin 500mg" in finding.evidence["product_sheet"]


def test_promotion_outside_the_buy_box_is_not_the_products() -> None:
    body = (f"<div class='info'>{SHEET}<button>Mua ngay</button></div>"
            "<div class='related'><span>-15%</span><p>Vitamin C</p></div>")
    assert _banned(make_page(body)) == []


def test_sheet_without_a_buy_control_is_not_judged() -> None:
    assert _banned(make_page(f"<div class='info'><span>-25%</span>{SHEET}</div>")) == []


def test_a_grid_of_products_is_not_one_buy_box() -> None:
    cards = "".join(f"<div class='card'><p>SP {i}</p><button>Thêm vào giỏ</button></div>" for i in range(5))
    body = f"<div class='listing'><span>-25%</span><div>{SHEET}</div>{cards}</div>"
    assert _banned(make_page(body)) == []
