"""The demo site: Host routing, the portal stand-in, redirect chains, misbehaving pages.

Every request goes to 127.0.0.1 with an explicit ``Host`` header, the way the
crawler reaches the shops through its host map; nothing leaves the machine.
"""

from __future__ import annotations

import csv
import http.client
import json
import re
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from cli.demosite import DEMO_HOSTS, DemoSite

if TYPE_CHECKING:
    from collections.abc import Iterator

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Fetched:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def fetch(site: DemoSite, host: str, path: str, method: str = "GET") -> Fetched:
    connection = http.client.HTTPConnection("127.0.0.1", site.port, timeout=10)
    try:
        connection.request(method, path, headers={"Host": f"{host}:{site.port}"})
        response = connection.getresponse()
        return Fetched(response.status, response.headers, response.read())
    finally:
        connection.close()


@pytest.fixture(scope="module")
def site() -> Iterator[DemoSite]:
    with DemoSite() as running:
        yield running


# --- API -------------------------------------------------------------------


def test_urls_carry_the_real_port(site: DemoSite) -> None:
    assert site.port > 0
    assert site.url("demo-thoitrang.vn", "/cart") == f"http://demo-thoitrang.vn:{site.port}/cart"
    assert site.portal_url == f"http://online.gov.vn:{site.port}"


def test_seeds_are_the_storefronts_only(site: DemoSite) -> None:
    hosts = [seed.split("//")[1].split(":")[0] for seed in site.seeds()]
    assert hosts == ["demo-thoitrang.vn", "demo-giadung.vn", "demo-chosi.vn", "demo-banhang.vn"]
    assert all(seed.endswith(f":{site.port}/") for seed in site.seeds())


def test_host_map_covers_every_host_and_the_portal(site: DemoSite) -> None:
    assert site.host_map() == {host: "127.0.0.1" for host in DEMO_HOSTS}
    assert "online.gov.vn" in site.host_map()


def test_url_refuses_unknown_hosts_and_relative_paths(site: DemoSite) -> None:
    with pytest.raises(ValueError):
        site.url("example.com")
    with pytest.raises(ValueError):
        site.url("demo-thoitrang.vn", "cart")


def test_url_needs_a_started_site() -> None:
    with pytest.raises(RuntimeError):
        DemoSite().url("demo-thoitrang.vn")


def test_ad_links_csv(site: DemoSite, tmp_path: Path) -> None:
    path = site.ad_links_csv(tmp_path / "ads" / "links.csv")
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert list(rows[0]) == ["ad_id", "source", "url", "first_seen"]
    assert rows[0]["url"] == f"http://demo-quangcao.vn:{site.port}/c/AD001"
    assert {row["ad_id"] for row in rows} >= {"AD001", "AD002", "AD003"}


def test_requests_are_recorded(site: DemoSite) -> None:
    fetch(site, "demo-banhang.vn", "/gioi-thieu?ref=test")
    assert ("demo-banhang.vn", "/gioi-thieu?ref=test") in site.requests_seen()


# --- routing -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "marker"),
    [
        ("demo-thoitrang.vn", "CÔNG TY TNHH THỜI TRANG DEMO"),
        ("demo-giadung.vn", "CÔNG TY CỔ PHẦN GIA DỤNG DEMO"),
        ("demo-chosi.vn", "Gian hàng nổi bật"),
        ("demo-banhang.vn", "HỘ KINH DOANH BÁN HÀNG DEMO"),
        ("demo-shopjs.vn", '<div id="app" data-view="home"></div>'),
        ("online.gov.vn", "Cổng thông tin quản lý hoạt động thương mại điện tử"),
    ],
)
def test_host_header_picks_the_site(site: DemoSite, host: str, marker: str) -> None:
    page = fetch(site, host, "/")
    assert page.status == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert marker in page.text


def test_unknown_host_is_404(site: DemoSite) -> None:
    assert fetch(site, "shop-that-does-not-exist.vn", "/").status == 404


def test_bare_ip_serves_an_index_of_hosts(site: DemoSite) -> None:
    page = fetch(site, "127.0.0.1", "/")
    assert page.status == 200
    assert f"http://demo-thoitrang.vn:{site.port}/" in page.text


def test_path_cannot_escape_the_site_directory(site: DemoSite) -> None:
    assert fetch(site, "demo-thoitrang.vn", "/../../server.py").status == 404


def test_keep_alive_serves_several_requests_on_one_connection(site: DemoSite) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", site.port, timeout=10)
    try:
        for path in ("/", "/products/ao-thun-basic-cotton", "/robots.txt"):
            connection.request("GET", path, headers={"Host": "demo-thoitrang.vn"})
            response = connection.getresponse()
            response.read()
            assert response.status == 200
    finally:
        connection.close()


def test_head_sends_no_body(site: DemoSite) -> None:
    page = fetch(site, "demo-thoitrang.vn", "/", method="HEAD")
    assert page.status == 200
    assert int(page.headers["Content-Length"]) > 0
    assert page.body == b""


# --- shop pages ----------------------------------------------------------------


def test_pagination(site: DemoSite) -> None:
    first = fetch(site, "demo-thoitrang.vn", "/collections/ao-nu")
    second = fetch(site, "demo-thoitrang.vn", "/collections/ao-nu?page=2")
    assert "/collections/ao-nu?page=2" in first.text
    assert "Áo khoác blazer" in second.text and "Áo khoác blazer" not in first.text.split("product-list")[1]
    assert fetch(site, "demo-thoitrang.vn", "/collections/ao-nu?page=9").status == 404


def test_valid_badge_links_to_its_own_record(site: DemoSite) -> None:
    home = fetch(site, "demo-thoitrang.vn", "/").text
    assert '<a href="http://online.gov.vn/Home/WebDetails/100001"' in home
    assert 'alt="Đã thông báo Bộ Công Thương"' in home


def test_product_page_has_json_ld_offer(site: DemoSite) -> None:
    page = fetch(site, "demo-thoitrang.vn", "/products/ao-thun-basic-cotton").text
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.DOTALL)
    assert block is not None
    product = json.loads(block.group(1))
    assert product["@type"] == "Product"
    assert product["offers"]["price"] == "299000"
    assert "598.000&#x20AB;" in page  # exactly 50 % off, written with the entity


def test_giadung_has_no_badge_and_over_50_percent_offers(site: DemoSite) -> None:
    home = fetch(site, "demo-giadung.vn", "/").text
    assert "online.gov.vn" not in home
    assert "GIẢM ĐẾN 70%" in home
    fryer = fetch(site, "demo-giadung.vn", "/san-pham/noi-chien-khong-dau-5l/").text
    assert "<bdi>2.000.000đ</bdi></span></del>" in fryer and "<bdi>790.000đ</bdi>" in fryer


def test_marketplace_shows_only_a_notified_badge(site: DemoSite) -> None:
    home = fetch(site, "demo-chosi.vn", "/").text
    assert "http://online.gov.vn/Home/WebDetails/100002" in home
    assert "Đăng ký bán hàng" in home and "Kênh người bán" in home
    assert fetch(site, "demo-chosi.vn", "/shop/mai-anh-fashion").status == 200


def test_lucky_draw_pages(site: DemoSite) -> None:
    wheel = fetch(site, "demo-chosi.vn", "/khuyen-mai/vong-quay-may-man").text
    assert "Vòng quay may mắn" in wheel and "01/11/2026" in wheel
    lottery = fetch(site, "demo-chosi.vn", "/khuyen-mai/ma-du-thuong-don-tet").text
    assert "theo kết quả xổ số kiến thiết" in lottery


def test_borrowed_badge_points_at_another_sites_record(site: DemoSite) -> None:
    home = fetch(site, "demo-banhang.vn", "/").text
    assert 'href="http://online.gov.vn/Home/WebDetails/100001"' in home


@pytest.mark.parametrize(
    ("host", "disallowed"),
    [
        ("demo-thoitrang.vn", "Disallow: /private/"),
        ("demo-giadung.vn", "Disallow: /wp-admin/"),
        ("demo-chosi.vn", "Disallow: /gio-hang"),
        ("demo-banhang.vn", "Disallow: /cart"),
        ("demo-shopjs.vn", "Disallow: /gio-hang"),
    ],
)
def test_robots_txt_is_served(site: DemoSite, host: str, disallowed: str) -> None:
    robots = fetch(site, host, "/robots.txt")
    assert robots.status == 200
    assert robots.headers["Content-Type"].startswith("text/plain")
    assert disallowed in robots.text


def test_the_disallowed_page_exists(site: DemoSite) -> None:
    # So a crawl test can tell "skipped because of robots.txt" from "not there".
    assert fetch(site, "demo-thoitrang.vn", "/private/bang-gia-dai-ly").status == 200


def test_missing_images_are_generated(site: DemoSite) -> None:
    image = fetch(site, "demo-thoitrang.vn", "/img/logoSaleNoti.png")
    assert image.status == 200
    assert image.headers["Content-Type"] == "image/png"
    assert image.body.startswith(b"\x89PNG\r\n\x1a\n")


# --- portal ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("record_id", "domain", "image"),
    [
        ("100001", "demo-thoitrang.vn", "logoSaleNoti.png"),
        ("100002", "demo-chosi.vn", "logoSaleNoti.png"),
        ("100003", "demo-sanviet.vn", "logoCCDV.png"),
    ],
)
def test_portal_records(site: DemoSite, record_id: str, domain: str, image: str) -> None:
    page = fetch(site, "online.gov.vn", f"/Home/WebDetails/{record_id}")
    assert page.status == 200
    assert "<title>Thông tin website thương mại điện tử - Online.Gov.VN</title>" in page.text
    assert f'<td class="value-detail">{domain}</td>' in page.text
    assert f"/Content/EndUser/LogoCCDVSaleNoti/{image}" in page.text


def test_registered_record_names_its_service_type(site: DemoSite) -> None:
    assert "Loại hình cung cấp dịch vụ:" in fetch(site, "online.gov.vn", "/Home/WebDetails/100003").text
    assert "Loại hình cung cấp dịch vụ:" not in fetch(site, "online.gov.vn", "/Home/WebDetails/100001").text


@pytest.mark.parametrize("record_id", ["999999", "100004", "abc"])
def test_unknown_portal_record_is_404(site: DemoSite, record_id: str) -> None:
    assert fetch(site, "online.gov.vn", f"/Home/WebDetails/{record_id}").status == 404


def test_www_portal_is_the_same_site(site: DemoSite) -> None:
    assert fetch(site, "www.online.gov.vn", "/Home/WebDetails/100001").status == 200


# --- redirects and statuses ----------------------------------------------------


def test_ad_redirect_chain(site: DemoSite) -> None:
    click = fetch(site, "demo-quangcao.vn", "/c/AD001")
    assert click.status == 302
    assert click.headers["Location"] == f"http://demo-quangcao.vn:{site.port}/lp/AD001"

    landing = fetch(site, "demo-quangcao.vn", "/lp/AD001")
    assert '<meta http-equiv="refresh" content="0; url=/go/AD001">' in landing.text

    go = fetch(site, "demo-quangcao.vn", "/go/AD001")
    target = re.search(r'window\.location\.href = "([^"]+)"', go.text)
    assert target is not None
    assert target.group(1).startswith(f"http://demo-giadung.vn:{site.port}/san-pham/noi-chien-khong-dau-5l/")

    final = fetch(site, "demo-giadung.vn", target.group(1).split(str(site.port), 1)[1])
    assert final.status == 200


def test_unknown_ad_is_404(site: DemoSite) -> None:
    assert fetch(site, "demo-quangcao.vn", "/c/AD999").status == 404


def test_old_product_moves_permanently(site: DemoSite) -> None:
    moved = fetch(site, "demo-giadung.vn", "/old-product")
    assert moved.status == 301
    assert moved.headers["Location"] == f"http://demo-giadung.vn:{site.port}/san-pham/noi-chien-khong-dau-5l/"


def test_redirect_out_targets_the_bare_ip(site: DemoSite) -> None:
    out = fetch(site, "demo-giadung.vn", "/redirect-out")
    assert out.status == 302
    assert out.headers["Location"] == f"http://127.0.0.1:{site.port}/"


@pytest.mark.parametrize("host", ["demo-thoitrang.vn", "demo-chosi.vn", "online.gov.vn"])
@pytest.mark.parametrize("status", [404, 500])
def test_status_routes_under_any_host(site: DemoSite, host: str, status: int) -> None:
    assert fetch(site, host, f"/any/where/status/{status}").status == status
    assert fetch(site, host, f"/status/{status}").status == status


# --- the JS shop and the misbehaving pages --------------------------------------


def test_js_shop_keeps_prices_out_of_the_static_html(site: DemoSite) -> None:
    shell = fetch(site, "demo-shopjs.vn", "/p/SJS002").text
    assert '<div id="app" data-view="product" data-product-id="SJS002"></div>' in shell
    assert "₫" not in shell and "490" not in shell
    product = json.loads(fetch(site, "demo-shopjs.vn", "/api/product/SJS002.json").body)
    assert product["price"] / product["compare_at_price"] < 0.5
    listing = json.loads(fetch(site, "demo-shopjs.vn", "/api/products.json").body)
    assert [p["url"] for p in listing["products"]] == [f"/p/SJS00{n}" for n in range(1, 5)]


def test_never_idle_page_polls(site: DemoSite) -> None:
    page = fetch(site, "demo-giadung.vn", "/js/never-idle").text
    assert 'fetch("/api/ping.json' in page and "setTimeout(poll" in page


def test_slow_page_does_not_block_stop() -> None:
    slow_site = DemoSite().start()
    outcome: dict[str, object] = {}
    headers_read = threading.Event()

    def read_slow_page() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", slow_site.port, timeout=60)
        connection.request("GET", "/slow/never", headers={"Host": "demo-giadung.vn"})
        response = connection.getresponse()
        outcome["status"] = response.status
        headers_read.set()
        try:
            response.read()
        except http.client.IncompleteRead as error:
            outcome["partial"] = error.partial
        connection.close()

    reader = threading.Thread(target=read_slow_page, daemon=True)
    reader.start()
    assert headers_read.wait(30)
    slow_site.stop()
    reader.join(30)  # a safety net so a regression fails instead of hanging
    assert not reader.is_alive()
    assert outcome["status"] == 200
    partial = outcome["partial"]
    assert isinstance(partial, bytes)
    assert b"<p>" in partial and b"</html>" not in partial


def test_post_is_refused(site: DemoSite) -> None:
    assert fetch(site, "demo-thoitrang.vn", "/account/login", method="POST").status == 405


def test_stop_is_idempotent() -> None:
    demo = DemoSite().start()
    demo.stop()
    demo.stop()


def test_module_entry_prints_the_host_map() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "cli.demosite", "--port", "0"],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True, encoding="utf-8",
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(3)]
    finally:
        process.terminate()
        process.wait(30)
    assert lines[0].startswith("ecwatch demo site on http://127.0.0.1:")
    assert "demo-thoitrang.vn" in lines[2]
