"""Offers: structured data first, then prices read from the DOM and paired per product card.

Fixtures are hand-written pages under ``tests/fixtures/pages_model/``; each one names the
corpus item whose markup it imitates.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from detectors.page.offers import dedupe, structured_offers
from detectors.page import parse_page
from detectors.types import Offer

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "pages_model"


def offers_of(case: str, url: str = "https://demo-shop.vn/") -> tuple[Offer, ...]:
    return parse_page((FIXTURES / f"{case}.html").read_bytes(), url).offers


def offers_in(body: str) -> tuple[Offer, ...]:
    html = f"<html lang='vi'><head><meta charset='utf-8'></head><body>{body}</body></html>"
    return parse_page(html, "https://demo-shop.vn/").offers


def by_name(offers: tuple[Offer, ...], name: str) -> list[Offer]:
    return [o for o in offers if o.name == name]


def prices(offers: tuple[Offer, ...] | list[Offer]) -> list[tuple[Decimal | None, Decimal | None]]:
    return [(o.price, o.reference_price) for o in offers]


def d(value: int | str) -> Decimal:
    return Decimal(value)


# --- themes -------------------------------------------------------------------------------


def test_sapo_cards_pair_price_with_compare_price() -> None:
    offers = offers_of("sapo_listing")
    (serum,) = by_name(offers, "Dầu dưỡng tóc Demo Horse Oil 80ml")  # listed twice, kept once
    assert (serum.price, serum.reference_price, serum.currency) == (d(99000), d(139000), "VND")
    assert serum.source == "dom"
    assert serum.reference_basis == "class"
    assert (serum.discount_text, serum.stated_discount_percent) == ("-29%", d(29))
    assert serum.price_text == "99.000₫" and serum.reference_price_text == "139.000₫"
    assert "99.000₫" in serum.snippet and serum.css_path and serum.css_path.startswith("html > body")


def test_sapo_discount_in_brackets_and_above_half() -> None:
    (pills,) = by_name(offers_of("sapo_listing"), "Viên uống bổ mắt Demo 120 viên")
    assert prices([pills]) == [(d(525000), d(1475000))]
    assert pills.stated_discount_percent == d(64)


def test_sapo_combo_with_its_own_compare_price_and_contact_price() -> None:
    offers = offers_of("sapo_listing")
    (combo,) = by_name(offers, "Combo Dầu gội và Dầu xả Demo 490ml")
    # A combo shown with its own compare-at price is a sale like any other (labelling policy:
    # pack tiers with their own struck price count); only a sum of single prices is no reference.
    assert prices([combo]) == [(d(415000), d(455000))] and "combo" not in combo.context_flags
    (shampoo,) = by_name(offers, "Dầu gội khô Demo Dry Shampoo 200ml")
    assert prices([shampoo]) == [(d(195000), None)]
    assert by_name(offers, "Máy sấy tóc Demo chuyên nghiệp") == []  # "Liên hệ": no price


def test_woocommerce_del_ins_with_screen_reader_copies() -> None:
    offers = offers_of("woocommerce_product")
    (main,) = by_name(offers, "Bếp từ đôi Demo DM-88")
    assert prices([main]) == [(d(12192000), d(13590000))]
    assert main.reference_basis == "struck"
    (related,) = by_name(offers, "Bếp từ Demo TR95")  # the "Brand" attribute label is no name
    assert prices([related]) == [(d(11242500), d(14990000))]
    assert related.discount_text == "-25%"
    (plain,) = by_name(offers, "Bếp hồng ngoại Demo HL22")
    assert prices([plain]) == [(d(2080000), None)]


def test_woocommerce_json_ld_price_only_offer_yields_to_the_dom_pair() -> None:
    offers = offers_of("woocommerce_product")
    assert [o.source for o in by_name(offers, "Bếp từ đôi Demo DM-88")] == ["dom"]


def test_electronics_cards_entity_sign_badge_and_instalment_label() -> None:
    offers = offers_of("electronics_cards")
    (washer,) = by_name(offers, "Máy giặt Demo Inverter 8.5 kg")
    assert prices([washer]) == [(d(8840000), d(12190000))]
    assert washer.stated_discount_percent == d(27)
    assert washer.context_flags == frozenset()  # the "Trả góp 0%" label is not about this price


def test_monthly_instalment_is_flagged_not_paired() -> None:
    tv = by_name(offers_of("electronics_cards"), "Smart Tivi Demo 4K 55 inch")
    assert sorted(prices(tv)) == [(d(1200000), None), (d(10990000), None)]
    (monthly,) = [o for o in tv if o.price == d(1200000)]
    assert {"instalment", "price_from"} <= monthly.context_flags


def test_gift_value_beside_a_product_is_flagged_and_takes_no_badge() -> None:
    juicer = by_name(offers_of("electronics_cards"), "Máy ép chậm Demo JR-319")
    (pair,) = [o for o in juicer if o.reference_price is not None]
    (gift,) = [o for o in juicer if o.reference_price is None]
    assert prices([pair]) == [(d(690000), d(1200000))] and pair.discount_text == "-42%"
    assert gift.price == d(200000) and "gift" in gift.context_flags and gift.discount_text is None


def test_price_filter_links_are_not_offers() -> None:
    offers = offers_of("electronics_cards")
    assert all(o.price != d(5000000) for o in offers)  # "Giá dưới 5 triệu"
    for offer in offers:  # "Giá từ 5 - 10 triệu": if read at all, never as a plain price
        if offer.price == d(10000000):
            assert "price_range" in offer.context_flags


def test_oldprice_of_used_phones_is_not_a_reference() -> None:
    offers = offers_of("used_phone_trap")
    (used,) = by_name(offers, "Điện thoại Demo S10")
    assert used.price == d(10110000)
    assert used.reference_price is None
    assert {"second_hand", "price_from"} <= used.context_flags
    (new,) = by_name(offers, "Demo Note 9S")
    assert prices([new]) == [(d(5990000), None)] and new.discount_text is None  # "giảm 40%" is a gift's


def test_plain_price_class_beside_marked_sale_price_is_an_inferred_reference() -> None:
    offers = offers_of("inverted_price_class")
    (serum,) = by_name(offers, "Serum Demo Niacinamide 10% + Zinc 1%")
    assert prices([serum]) == [(d(180000), d(247000))]
    assert serum.reference_basis == "inferred"
    assert (serum.discount_text, serum.stated_discount_percent) == ("30% OFF", d(30))
    (toner,) = by_name(offers, "Nước hoa hồng Demo Toner")  # equal prices: no reference
    assert prices([toner]) == [(d(89000), None)]


def test_landing_page_labels_inline_strike_and_malformed_prices() -> None:
    offers = offers_of("landing_labels")
    (blender,) = by_name(offers, "Máy xay Demo cối thủy tinh 1,2L")
    assert prices([blender]) == [(d(589000), d(750000))] and blender.reference_basis == "label"
    (course,) = by_name(offers, "Liệu trình 2 hộp Demo")
    assert prices([course]) == [(d(1650000), d(3000000))] and course.reference_basis == "struck"
    # A course of two boxes with its own struck price is a pair in its own right (pack tiers count).
    assert course.stated_discount_percent == d(45) and "combo" not in course.context_flags
    assert all(o.price != d(890) for o in offers)  # "890.00Đ/ HỘP" is left out
    (gift,) = [o for o in offers if o.price == d(1200000)]
    assert "gift" in gift.context_flags


def test_up_to_banner_yields_no_offer() -> None:
    offers = offers_of("landing_labels")
    assert not any(o.stated_discount_percent == d(70) for o in offers)
    assert offers_in("<div class='banner'><h2>Giảm đến 70% toàn bộ cửa hàng</h2></div>") == ()


@pytest.mark.parametrize(
    ("name", "price", "reference", "flag"),
    [
        ("Sữa bột Demo Gold 900g", 468000, None, "member_price"),
        ("Nồi chiên không dầu Demo 5L", 300000, None, "voucher"),
        ("Nồi chiên không dầu Demo 5L", 30000, None, "shipping_fee"),
        ("Điện thoại Demo A15 128GB", 49000, None, "accessory"),
        ("Nước ngọt Demo lon 330ml", 10000, 240000, "per_unit"),
        ("Khẩu trang Demo 3 lớp", 0, None, "gift"),
        ("Áo thun Demo nhiều size", 150000, None, "price_range"),
    ],
)
def test_trap_prices_carry_their_flag(name: str, price: int, reference: int | None, flag: str) -> None:
    matching = [o for o in by_name(offers_of("price_traps"), name) if o.price == d(price)]
    assert len(matching) == 1
    assert matching[0].reference_price == (d(reference) if reference is not None else None)
    assert flag in matching[0].context_flags


def test_trap_cards_keep_their_plain_price_unflagged() -> None:
    offers = offers_of("price_traps")
    plain = {(o.name, o.price, o.reference_price) for o in offers if not o.context_flags}
    assert ("Sữa bột Demo Gold 900g", d(520000), None) in plain
    assert ("Nồi chiên không dầu Demo 5L", d(1290000), None) in plain
    assert ("Điện thoại Demo A15 128GB", d(4550000), d(5290000)) in plain
    (phone,) = [o for o in offers if o.reference_price == d(5290000)]
    assert phone.discount_text is None  # the voucher's "giảm 50.000đ" belongs to another card


def test_foreign_currency_and_header_cart_total() -> None:
    offers = offers_of("shopify_usd", url="https://demo-flowers.com/collections/all")
    assert [(o.name, o.price, o.reference_price, o.currency) for o in offers] == [
        ("Flowers Bouquet Pink", d("120.00"), d("150.00"), "USD"),
        ("Glory of the Snow", d("85.00"), d("110.00"), "USD"),
    ]


def test_marketplace_listing_cards() -> None:
    offers = offers_of("marketplace_home")
    assert prices(by_name(offers, "LOA BLUETOOTH DEMO MINI")) == [(d(225000), d(350000))]


def test_news_quotes_are_not_offers() -> None:
    assert offers_of("news_gold_price") == ()


# --- markup variants ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "price_markup",
    [
        "<span class='price'>890.000₫</span> <s>1.290.000₫</s>",
        "<span class='price'>890.000₫</span> <strike>1.290.000₫</strike>",
        "<span class='price'>890.000₫</span> <span style='text-decoration: line-through'>1.290.000₫</span>",
        "<span class='special-price'>890.000₫</span> <span class='regular-price'>1.290.000₫</span>",
        "<span class='price-new'>890.000đ</span> <span class='price-old'>1.290.000đ</span>",
        "<span class='price'>890.000₫</span> <span class='giagoc'>1.290.000₫</span>",
        "<del>1.290.000₫</del> <ins>890.000₫</ins>",
        "<span>Giá gốc:</span> <strong>1.290.000 đ</strong> <span>Giá bán:</span> <strong>890.000 đ</strong>",
        "<p>Giá thị trường: <b>1.290.000đ</b></p><p>Giá khuyến mãi: <b>890.000đ</b></p>",
        "<span class='price'><b>890.000</b><sup>đ</sup></span> <del><b>1.290.000</b><sup>đ</sup></del>",
        "<span class='price'>890.000₫</span> <del class='price'>1.290.000</del>",  # struck, no sign
    ],
)
def test_reference_price_markup_variants(price_markup: str) -> None:
    offers = offers_in(
        f"<div class='product'><h3 class='product-name'>Bàn ủi hơi nước Demo</h3>{price_markup}</div>"
    )
    assert prices(offers) == [(d(890000), d(1290000))]
    assert offers[0].name == "Bàn ủi hơi nước Demo"


def test_two_unmarked_prices_are_ambiguous() -> None:
    body = "<div class='p'><h3>Quạt Demo</h3><span class='a'>890.000₫</span> <span class='b'>1.290.000₫</span></div>"
    assert offers_in(body) == ()


def test_reference_lower_than_price_is_not_a_pair() -> None:
    body = "<div><h3>Quạt Demo</h3><span class='price'>890.000₫</span> <del>790.000₫</del></div>"
    assert prices(offers_in(body)) == [(d(890000), None)]


def test_hidden_prices_are_ignored() -> None:
    body = (
        "<div><h3>Quạt Demo</h3><span class='price'>890.000₫</span>"
        "<div class='d-none'><span class='price-combo'>0 đ</span></div>"
        "<div style='display:none'><del>5.000.000₫</del></div></div>"
    )
    assert prices(offers_in(body)) == [(d(890000), None)]


def test_amount_off_is_not_a_price_but_is_kept_as_discount_text() -> None:
    body = "<div><h3>Quạt Demo</h3><span class='price'>890.000₫</span><span class='tag'>Giảm 400.000₫</span></div>"
    (offer,) = offers_in(body)
    assert (offer.price, offer.reference_price, offer.discount_text) == (d(890000), None, "400.000₫")
    assert offer.stated_discount_percent is None


def test_up_to_badge_is_marked() -> None:
    body = (
        "<div><h3>Quạt Demo</h3><span class='price'>890.000₫</span><del>1.290.000₫</del>"
        "<span class='badge'>Giảm đến 50%</span></div>"
    )
    (offer,) = offers_in(body)
    assert offer.stated_discount_percent == d(50) and offer.stated_discount_up_to is True


def test_prose_prices_and_specs_are_not_offers() -> None:
    body = (
        "<p>Năm 2023 công ty đạt doanh thu 1.200.000.000 đồng, tăng 12% so với cùng kỳ năm trước "
        "nhờ mở rộng thêm ba chi nhánh.</p>"
        "<h3>Smart Tivi Demo 4K 55 inch</h3><table><tr><td>Công suất</td><td>2.000 W</td></tr></table>"
    )
    assert offers_in(body) == ()


# --- structured data ----------------------------------------------------------------------


def test_json_ld_product_offer_graph_and_aggregate() -> None:
    structured = {
        "json-ld": [
            {"@context": "https://schema.org", "@graph": [
                {"@type": "WebSite", "name": "Demo"},
                {"@type": "Product", "name": "Nồi Demo", "offers": {
                    "@type": "Offer", "price": "1290000", "priceCurrency": "VND"}},
            ]},
            {"@type": "Product", "name": "Áo Demo", "offers": {
                "@type": "AggregateOffer", "lowPrice": 150000, "highPrice": "250000.00", "priceCurrency": "vnd"}},
        ]
    }
    offers = structured_offers(structured)
    assert [(o.name, o.price, o.currency, o.source) for o in offers] == [
        ("Nồi Demo", d(1290000), "VND", "jsonld"),
        ("Áo Demo", d(150000), "VND", "jsonld"),
    ]
    assert offers[1].context_flags == frozenset({"price_range"})
    assert '"price": "1290000"' in offers[0].snippet


def test_json_ld_strikethrough_price_specification_is_the_reference() -> None:
    structured = {"json-ld": [{"@type": "Product", "name": "Giày Demo", "offers": {
        "@type": "Offer", "priceCurrency": "VND", "price": 590000,
        "priceSpecification": [{"@type": "UnitPriceSpecification", "priceType": "https://schema.org/StrikethroughPrice",
                                "price": 990000, "priceCurrency": "VND"}]}}]}
    (offer,) = structured_offers(structured)
    assert (offer.price, offer.reference_price, offer.reference_basis) == (d(590000), d(990000), "structured")


def test_json_ld_ambiguous_and_missing_prices_are_skipped() -> None:
    structured = {"json-ld": [
        {"@type": "Product", "name": "A", "offers": {"@type": "Offer", "price": "1.299", "priceCurrency": "VND"}},
        {"@type": "Product", "name": "B", "offers": {"@type": "Offer", "availability": "InStock"}},
        {"@type": "Product", "name": "C", "offers": {"@type": "Offer", "price": "0", "priceCurrency": "VND"}},
    ]}
    (gift,) = structured_offers(structured)
    assert (gift.name, gift.price, gift.context_flags) == ("C", d(0), frozenset({"gift"}))


def test_microdata_and_opengraph() -> None:
    offers = offers_of("structured_only")
    (og,) = [o for o in offers if o.source == "opengraph"]
    assert (og.name, og.price, og.reference_price, og.currency) == (
        "Máy lọc nước Demo RO 10 lõi", d(6990000), d(9490000), "VND",
    )
    assert all(o.source != "dom" for o in offers)  # "Giá: Liên hệ"


def test_broken_json_ld_block_does_not_hide_the_others() -> None:
    page = parse_page((FIXTURES / "woocommerce_product.html").read_bytes(), "https://demo-shop.vn/")
    assert [item.get("@graph", [{}])[1].get("name") for item in page.structured["json-ld"]] == [
        "Bếp từ đôi Demo DM-88"
    ]


def test_dedupe_keeps_one_per_name_and_prices_and_prefers_pairs() -> None:
    base = {"currency": "VND", "source": "dom", "snippet": ""}
    offers = [
        Offer(name="Quạt Demo", price=d(1), reference_price=None, **base),
        Offer(name="quạt  demo", price=d(1), reference_price=d(2), **base),
        Offer(name="Quạt Demo", price=d(1), reference_price=d(2), **base),
        Offer(name="Quạt khác", price=d(1), reference_price=None, **base),
    ]
    assert [(o.name, o.reference_price) for o in dedupe(offers)] == [("quạt  demo", d(2)), ("Quạt khác", None)]
