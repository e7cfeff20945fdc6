"""Signals with their reasons: Vietnamese-facing, commerce, marketplace, application shell."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from detectors.page import parse_page
from detectors.page.signals import compute_signals
from detectors.types import Link, Offer, Signals

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "pages_model"


def signals_of(case: str, url: str) -> Signals:
    return parse_page((FIXTURES / f"{case}.html").read_bytes(), url).signals


def link(href: str, text: str = "") -> Link:
    return Link(href=href, text=text, css_path="html > body > a")


def vnd_offer() -> Offer:
    return Offer(name="Quạt", price=Decimal(890000), reference_price=None, currency="VND", source="dom", snippet="")


def signals(text: str = "", **kwargs: object) -> Signals:
    values: dict[str, object] = {"domain": "example.com", "text": text, "lang": None, "declared_lang": None}
    values.update(kwargs)
    return compute_signals(**values)  # type: ignore[arg-type]


# --- Vietnamese-facing --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"domain": "demo-shop.vn"}, "domain:.vn"),
        ({"domain": "demo.com.vn"}, "domain:.vn"),
        ({"lang": "vi"}, "lang:vi"),
        ({"offers": (vnd_offer(),)}, "currency:VND"),
        ({"text": "Only 1.290.000₫ today"}, "currency:VND"),
    ],
)
def test_one_strong_reason_is_enough(kwargs: dict[str, object], reason: str) -> None:
    result = signals(**kwargs)
    assert result.vietnamese_facing is True
    assert reason in result.vietnamese_reasons


def test_weak_reasons_need_two_kinds() -> None:
    one_kind = signals("Pay with MoMo or ZaloPay")
    assert one_kind.vietnamese_facing is False
    assert one_kind.vietnamese_reasons == ("payment:MoMo", "payment:ZaloPay")
    two_kinds = signals("Pay with MoMo. Hotline 1900 1234")
    assert two_kinds.vietnamese_facing is True
    assert set(two_kinds.vietnamese_reasons) == {"payment:MoMo", "phone:1900/1800"}


def test_an_address_and_its_province_count_once() -> None:
    result = signals("Office: Phường Bến Nghé, Hà Nội")
    assert {"address:Phường", "province:Hà Nội"} <= set(result.vietnamese_reasons)
    assert result.vietnamese_facing is False


@pytest.mark.parametrize(
    ("text", "links", "reason"),
    [
        ("Gọi +84 28 3838 0000", (), "phone:+84"),
        ("Hotline: 0912 345 678", (), "phone:0[35789]xxxxxxxx"),
        ("Tổng đài 1800.1061", (), "phone:1900/1800"),
        ("", (link("tel:+84912345678"),), "phone:+84"),
        ("Thanh toán khi nhận hàng", (), "payment:Thanh toán khi nhận hàng"),
        ("Giao bởi GHTK và Viettel Post", (), "carrier:GHTK"),
        ("MST: 0312345678", (), "business-id:MST"),
        ("", (link("http://online.gov.vn/Home/WebDetails/1"),), "badge-link:online.gov.vn"),
    ],
)
def test_weak_reasons(text: str, links: tuple[Link, ...], reason: str) -> None:
    assert reason in signals(text, links=links).vietnamese_reasons


@pytest.mark.parametrize(
    "text",
    [
        "Order 12345678901 shipped",  # digits, not a phone number
        "Call 020 7946 0018 (London)",
        "Ship code",  # "COD" only as a word
    ],
)
def test_no_false_vietnamese_reasons(text: str) -> None:
    assert signals(text).vietnamese_reasons == ()


def test_declared_language_and_hreflang_are_weak() -> None:
    result = signals(declared_lang="vi", hreflangs=("vi", "en"))
    assert result.vietnamese_reasons == ("declared-lang:vi", "hreflang:vi")
    assert result.vietnamese_facing is True  # two kinds


# --- commerce -----------------------------------------------------------------------------


def test_cart_phrase_or_priced_offer_or_product_data_is_commerce() -> None:
    assert signals("Thêm vào giỏ hàng").commerce_reasons[0] == "cart:Thêm vào giỏ"
    assert signals("MUA NGAY").commerce is True
    assert signals(offers=(vnd_offer(),)).commerce_reasons == ("offers:1 priced offers",)
    structured = {"json-ld": [{"@graph": [{"@type": "Product", "offers": {"@type": "Offer"}}]}]}
    assert signals(structured=structured).commerce_reasons == ("structured:Offer", "structured:Product")


def test_checkout_words_alone_need_company() -> None:
    assert signals("Hướng dẫn thanh toán").commerce is False
    assert signals("Thanh toán", links=(link("https://x.vn/gio-hang"),)).commerce is True
    assert signals("Thanh toán", cart_forms=1).commerce_reasons == ("checkout:Thanh toán", "cart-form:1")


def test_article_paths_are_not_cart_links() -> None:
    result = signals("Thanh toán thông minh", links=(link("https://bao.vn/kinh-doanh/thanh-toan-thong-minh.htm"),))
    assert result.commerce is False


# --- marketplace --------------------------------------------------------------------------


def test_seller_onboarding_makes_a_marketplace() -> None:
    result = signals("Kênh Người Bán | Đăng ký bán hàng")
    assert result.marketplace is True
    assert result.marketplace_reasons[:2] == ("onboarding:Đăng ký bán hàng", "onboarding:Kênh người bán")


def test_seller_links_on_the_same_site() -> None:
    shops = tuple(link(f"https://cho.vn/shop/seller{i}") for i in range(3))
    result = signals(domain="cho.vn", links=shops)
    assert result.marketplace is True and "sellers:3 seller links" in result.marketplace_reasons
    elsewhere = tuple(link(f"https://other.vn/shop/seller{i}") for i in range(3))
    assert signals(domain="cho.vn", links=elsewhere).marketplace is False


def test_one_seller_link_needs_marketplace_words() -> None:
    one = (link("https://cho.vn/shop/seller1"),)
    assert signals(domain="cho.vn", links=one).marketplace is False
    assert signals("Gian hàng chính hãng", domain="cho.vn", links=one).marketplace is True
    assert signals("Shop Demo", domain="cho.vn", links=one).marketplace is False  # every shop says "Shop"


def test_app_shell_is_passed_through() -> None:
    assert signals(app_shell=True).app_shell is True
    assert signals().app_shell is False


# --- whole pages --------------------------------------------------------------------------


def test_shop_footer_signals() -> None:
    result = signals_of("electronics_cards", "https://dienmay-demo.com/")
    assert result.vietnamese_facing and result.commerce and not result.marketplace
    assert {
        "lang:vi",
        "currency:VND",
        "declared-lang:vi",
        "phone:0[35789]xxxxxxxx",
        "phone:1900/1800",
        "address:TP.HCM",
        "business-id:GPKD",
        "badge-link:online.gov.vn",
    } <= set(result.vietnamese_reasons)
    assert "domain:.vn" not in result.vietnamese_reasons


def test_marketplace_page() -> None:
    result = signals_of("marketplace_home", "https://cho-demo.vn/")
    assert result.marketplace is True
    assert "sellers:3 seller links" in result.marketplace_reasons


def test_foreign_shop_is_commerce_but_not_vietnamese_facing() -> None:
    result = signals_of("shopify_usd", "https://demo-flowers.com/collections/all")
    assert result.vietnamese_facing is False and result.vietnamese_reasons == ()
    assert result.commerce is True


def test_news_article_is_vietnamese_but_not_commerce() -> None:
    result = signals_of("news_gold_price", "https://bao-demo.vn/gia-vang.htm")
    assert result.vietnamese_facing is True
    assert result.commerce is False


def test_spa_shell_signals() -> None:
    result = signals_of("spa_shell", "https://demo-market.vn/")
    assert result.app_shell is True
    assert result.vietnamese_reasons == ("domain:.vn",)
    assert result.commerce is False
