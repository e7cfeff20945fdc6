"""Portal record links in every known URL form, and record pages parsed into RegistryRecords."""

from __future__ import annotations

import pytest

from detectors.portal import parse_portal_link, parse_portal_record, portal_links
from detectors.types import Image, Link

from .helpers import make_page


@pytest.mark.parametrize(
    ("url", "record_id", "kind_hint", "target", "path"),
    [
        ("http://online.gov.vn/Home/WebDetails/126026", "126026", None, "website", "/Home/WebDetails/126026"),
        ("https://www.online.gov.vn/Home/WebDetails/20782/", "20782", None, "website", "/Home/WebDetails/20782"),
        ("http://online.gov.vn/Home/AppDetails/879?AspxAutoDetectCookieSupport=1", "879", None, "app", "/Home/AppDetails/879"),
        ("HTTP://ONLINE.GOV.VN/home/appdetails/1101", "1101", None, "app", "/Home/AppDetails/1101"),
        ("http://online.gov.vn/(X(1)S(k3yc0ysr0jtxpy32mp52zd3n))/Home/WebDetails/94973?AspxAutoDetectCookieSupport=1",
         "94973", None, "website", "/Home/WebDetails/94973"),
        ("http://online.gov.vn/%28S%28ux1bm1jhlmsx%29%29/Home/WebDetails/61001", "61001", None, "website",
         "/Home/WebDetails/61001"),
        ("http://online.gov.vn/HomePage/CustomWebsiteDisplay.aspx?DocId=20098", "20098", "notified", "website",
         "/HomePage/CustomWebsiteDisplay.aspx?DocId=20098"),
        ("http://online.gov.vn/CustomWebsiteDisplay.aspx?DocId=19176", "19176", "notified", "website",
         "/HomePage/CustomWebsiteDisplay.aspx?DocId=19176"),
        ("http://www.online.gov.vn/HomePage/CustomWebsiteDisplay.aspx?docid=40360", "40360", "notified", "website",
         "/HomePage/CustomWebsiteDisplay.aspx?DocId=40360"),
        ("http://online.gov.vn/WebsiteDisplay.aspx?DocId=33127", "33127", "registered", "website",
         "/HomePage/WebsiteDisplay.aspx?DocId=33127"),
        ("http://online.gov.vn/HomePage/WebsiteDisplay.aspx?DocId=33127", "33127", "registered", "website",
         "/HomePage/WebsiteDisplay.aspx?DocId=33127"),
        ("http://online.gov.vn/HomePage/CustomAppDisplay.aspx?DocId=512", "512", "notified", "app",
         "/HomePage/CustomAppDisplay.aspx?DocId=512"),
        ("http://online.gov.vn/AppDisplay.aspx?DocId=77", "77", "registered", "app", "/HomePage/AppDisplay.aspx?DocId=77"),
    ],
)
def test_record_link_forms(url: str, record_id: str, kind_hint: str | None, target: str, path: str) -> None:
    link = parse_portal_link(url)
    assert link is not None
    assert (link.record_id, link.kind_hint, link.target, link.path) == (record_id, kind_hint, target, path)
    assert link.url == url


@pytest.mark.parametrize(
    "url",
    [
        "http://online.gov.vn",
        "http://online.gov.vn/",
        "http://online.gov.vn/Home/WebDetails/",
        "http://online.gov.vn/Home/WebDetails/abc",
        "http://online.gov.vn/CustomWebsiteDisplay.aspx",
        "http://online.gov.vn/CustomWebsiteDisplay.aspx?DocId=",
        "http://chonghanggia.online.gov.vn/Home/WebDetails/1",  # the complaints system, not a record
        "http://online.gov.vn.example.com/Home/WebDetails/1",
        "https://tinnhiemmang.vn/danh-ba-tin-nhiem/x",
        "javascript:void(0)",
        "",
    ],
)
def test_not_record_links(url: str) -> None:
    assert parse_portal_link(url) is None


def test_portal_links_of_page_deduplicated_in_order() -> None:
    links = (
        Link("https://shop.vn/lien-he", "Liên hệ", "html > body > a"),
        Link("http://online.gov.vn/Home/WebDetails/5", "", "html > body > footer > a:nth-of-type(1)"),
        Link("http://online.gov.vn", "", "html > body > footer > a:nth-of-type(2)"),
        Link("http://online.gov.vn/Home/WebDetails/5", "", "html > body > footer > a:nth-of-type(1)"),
        Link("http://online.gov.vn/AppDisplay.aspx?DocId=9", "app", "html > body > footer > a:nth-of-type(3)"),
    )
    page = make_page("<p>x</p>", links=links)
    found = portal_links(page)
    assert [(p.record_id, p.target) for p in found] == [("5", "website"), ("9", "app")]
    assert found[0].css_path == "html > body > footer > a:nth-of-type(1)"


def test_portal_links_from_image_link_href() -> None:
    page = make_page("<p>x</p>")
    page = page.__class__(**{**page.__dict__, "images": (
        Image("https://shop.vn/bct.png", "Bộ Công Thương", "", "html > body > a > img",
              link_href="http://online.gov.vn/Home/WebDetails/42"),
    )})
    assert [p.record_id for p in portal_links(page)] == ["42"]


RECORD_PAGE = """<html><head><title>Thông tin website thương mại điện tử - Online.Gov.VN</title></head><body>
<div class="detail">
  <img class="imageGridDetailLogo" src="/Content/EndUser/LogoCCDVSaleNoti/{image}">
  <p><label>Tên website:</label> <span>Demo Giày Sport</span></p>
  <p><label>Địa chỉ tên miền:</label> <span>https://www.demo-giaysport.vn</span></p>
  <p><label>Tên Doanh nghiệp:</label> <span>Công ty TNHH Demo Giày Sport</span></p>
  {extra}
</div></body></html>"""


def test_record_page_notified_active() -> None:
    html = RECORD_PAGE.format(image="logoSaleNoti.png", extra="")
    record = parse_portal_record(html, "http://online.gov.vn/Home/WebDetails/61001")
    assert record is not None
    assert (record.record_id, record.domain, record.kind, record.status) == ("61001", "demo-giaysport.vn", "notified", "active")
    assert record.company == "Công ty TNHH Demo Giày Sport"
    assert record.source == "portal" and record.url.endswith("/61001")


def test_record_page_registered() -> None:
    html = RECORD_PAGE.format(image="logoCCDV.png", extra="<p>Loại hình cung cấp dịch vụ: Sàn giao dịch TMĐT</p>")
    record = parse_portal_record(html, "https://online.gov.vn/Home/WebDetails/33127")
    assert record is not None and (record.kind, record.status) == ("registered", "active")


def test_record_page_pending_without_status_image() -> None:
    html = RECORD_PAGE.format(image="other.png", extra="<p>Website chưa được xác nhận</p>")
    record = parse_portal_record(html, "http://online.gov.vn/Home/WebDetails/7")
    assert record is not None and record.status == "pending"


def test_record_page_legacy_label_in_one_element() -> None:
    html = """<html><body><img src="http://online.gov.vn/Content/EndUser/LogoCCDVSaleNoti/logoSaleNoti.png">
    <span id="ctl00_ContentPlaceHolder1_lblTenMien">Địa chỉ tên miền: demo-sachhay.vn</span>
    <span>Tên doanh nghiệp: Công ty CP Demo Sách</span></body></html>"""
    record = parse_portal_record(html, "http://online.gov.vn/HomePage/CustomWebsiteDisplay.aspx?DocId=19999")
    assert record is not None
    assert (record.record_id, record.domain, record.kind, record.company) == (
        "19999", "demo-sachhay.vn", "notified", "Công ty CP Demo Sách")


@pytest.mark.parametrize(
    ("html", "url"),
    [
        (RECORD_PAGE.format(image="logoSaleNoti.png", extra=""), "https://demo.vn/Home/WebDetails/1"),  # not the portal
        ("<html><body><p>Không tìm thấy</p></body></html>", "http://online.gov.vn/Home/WebDetails/1"),  # no fields
        ("", "http://online.gov.vn/Home/WebDetails/1"),
    ],
)
def test_not_record_pages(html: str, url: str) -> None:
    assert parse_portal_record(html, url) is None
