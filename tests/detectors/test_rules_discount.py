"""PROMO-DISC-50 and PROMO-GIFT-50 on hand-built pages."""

from __future__ import annotations

from decimal import Decimal

import pytest

from detectors.engine import detect

from .helpers import VN_NEWS, ctx, make_page, offer


def _disc(offers, on: str = "2026-11-23", body: str = "<p>Shop</p>", **extra: object):
    page = make_page(body, offers=offers)
    return [f for f in detect(page, ctx(on, **extra)) if f.rule == "PROMO-DISC-50"]


@pytest.mark.parametrize(
    ("price", "reference", "flagged"),
    [
        ("99000", "199000", True),  # 50.25 %: rounding must not hide it
        ("100000", "200000", False),  # exactly 50 % is not above the cap
        ("100001", "200000", False),
        ("99999", "200000", True),
        ("525000", "1475000", True),
        ("200000", "190000", False),  # "reference" below the price: no discount
        ("0", "199000", False),  # a 0đ gift
    ],
)
def test_threshold_is_strictly_above_half(price: str, reference: str, flagged: bool) -> None:
    assert bool(_disc([offer("Dép", price, reference)])) is flagged


def test_evidence_carries_the_values_compared() -> None:
    (finding,) = _disc([offer("Dép sandal", "99000", "199000")])
    ev = finding.evidence
    assert ev["price"] == "99000" and ev["reference_price"] == "199000"
    assert ev["discount_ratio"] == "0.5025" and ev["threshold"] == "0.5"
    assert ev["window"] is None and ev["snippet"] and ev["css_path"]
    # Judged after 26/06/2026: Circular 39's cap, MOIT's power re-anchored by Decree 239/2026, its standing to confirm.
    assert finding.legal_basis.startswith("Circular 39/2025/TT-BCT Art. 4(1)")
    assert "Art. 32(1)(b) as amended by Decree 239/2026" in finding.legal_basis
    assert finding.uncertain and "Circular 39/2025's standing" in finding.uncertain


def test_before_decree_239_no_doubt_on_the_cap() -> None:
    (finding,) = _disc([offer("Dép", "99000", "199000")], on="2026-03-10")
    assert "Circular 39/2025's standing" not in (finding.uncertain or "")


def test_old_legal_basis_before_circular_39() -> None:
    (finding,) = _disc([offer("Dép", "99000", "199000")], on="2025-03-10")
    assert "Decree 81/2018" in finding.legal_basis


@pytest.mark.parametrize("on", ["2026-01-20", "2027-01-07", "2026-04-26", "2025-11-15", "2025-12-31",
                                "2026-11-24"])  # 24/11: Vietnam Culture Day, a holiday from 2026
def test_silent_inside_concentrated_windows(on: str) -> None:
    assert _disc([offer("Dép", "99000", "199000")], on=on) == []


def test_unconfirmed_window_flags_with_uncertainty() -> None:
    (finding,) = _disc([offer("Dép", "99000", "199000")], on="2026-09-03")
    assert "Quốc khánh: adjacent day" in (finding.uncertain or "")


def test_provincial_window_needs_the_province(tmp_path) -> None:
    from detectors.rulebook import load_rulebook

    extra = tmp_path / "hn.toml"
    extra.write_text('[[window]]\nid = "hn"\nname = "Hà Nội"\nscope = "province:01"\nstart = 2026-11-01\n'
                     'end = 2026-11-30\nsource_decision = "UBND"\nconfidence = "S1"\n', encoding="utf-8")
    rulebook = load_rulebook(calendar_files=[extra])
    page = make_page("<p>Shop</p>", offers=[offer("Dép", "99000", "199000")])

    def flagged(province: str) -> bool:
        return any(f.rule == "PROMO-DISC-50" for f in detect(page, ctx("2026-11-20", province=province), rulebook=rulebook))

    assert not flagged("01")
    assert flagged("79")


@pytest.mark.parametrize(
    "flag", ["instalment", "member_price", "combo", "per_unit", "shipping_fee", "voucher", "accessory", "gift"]
)
def test_flagged_offers_are_skipped(flag: str) -> None:
    assert _disc([offer("Dép", "99000", "199000", context_flags=frozenset({flag}))]) == []


def test_foreign_currency_skipped() -> None:
    assert _disc([offer("Shoes", "60", "150", currency="USD")]) == []


def test_stated_percent_without_reference() -> None:
    (finding,) = _disc([offer("Serum", "525000", None, stated_discount_percent=Decimal(64), discount_text="-64%")])
    assert finding.evidence["measured_by"] == "stated_percent"


def test_up_to_percent_is_not_a_discount() -> None:
    up_to = offer("Sale", "100000", None, stated_discount_percent=Decimal(70), discount_text="Giảm đến 70%")
    flagged = offer("Sale", "100000", None, stated_discount_percent=Decimal(70), stated_discount_up_to=True)
    assert _disc([up_to]) == [] and _disc([flagged]) == []


def test_fresh_food_and_clearance_exempt() -> None:
    assert _disc([offer("Thịt bò tươi sống 500g", "99000", "250000")]) == []
    assert _disc([offer("Áo", "99000", "250000")], body="<p>Thanh lý toàn bộ do giải thể công ty</p>") == []


def test_same_product_twice_one_finding() -> None:
    twice = [offer("Bàn chải điện", "390000", "990000"), offer("Bàn chải điện", "390000", "990000", css_path="x")]
    assert len(_disc(twice)) == 1


def test_not_vietnamese_facing_page() -> None:
    from detectors.types import Signals

    page = make_page("<p>x</p>", offers=[offer("Dép", "99000", "199000")],
                     signals=Signals(False, (), True, ("cart",), False, ()))
    assert [f for f in detect(page, ctx()) if f.rule == "PROMO-DISC-50"] == []


# --- gifts ---------------------------------------------------------------------------------

def _gift(body: str, offers, on: str = "2026-11-23"):
    page = make_page(body, offers=offers)
    return [f for f in detect(page, ctx(on)) if f.rule == "PROMO-GIFT-50"]


def test_gift_above_half_of_price() -> None:
    (finding,) = _gift("<p>Tặng kèm bình nước trị giá 3.500.000đ</p>", [offer("Máy lọc nước", "4990000")])
    assert finding.evidence["gift_value"] == "3500000" and finding.evidence["reference_price"] == "4990000"


def test_gift_compared_with_pre_promotion_price() -> None:
    # 600.000 is 60 % of the sale price but 40 % of the struck price: the cap uses the latter.
    assert _gift("<p>Tặng loa trị giá 600.000đ</p>", [offer("Tivi", "1000000", "1500000")]) == []


@pytest.mark.parametrize(
    "body",
    [
        "<p>Tặng muỗng trị giá 0đ</p>",
        "<p>Tặng kèm cáp sạc trị giá 150.000đ</p>",
        "<p>Giải nhất quay số: xe máy trị giá 30 triệu</p>",  # a prize, not a gift with purchase
        "<nav><a>Quà tặng trị giá 5 triệu</a></nav>",
    ],
)
def test_gifts_not_flagged(body: str) -> None:
    assert _gift(body, [offer("Máy lọc nước", "1000000")]) == []


def test_gift_inside_tet_window_allowed() -> None:
    assert _gift("<p>Tặng kèm bình nước trị giá 3.500.000đ</p>", [offer("Máy lọc", "4990000")], on="2027-01-20") == []


def test_gift_ambiguous_product_not_guessed() -> None:
    offers = [offer("Máy A", "1000000", css_path="html > body > div.grid > div:nth-of-type(1)"),
              offer("Máy B", "8000000", css_path="html > body > div.grid > div:nth-of-type(2)")]
    assert _gift("<p>Tặng quà trị giá 900.000đ</p>", offers) == []


def test_gift_needs_vietnamese_facing_page() -> None:
    from detectors.types import Signals

    page = make_page("<p>Tặng kèm trị giá 3.500.000đ</p>", offers=[offer("Máy lọc", "4990000")],
                     signals=Signals(False, (), True, ("cart",), False, ()))
    assert [f for f in detect(page, ctx()) if f.rule == "PROMO-GIFT-50"] == []


def test_gift_headline_read_as_offer_is_not_the_promoted_item() -> None:
    # The page model may read "TẶNG SERUM TRỊ GIÁ 1.200.000 Đ" as an offer of 1.200.000: comparing
    # the gift with itself would always be 100 %.
    headline = "GIẢM TỚI 50% + TẶNG SERUM TRỊ GIÁ 1.200.000 Đ"
    offers = [offer(headline, "1200000", snippet=headline), offer("Liệu trình 2 hộp", "3000000")]
    assert _gift(f"<h3>{headline}</h3>", offers) == []
