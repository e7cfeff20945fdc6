"""Offers in the markup of page builders and of shops that label prices in separate elements.

Struck prices by stylesheet rules, pairs by the section two text boxes share, pack tiers with their
own struck price, and amounts that are not a selling price: savings, per-day amounts, down payments.
"""

from __future__ import annotations

from decimal import Decimal

from detectors.page import parse_page
from detectors.types import Offer


def offers_in(body: str, head: str = "") -> tuple[Offer, ...]:
    html = f"<html lang='vi'><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>"
    return parse_page(html, "https://demo-shop.vn/").offers


def pairs(offers: tuple[Offer, ...]) -> list[tuple[int, int | None]]:
    return [(int(o.price or 0), int(o.reference_price) if o.reference_price is not None else None) for o in offers]


def box(box_id: str, text: str) -> str:
    return f'<div id="{box_id}" class="ladi-element"><h3 class="ladi-headline">{text}</h3></div>'


def group(*boxes: str) -> str:
    return f'<div class="ladi-element"><div class="ladi-group">{"".join(boxes)}</div></div>'


STRIKE_H1_H5 = "<style>#H1 > .ladi-headline, #H5 > .ladi-headline { text-decoration-line: line-through }</style>"


def test_a_bare_amount_struck_by_a_stylesheet_rule_is_the_reference() -> None:
    offers = offers_in(group(box("H1", "1.180.000"), box("H2", "399.000 VNĐ")), STRIKE_H1_H5)
    (offer,) = offers
    assert pairs(offers) == [(399000, 1180000)] and offer.reference_basis == "struck"


def test_without_the_rule_two_bare_boxes_are_no_pair() -> None:
    assert pairs(offers_in(group(box("H1", "1.180.000"), box("H2", "399.000 VNĐ")))) == [(399000, None)]


def test_text_boxes_split_by_headings_pair_by_the_group_they_share() -> None:
    body = group(box("H3", "Tặng 1"), '<div class="ladi-element"><p>Trị giá<br><b>1.200.000đ</b></p></div>',
                 box("H4", "2.980.000Đ"), box("H5", "Giá gốc: <span>6.000.000đ</span>"),
                 box("H6", "Miễn phí giao hàng toàn quốc"))
    offers = offers_in(body, STRIKE_H1_H5)
    (pack,) = [o for o in offers if o.reference_price is not None]
    assert (pack.price, pack.reference_price, pack.paired_by) == (Decimal(2980000), Decimal(6000000), "section")
    (gift,) = [o for o in offers if o.price == Decimal(1200000)]
    assert "gift" in gift.context_flags  # "Trị giá<br>1.200.000đ": a gift value, not a rival price


def test_a_section_with_two_candidate_prices_pairs_nothing() -> None:
    body = group(box("H7", "Giảm sâu"), box("H5", "6.000.000đ"), box("H8", "Chọn gói"), box("H9", "2.980.000đ"),
                 box("H10", "Mua nhiều"), box("H11", "3.500.000đ"))
    assert all(o.reference_price is None for o in offers_in(body, STRIKE_H1_H5))


def test_of_several_prices_in_a_section_the_one_placed_clearly_nearest_is_the_partner() -> None:
    body = group(box("H7", "Giảm sâu"), box("H5", "6.000.000đ"), box("H8", "Chọn gói"), box("H9", "2.980.000đ"),
                 box("H10", "Mua nhiều"), box("H11", "3.500.000đ"))
    placed = STRIKE_H1_H5 + "<style>#H5{width:120px;top:352px;left:128px}#H9{top:390px;left:120px}" \
        "#H11{top:120px;left:20px}</style>"
    assert [(o.price, o.paired_by) for o in offers_in(body, placed) if o.reference_price] == [(Decimal(2980000), "section")]
    tied = STRIKE_H1_H5 + "<style>#H5{top:300px;left:100px}#H9{top:340px;left:100px}#H11{top:260px;left:100px}</style>"
    assert all(o.reference_price is None for o in offers_in(body, tied))


def test_a_labelled_amount_is_no_partner_for_a_struck_price_in_its_section() -> None:
    body = group(box("H12", "Máy lọc nước Demo"), box("H5", "6.000.000đ"), box("H14", "Dịch vụ kèm theo"),
                 box("H13", "Bảo trì định kỳ 300.000đ"))
    assert all(o.reference_price is None for o in offers_in(body, STRIKE_H1_H5))


def test_a_fee_is_never_the_price_a_struck_price_pairs_with() -> None:
    body = '<div class="item"><h3 class="name">Máy lạnh Demo</h3><del>12.000.000₫</del> <p>Phí lắp đặt 300.000₫</p></div>'
    (fee,) = offers_in(body)
    assert fee.reference_price is None and "fee" in fee.context_flags


def test_a_struck_price_beside_another_product_pair_is_not_adopted() -> None:
    body = group(
        box("H5", "6.000.000đ"),
        '<div class="card"><h3 class="name">Máy B</h3><del>2.000.000đ</del> <ins>1.500.000đ</ins></div>',
    )
    offers = offers_in(body, STRIKE_H1_H5)
    assert pairs(offers) == [(1500000, 2000000)]


def test_a_pack_with_its_own_struck_price_counts_and_a_sum_of_singles_does_not() -> None:
    body = """<div class="item"><h3 class="product-name">Combo 3 hộp Trà Demo</h3><del>1.500.000₫</del> <ins>690.000₫</ins></div>
    <div class="item"><h3 class="product-name">Combo 2 hộp Cà phê Demo</h3>
      <p>Giá lẻ 2 hộp: <span class="compare-price">900.000₫</span></p><p>Giá combo: <span class="price">390.000₫</span></p></div>
    <div class="item"><h3 class="product-name">Mua 2 tặng 1 Trà xanh Demo</h3><del>600.000₫</del> <ins>250.000₫</ins></div>"""
    flags = {o.name: o.context_flags for o in offers_in(body)}
    assert flags == {"Combo 3 hộp Trà Demo": frozenset(), "Combo 2 hộp Cà phê Demo": frozenset({"combo"}),
                     "Mua 2 tặng 1 Trà xanh Demo": frozenset({"combo"})}


def test_a_savings_statement_in_its_own_element_is_an_amount_off() -> None:
    body = """<div class="product"><h1 class="product-title">Tivi Demo 55 inch</h1>
      <del>12.990.000₫</del><div class="save"><span>Tiết kiệm</span><strong>4.000.000₫</strong></div>
      <div class="now"><strong>8.990.000₫</strong></div></div>"""
    (offer,) = offers_in(body)
    assert pairs((offer,)) == [(8990000, 12990000)] and offer.discount_text == "4.000.000₫"


def test_per_day_amounts_and_down_payments_are_instalments() -> None:
    body = """<div class="product"><h1 class="product-title">Máy lọc nước Demo</h1><p>Giá gốc: <del>12.990.000₫</del></p>
      <div><span>Mỗi ngày chỉ</span> <b>24.600₫</b></div><div><span>Trả trước</span> <b>0₫</b></div>
      <p>Chỉ còn 28.000đ mỗi ngày</p></div>"""
    offers = offers_in(body)
    assert [o for o in offers if o.reference_price is not None] == []
    assert all("instalment" in o.context_flags for o in offers if o.price in (Decimal(24600), Decimal(28000)))


def test_a_label_element_that_says_more_than_a_label_is_not_one() -> None:
    body = """<div class="item"><h3 class="name">Nồi cơm Demo</h3><del>1.000.000₫</del>
      <div>Giảm giá sốc hôm nay</div><div class="price">450.000₫</div></div>"""
    assert pairs(offers_in(body)) == [(450000, 1000000)]


def test_offer_cards_record_where_their_links_lead() -> None:
    body = """<div class="deal"><a href="/go/?url=https%3A%2F%2Fshopee.vn%2Fa">Tai nghe</a><del>990.000₫</del> <b>290.000₫</b></div>
    <div class="deal"><a href="https://tiki.vn/b?spid=1">Sạc</a><del>650.000₫</del> <b>199.000₫</b></div>
    <div class="deal"><a href="/san-pham/c">Bình</a><del>350.000₫</del> <b>129.000₫</b></div>"""
    assert [o.link_hosts for o in offers_in(body)] == [("shopee.vn",), ("tiki.vn",), ("",)]
