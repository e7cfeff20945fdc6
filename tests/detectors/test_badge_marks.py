"""Badge marks as real pages write them: links in scripts and mirrors, CSS backgrounds, wrappers."""

from __future__ import annotations

import pytest

from detectors import detect, parse_page, portal_links
from detectors.portal import parse_portal_link

from bench.golden import FIXTURES_DIR, load_case

SHOP = "https://demo-shop.vn/"


def marks_of(body: str, head: str = "") -> tuple:  # type: ignore[type-arg]
    html = f"<html lang='vi'><head><title>Demo</title>{head}</head><body>{body}</body></html>"
    return parse_page(html, SHOP).badge_marks


BADGE_IMG = '<img src="/images/logoSaleNoti.png" alt="Đã thông báo Bộ Công Thương">'


@pytest.mark.parametrize(
    ("anchor", "record_id"),
    [
        (f'<a href="http://online.gov.vn/Home/WebDetails/61001">{BADGE_IMG}</a>', "61001"),
        # written without its scheme: not a path of the shop
        (f'<a href="online.gov.vn/Home/WebDetails/61002">{BADGE_IMG}</a>', "61002"),
        (f'<a href="www.online.gov.vn/Home/WebDetails/61003" target="_blank">{BADGE_IMG}</a>', "61003"),
        (f'<a href="//online.gov.vn/Home/WebDetails/61004">{BADGE_IMG}</a>', "61004"),
        # a script opens it
        (f"<a href=\"javascript:window.open('http://online.gov.vn/Home/WebDetails/61005')\">{BADGE_IMG}</a>", "61005"),
        (f"<a href=\"#\" onclick=\"window.open('http://online.gov.vn/(X(1)S(abc123))/Home/WebDetails/61006"
         f"?AspxAutoDetectCookieSupport=1','_blank'); return false;\">{BADGE_IMG}</a>", "61006"),
        (f"<a href=\"javascript:void(0)\" onclick=\"location.href='https://online.gov.vn/Home/AppDetails/61007'\">"
         f"{BADGE_IMG}</a>", "61007"),
        # a mirroring tool rewrote the href and kept the original in tppabs
        (f'<a href="../online.gov.vn/Home/WebDetails/61008.html" tppabs="http://online.gov.vn/Home/WebDetails/61008">'
         f"{BADGE_IMG}</a>", "61008"),
        (f'<a href="http://online.gov.vn/HomePage/CustomWebsiteDisplay.aspx?DocId=61009">{BADGE_IMG}</a>', "61009"),
    ],
)
def test_badge_link_forms_lead_to_the_record(anchor: str, record_id: str) -> None:
    (mark,) = marks_of(f"<footer>{anchor}</footer>")
    link = parse_portal_link(mark.href or "")
    assert link is not None and link.record_id == record_id
    page = parse_page(f"<html><body><footer>{anchor}</footer></body></html>", SHOP)
    assert [p.record_id for p in portal_links(page)] == [record_id]  # the crawler resolves it too


@pytest.mark.parametrize(
    "anchor",
    [
        f'<a href="javascript:void(0)">{BADGE_IMG}</a>',
        f'<a href="#">{BADGE_IMG}</a>',
        f"<a href=\"#\" onclick=\"alert('Đã thông báo')\">{BADGE_IMG}</a>",
        BADGE_IMG,
    ],
)
def test_badge_without_an_address_has_no_link(anchor: str) -> None:
    (mark,) = marks_of(f"<footer>{anchor}</footer>")
    assert mark.href is None and mark.image_kind == "notified"


def test_background_image_named_by_a_style_rule_is_a_badge() -> None:
    head = """<style>#IMAGE9 > .ladi-image > .ladi-image-background{background-image:url("https://cdn.example/s4/1497_da-thong-bao-bo-cong-thuong-2020.png");}
    #IMAGE10 > .ladi-image > .ladi-image-background{background-image:url("https://cdn.example/logo-shop.png");}
    .nav a:hover{background:url(/img/bct-hover.png)}</style>"""
    body = """<nav><a href="/">Trang chủ</a></nav>
    <div id="IMAGE9" class="ladi-element"><div class="ladi-image"><div class="ladi-image-background"></div></div></div>
    <div id="IMAGE10" class="ladi-element"><div class="ladi-image"><div class="ladi-image-background"></div></div></div>"""
    (mark,) = marks_of(body, head)
    assert mark.basis == "css-background" and mark.image_kind == "notified" and mark.href is None
    assert mark.css_path.endswith("div.ladi-image > div.ladi-image-background")
    assert mark.image_url and "da-thong-bao-bo-cong-thuong" in mark.image_url
    assert "da-thong-bao-bo-cong-thuong" in mark.snippet  # the reviewer sees which rule drew it


@pytest.mark.parametrize(
    "element",
    [
        '<span class="logo" style="background-image: url(/img/dathongbao.png)"></span>',
        '<div class="lazy" data-bg="/uploads/2020/05/logo-bo-cong-thuong.png"></div>',
        '<i class="icon-bo-cong-thuong"></i>',
        '<span class="sprite logoSaleNoti"></span>',
    ],
)
def test_inline_backgrounds_and_sprite_classes_are_badges(element: str) -> None:
    (mark,) = marks_of(f"<footer>{element}</footer>")
    assert mark.href is None and mark.basis in ("css-background", "icon")


def test_a_class_on_a_block_of_prose_is_no_badge() -> None:
    prose = "Công ty TNHH Demo, địa chỉ 12 Lê Lợi, Quận 1, TP. Hồ Chí Minh, điện thoại 0909 123 456, email cskh@demo.vn"
    assert marks_of(f'<div class="footer-bct">{prose}</div>') == ()


def test_wrapper_of_a_linked_badge_is_not_a_second_badge() -> None:
    body = f"""<div class="footer-col footer-bct bo-cong-thuong">
      <a href="http://online.gov.vn/Home/WebDetails/61010">{BADGE_IMG}</a></div>"""
    (mark,) = marks_of(body)
    assert mark.href == "http://online.gov.vn/Home/WebDetails/61010"


def test_unlinked_icon_beside_a_linked_badge_stays_a_mark() -> None:
    body = f"""<footer><a href="http://online.gov.vn/Home/WebDetails/61011">{BADGE_IMG}</a>
      <div class="badge-col"><i class="icon-congthuong"></i></div></footer>"""
    assert [m.href is None for m in marks_of(body)] == [False, True]


def test_one_linked_badge_in_a_ministry_named_column_gives_one_finding() -> None:
    case = load_case(FIXTURES_DIR / "badge-fake-borrowed-in-bct-container")
    findings = detect(parse_page(case.html, case.url), case.context())
    fakes = [f for f in findings if f.rule == "ECOM-BADGE-FAKE"]
    assert len(fakes) == 1
    assert fakes[0].evidence["reason"] == "other_domain" and fakes[0].evidence["record_id"] == "61107"
