"""PROMO-BANNED-GOODS: the goods table (traps included) and the promotion requirement."""

from __future__ import annotations

from decimal import Decimal

import pytest

from detectors.engine import detect
from detectors.rules.goods import classify

from .helpers import VN_NEWS, ctx, make_page, offer


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
    import shutil

    from detectors.rulebook import BUNDLED_RULES_DIR, load_rulebook

    rules_dir = tmp_path / "rules"
    shutil.copytree(BUNDLED_RULES_DIR, rules_dir)
    path = rules_dir / "promotions.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("flag_ecig_without_promotion = false",
                                                             "flag_ecig_without_promotion = true"), encoding="utf-8")
    page = make_page("<p>Shop</p>", offers=[offer("Vape pod Relx", "490000"), offer("Rượu Chivas", "900000")])
    findings = [f for f in detect(page, ctx(), rulebook=load_rulebook(rules_dir)) if f.rule == "PROMO-BANNED-GOODS"]
    assert [f.evidence["category"] for f in findings] == ["e-cigarette"]
    assert _banned(page) == []
