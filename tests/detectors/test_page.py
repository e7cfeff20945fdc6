"""The page model: decoding, text, language, links, images, structured data, rendering hint."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import lxml.html
import pytest

from detectors.page.language import declared_language, detect_language, hreflang_languages, primary_subtag
from detectors.page import needs_rendering, parse_page
from detectors.page.text import css_path, normalize_whitespace

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "pages_model"

PAGE = """<!DOCTYPE html>
<html lang="vi-VN">
<head>
  <meta charset="utf-8">
  <title>  Áo thun
     Demo | Thời trang Demo </title>
  <base href="https://demo-thoitrang.vn/shop/">
  <meta property="og:locale" content="vi_VN">
  <link rel="alternate" hreflang="en" href="/en/">
  <style>.x { color: red }</style>
  <script>var hidden = "Không hiển thị";</script>
</head>
<body>
  <div class="header"><a href="gio-hang">Giỏ hàng</a><a href="javascript:void(0)">Menu</a><a href="#top">Lên đầu</a></div>
  <ul class="menu"><li>Áo</li><li>Quần</li></ul>
  <p>Online gia&#x301; re&#x309; cho mọi nhà, giao hàng tận nơi trên toàn quốc.</p>
  <div style="display:none">Nội dung ẩn</div>
  <div class="footer">
    <a href="http://online.gov.vn/Home/WebDetails/12345" title="Đã thông báo">
      <img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-src="/img/bct.png" alt="Bộ Công Thương">
    </a>
    <a href="/chinh-sach">Chính sách</a>
  </div>
  <noscript>Bật JavaScript</noscript>
</body>
</html>"""


@pytest.fixture(scope="module")
def page():  # type: ignore[no-untyped-def]
    return parse_page(PAGE.encode("utf-8"), "https://demo-thoitrang.vn/ao-thun")


def test_identity_and_title(page) -> None:  # type: ignore[no-untyped-def]
    assert page.url == "https://demo-thoitrang.vn/ao-thun"
    assert page.domain == "demo-thoitrang.vn"
    assert page.title == "Áo thun Demo | Thời trang Demo"
    assert page.html.startswith("<!DOCTYPE html>")


def test_visible_text_is_normalised_and_skips_what_is_not_shown(page) -> None:  # type: ignore[no-untyped-def]
    assert "Giỏ hàng" in page.text
    assert "Áo Quần" in page.text  # block elements do not run together
    assert "Online giá rẻ" in page.text  # combining marks composed (NFC)
    for hidden in ("Không hiển thị", "color: red", "Nội dung ẩn", "Bật JavaScript", "Thời trang Demo"):
        assert hidden not in page.text
    assert "  " not in page.text


def test_languages(page) -> None:  # type: ignore[no-untyped-def]
    assert page.lang == "vi"
    assert page.declared_lang == "vi"


def test_links_are_absolute_with_css_paths(page) -> None:  # type: ignore[no-untyped-def]
    hrefs = [link.href for link in page.links]
    assert hrefs == [
        "https://demo-thoitrang.vn/shop/gio-hang",  # <base href>
        "http://online.gov.vn/Home/WebDetails/12345",
        "https://demo-thoitrang.vn/chinh-sach",
    ]
    cart = page.links[0]
    assert cart.text == "Giỏ hàng"
    assert cart.css_path == "html > body > div.header:nth-of-type(1) > a:nth-of-type(1)"
    tree = lxml.html.document_fromstring(PAGE)
    assert tree.cssselect(cart.css_path)[0].text == "Giỏ hàng"


def test_lazy_images_use_the_real_source(page) -> None:  # type: ignore[no-untyped-def]
    (badge,) = page.images
    assert badge.src == "https://demo-thoitrang.vn/img/bct.png"
    assert badge.alt == "Bộ Công Thương"
    assert badge.link_href == "http://online.gov.vn/Home/WebDetails/12345"
    # the hidden <div> before the footer is still counted: paths match the page as served
    assert badge.css_path == "html > body > div.footer:nth-of-type(3) > a:nth-of-type(1) > img"


def test_structured_data_shape(page) -> None:  # type: ignore[no-untyped-def]
    assert set(page.structured) == {"json-ld", "microdata", "opengraph"}
    assert page.structured["opengraph"][0]["og:locale"] == "vi_VN"


def cp1258(text: str) -> bytes:
    # Windows-1258 writes Vietnamese tones as combining marks: encode the decomposed form.
    return unicodedata.normalize("NFD", text).encode("cp1258")


@pytest.mark.parametrize(
    "raw",
    [
        cp1258("<html><head><meta charset='windows-1258'></head><body><p>Giỏ hàng</p></body></html>"),
        "<html><body><p>Giỏ hàng</p></body></html>".encode(),  # no declaration: UTF-8
        "\ufeff<html><body><p>Giỏ hàng</p></body></html>".encode("utf-8"),
    ],
)
def test_bytes_are_decoded(raw: bytes) -> None:
    assert "Giỏ hàng" in parse_page(raw, "https://demo.vn/").text


def test_encoding_argument_wins_over_guessing() -> None:
    raw = cp1258("<html><body><p>Giỏ hàng</p></body></html>")
    assert "Giỏ hàng" in parse_page(raw, "https://demo.vn/", encoding="cp1258").text


@pytest.mark.parametrize(
    "html",
    [
        "",
        "   ",
        b"",
        "<?xml version='1.0' encoding='utf-8'?><html><body><p>Giỏ hàng</p></body></html>",
        "<div>fragment only</div>",
        "<html><body><p>unclosed <b>tags <i>everywhere",
        "\x00\x01 garbage <<<>>>",
    ],
)
def test_odd_documents_do_not_break(html: str | bytes) -> None:
    page = parse_page(html, "http://127.0.0.1:8080/x")
    assert page.domain == "127.0.0.1"
    assert isinstance(page.text, str)


def test_needs_rendering() -> None:
    def page_of(case: str):  # type: ignore[no-untyped-def]
        return parse_page((FIXTURES / f"{case}.html").read_bytes(), "https://demo.vn/")

    assert needs_rendering(page_of("spa_shell")) is True  # empty application shell
    assert needs_rendering(page_of("commerce_without_price")) is True  # buttons, no price
    assert needs_rendering(page_of("sapo_listing")) is False
    assert needs_rendering(page_of("news_gold_price")) is False  # nothing sold


def test_css_path_is_a_working_selector() -> None:
    tree = lxml.html.document_fromstring(
        "<html><body><div class='a b c'><p>1</p><a class='md:flex'>x</a><p>2</p><a>y</a></div></body></html>"
    )
    for element in tree.iter():
        path = css_path(element)
        assert tree.cssselect(path) == [element], path
    assert css_path(tree.xpath("//a")[1]) == "html > body > div.a.b > a:nth-of-type(2)"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  a\u00a0 b\n\tc  ", "a b c"),
        ("gia\u0301 re\u0309", "giá rẻ"),
        ("Gi\u200bỏ hàng\ufeff", "Giỏ hàng"),
    ],
)
def test_normalize_whitespace(raw: str, expected: str) -> None:
    assert normalize_whitespace(raw) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Giảm giá 50% cho tất cả sản phẩm trong cửa hàng hôm nay", "vi"),
        ("Giam gia 50% cho tat ca san pham trong cua hang hom nay", "vi"),  # no diacritics
        ("Free delivery on all orders over fifty pounds this week", "en"),
        ("Giỏ hàng", None),  # too short to tell
        ("", None),
    ],
)
def test_detect_language(text: str, expected: str | None) -> None:
    assert detect_language(text) == expected


@pytest.mark.parametrize(
    ("html", "declared", "alternates"),
    [
        ("<html lang='vi'><head></head><body></body></html>", "vi", ()),
        ("<html lang='EN-us'><head></head><body></body></html>", "en", ()),
        ("<html><head><meta property='og:locale' content='vi_VN'></head><body></body></html>", "vi", ()),
        ("<html><head><meta http-equiv='Content-Language' content='vi'></head><body></body></html>", "vi", ()),
        (
            "<html><head><link rel='alternate' hreflang='vi-VN' href='/'>"
            "<link rel='alternate' hreflang='x-default' href='/'></head><body></body></html>",
            None,
            ("vi",),
        ),
    ],
)
def test_declared_languages(html: str, declared: str | None, alternates: tuple[str, ...]) -> None:
    root = lxml.html.document_fromstring(html)
    assert declared_language(root) == declared
    assert hreflang_languages(root) == alternates


@pytest.mark.parametrize(
    ("value", "expected"),
    [("vi-VN", "vi"), ("vi_VN", "vi"), ("VI", "vi"), ("x-default", None), ("", None), (None, None), ("123", None)],
)
def test_primary_subtag(value: str | None, expected: str | None) -> None:
    assert primary_subtag(value) == expected
