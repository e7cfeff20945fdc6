"""Pages that publish rather than sell: news, blogs, link hubs and price comparison."""

from __future__ import annotations

from datetime import date

import lxml.html
import pytest

from detectors import InMemoryRegistry, detect, parse_page
from detectors.page.publisher import link_hosts, order_forms
from detectors.types import Context, RegistryRecord

from bench.golden import FIXTURES_DIR, load_case


@pytest.mark.parametrize(
    ("case", "publisher"),
    [
        ("news-article-quotes-discounts-and-draw", True),
        ("blog-review-affiliate-buttons", True),
        ("link-hub-deal-list", True),
        ("price-comparison-listing", True),
        ("advertorial-with-order-form-is-a-shop", False),
        ("disc50-landing-builder-stylesheet-strike", False),
        ("disc50-woo-64-percent", False),
    ],
)
def test_publisher_signal(case: str, publisher: bool) -> None:
    golden = load_case(FIXTURES_DIR / case)
    signals = parse_page(golden.html, golden.url).signals
    assert signals.publisher is publisher, signals.publisher_reasons
    if publisher:
        assert not signals.commerce and signals.publisher_reasons
        assert not any(r.startswith("sells:") for r in signals.publisher_reasons)


def test_an_advertorial_says_what_it_sells() -> None:
    golden = load_case(FIXTURES_DIR / "advertorial-with-order-form-is-a-shop")
    reasons = parse_page(golden.html, golden.url).signals.publisher_reasons
    assert "og:type=article" in reasons and "sells:1 order forms" in reasons


def test_a_news_page_quoting_a_shop_raises_nothing_but_the_shop_page_does() -> None:
    news = load_case(FIXTURES_DIR / "news-article-quotes-discounts-and-draw")
    assert detect(parse_page(news.html, news.url), news.context()) == []
    shop_html = news.html.replace(b'"@type":"NewsArticle"', b'"@type":"Product"').replace(
        b'<meta property="og:type" content="article">', b"").replace(
        b'<meta property="article:published_time" content="2026-10-14T08:00:00+07:00">', b"").replace(
        b"<article", b"<div").replace(b"</article>", b'<a href="/gio-hang">Gi\xe1\xbb\x8f h\xc3\xa0ng</a></div>')
    rules = {f.rule for f in detect(parse_page(shop_html, news.url), news.context())}
    assert {"PROMO-DISC-50", "PROMO-LUCKY-REG"} <= rules


@pytest.mark.parametrize(
    ("form", "count"),
    [
        ('<form><input name="phone" placeholder="Số điện thoại"><input placeholder="Địa chỉ nhận hàng"></form>', 1),
        ('<form><input name="sdt"><select name="so_luong"><option>2 hộp</option></select></form>', 1),
        ('<form><input type="email" name="email" placeholder="Email nhận tin"></form>', 0),  # newsletter
        ('<form><input name="name"><input name="email"><textarea name="comment"></textarea></form>', 0),  # comments
    ],
)
def test_order_forms(form: str, count: int) -> None:
    assert order_forms(lxml.html.document_fromstring(f"<html><body>{form}</body></html>")) == count


@pytest.mark.parametrize(
    ("href", "host"),
    [
        ("/san-pham/a", ""),
        ("https://shopee.vn/a-i.1.2?utm_source=an_1", "shopee.vn"),
        ("/go/?url=https%3A%2F%2Fwww.lazada.vn%2Fproducts%2Fx.html", "www.lazada.vn"),
        ("/out/12345", "redirect"),
        ("https://hub.vn/redirect?to=https://tiki.vn/p", "tiki.vn"),
        ("?page=2", ""),
    ],
)
def test_where_a_link_leads(href: str, host: str) -> None:
    assert link_hosts([href]) == (host,)


def test_an_article_citing_a_portal_record_claims_no_badge() -> None:
    story = "".join(f"<p>{'Nhiều website giả mạo biểu tượng đã thông báo, người mua cần kiểm tra kỹ hồ sơ. ' * 4}</p>"
                    for _ in range(5))
    html = f"""<html lang="vi"><head><meta property="og:type" content="article"></head><body><article>
      <h1>Cảnh giác logo giả</h1>{story}
      <p>Ví dụ, <a href="http://online.gov.vn/Home/WebDetails/555">hồ sơ số 555</a> thuộc về một cửa hàng khác.</p>
    </article></body></html>"""
    registry = InMemoryRegistry([RegistryRecord("555", "cua-hang-khac.vn", "notified", "active")])
    page = parse_page(html, "https://demo-bao.vn/tin/logo-gia")
    assert page.signals.publisher
    assert detect(page, Context(on=date(2026, 10, 15), registry=registry)) == []
    shop = parse_page(html.replace('<meta property="og:type" content="article">', "").replace(
        "</article>", '</article><a href="/gio-hang">Giỏ hàng</a><button>Mua ngay</button>'), "https://demo-bao.vn/")
    rules = [f.rule for f in detect(shop, Context(on=date(2026, 10, 15), registry=registry))]
    assert "ECOM-BADGE-FAKE" in rules  # on a page that sells, a link to another site's record is a borrowed badge
