"""JavaScript pages and evidence in real headless Chromium, against the demo site's JS shop."""

from __future__ import annotations

import hashlib
import json
import struct
import zlib
from datetime import timezone
from io import BytesIO
from pathlib import Path
from typing import Iterator

import pytest
from warcio.archiveiterator import ArchiveIterator

from cli.demosite import DemoSite
from detectors import parse_page
from storage.models import Finding, PageSnapshot

from .crawls import NO_BROWSER, Crawl, crawl, run_ecwatch

JS_SHOP = "demo-shopjs.vn"


@pytest.fixture(scope="module")
def site() -> Iterator[DemoSite]:
    with DemoSite() as demo:
        yield demo


@pytest.fixture(scope="module")
def rendered(site: DemoSite, chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    return crawl(site, tmp_path_factory.mktemp("auto"), "storefront", urls=[site.url(JS_SHOP)]).check()


@pytest.fixture(scope="module")
def static(site: DemoSite, chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    return crawl(site, tmp_path_factory.mktemp("never"), "storefront", urls=[site.url(JS_SHOP)],
                 settings={"ECWATCH_RENDER": "never"}).check()


def _prices(result: Crawl, snapshot: PageSnapshot) -> list[float]:
    page = parse_page((result.data_dir / snapshot.body_path).read_bytes(), snapshot.final_url)
    return [float(o.price) for o in page.offers if o.price is not None]


def _sjs002_discount(result: Crawl) -> Finding:
    return next(f for f in result.findings() if f.rule == "PROMO-DISC-50" and f.evidence.get("price") == "490000")


def _products(result: Crawl) -> list[PageSnapshot]:
    return [s for s in result.snapshots() if "/p/" in s.final_url]


@pytest.mark.browser
def test_the_js_shop_prices_are_found_only_with_rendering(rendered: Crawl, static: Crawl) -> None:
    # Without the browser the product links are not even in the shell: only the home page is seen.
    assert [s.rendered for s in static.snapshots()] == [False]
    assert _prices(static, static.snapshots()[0]) == []
    assert not {f.rule for f in static.findings()} & {"PROMO-DISC-50"}
    assert "playwright/page_count" not in static.stats()  # never meant no page was opened

    products = _products(rendered)
    assert len(products) == 4 and all(s.rendered for s in rendered.snapshots())
    assert {s.final_url.rsplit("/", 1)[1]: _prices(rendered, s) for s in products}["SJS002"] == [490000.0]
    assert all(_prices(rendered, s) for s in products)
    assert _sjs002_discount(rendered).evidence["reference_price"] == "1200000"
    stats = rendered.stats()
    assert stats["ecwatch/render/on_demand"] == 5 and stats["ecwatch/render/pages"] == 5


@pytest.mark.browser
def test_discovery_renders_skip_images_but_evidence_visits_load_them(
        site: DemoSite, chromium: str, tmp_path: Path) -> None:
    product = "/san-pham/ruou-nep-40-do"  # a promotion of a banned good, with its photo
    picture = "/wp-content/uploads/2026/10/ruou-nep-40-do.png"
    before = site.requests_seen().count(("demo-giadung.vn", picture))
    result = crawl(site, tmp_path, "storefront", urls=[site.url("demo-giadung.vn", product)],
                   settings={"ECWATCH_RENDER": "always", "ECWATCH_MAX_PAGES_PER_SITE": 1}).check()
    stats = result.stats()
    assert stats["ecwatch/render/discovery"] == 1 and stats["ecwatch/render/aborted_resources"] >= 1
    assert stats["ecwatch/evidence/captured"] == 1
    assert site.requests_seen().count(("demo-giadung.vn", picture)) == before + 1  # the evidence visit's


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _png_is_not_blank(data: bytes) -> bool:
    chunks, position = [], 8
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        if kind == b"IDAT":
            chunks.append(data[position + 8:position + 8 + length])
        position += 12 + length
    pixels = zlib.decompress(b"".join(chunks))
    return len(set(pixels[:2_000_000])) > 8


@pytest.mark.browser
def test_evidence_is_a_screenshot_a_dom_a_warc_and_the_html_with_matching_hashes(rendered: Crawl) -> None:
    findings = rendered.findings()
    assert findings
    for finding in findings:
        artifacts = {a.kind: a for a in finding.snapshot.artifacts}
        assert set(artifacts) == {"html", "dom", "screenshot", "warc"}, finding.url
        for artifact in artifacts.values():
            data = (rendered.data_dir / artifact.path).read_bytes()
            assert hashlib.sha256(data).hexdigest() == artifact.sha256 and len(data) == artifact.size
            assert artifact.path.endswith(artifact.sha256)  # content-addressed
            assert artifact.captured_at.tzinfo == timezone.utc
            assert artifact.captured_at >= finding.snapshot.fetched_at
    # A product's discount is one finding for the site: its evidence is the first rendered page showing it.
    product = _sjs002_discount(rendered).snapshot
    files = {a.kind: (rendered.data_dir / a.path).read_bytes() for a in product.artifacts}
    width, height = _png_size(files["screenshot"])
    assert width == 1366 and height >= 768 and _png_is_not_blank(files["screenshot"])
    # The html file is what was judged (the rendered page), so the finding's prices are in it.
    assert "490.000₫" in files["dom"].decode() and "490.000₫" in files["html"].decode()
    assert product.server_ip == "127.0.0.1" and product.rendered
    records = [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI"), r.rec_headers.get_header("WARC-IP-Address"),
                r.content_stream().read()) for r in ArchiveIterator(BytesIO(files["warc"]))]
    assert [(kind, uri) for kind, uri, _, _ in records[1:]] == [("request", product.final_url),
                                                                ("response", product.final_url)]
    served = records[2][3].decode()
    assert records[2][2] == "127.0.0.1" and 'id="app"' in served
    assert "490.000" not in served  # the document as served: the empty shell


@pytest.mark.browser
def test_findings_jsonl_lists_the_four_evidence_files(rendered: Crawl) -> None:
    result = run_ecwatch(["findings", "--format", "jsonl"], rendered.data_dir)
    assert result.completed.returncode == 0, result.completed.stderr
    for line in result.completed.stdout.splitlines():
        record = json.loads(line)
        assert [a["kind"] for a in record["artifacts"]] == ["dom", "html", "screenshot", "warc"]
        for artifact in record["artifacts"]:
            assert hashlib.sha256(Path(artifact["path"]).read_bytes()).hexdigest() == artifact["sha256"]


@pytest.mark.browser
def test_a_site_wide_finding_is_captured_once_not_on_every_page(rendered: Crawl) -> None:
    with_findings = {f.reference.snapshot_id for f in rendered.findings()}
    captured = {s.id for s in rendered.snapshots() if any(a.kind == "screenshot" for a in s.artifacts)}
    stats = rendered.stats()
    # Each capture became the reference of the findings it was taken for.
    assert stats["ecwatch/evidence/captured"] == len(captured) and captured == with_findings
    # Every page carries the shop's missing notification; only the pages with their own findings were shot.
    assert stats["ecwatch/findings/ECOM-NOTIFY-MISSING"] == 5 and len(captured) < 5
    assert stats["ecwatch/evidence/skipped/seen_in_crawl"] >= 1


@pytest.mark.browser
def test_a_recrawl_takes_no_new_evidence_for_findings_that_have_it(
        site: DemoSite, chromium: str, tmp_path: Path) -> None:
    first = crawl(site, tmp_path, "storefront", urls=[site.url(JS_SHOP, "/p/SJS002")]).check()
    assert first.stats()["ecwatch/evidence/captured"] == 1
    second = crawl(site, tmp_path, "storefront", urls=[site.url(JS_SHOP, "/p/SJS002")]).check()
    stats = second.stats()  # the second run, in the same database
    assert "ecwatch/evidence/captured" not in stats and stats["ecwatch/evidence/skipped/stored"] == 1


@pytest.mark.browser
def test_pages_that_never_settle_time_out_cleanly_and_the_crawl_goes_on(
        site: DemoSite, chromium: str, tmp_path: Path) -> None:
    result = crawl(site, tmp_path, "storefront",
                   urls=[site.url("demo-giadung.vn", "/slow/never"), site.url("demo-giadung.vn", "/js/never-idle"),
                         site.url(JS_SHOP, "/p/SJS001")],
                   settings={"ECWATCH_RENDER_SITES": "demo-giadung.vn=always", "ECWATCH_NAVIGATION_TIMEOUT": 3,
                             "ECWATCH_SETTLE_TIMEOUT": 1, "ECWATCH_EVIDENCE": False}).check()
    stats = result.stats()
    assert stats["ecwatch/errors/TimeoutError"] == 1 and stats["errors"] >= 1  # /slow/never, once, no retries
    assert stats["ecwatch/render/settle_timeout"] == 1  # /js/never-idle: taken as it was after 1 s
    urls = {s.final_url.split(str(site.port), 1)[1]: s for s in result.snapshots()}
    assert set(urls) == {"/js/never-idle", "/p/SJS001"}
    assert urls["/js/never-idle"].rendered and _prices(result, urls["/js/never-idle"]) == [350000.0]
    log = next((tmp_path / "logs").glob("crawl-*.log")).read_text(encoding="utf-8")
    assert "slow/never" in log and "Timeout 3000ms exceeded" in log
    assert stats.get("playwright/page_count/max_concurrent", 0) <= 4


def test_without_a_browser_the_crawl_stores_pages_as_served_and_says_how_to_get_one(
        site: DemoSite, tmp_path: Path) -> None:
    urls = [site.url(JS_SHOP), site.url("demo-giadung.vn", "/san-pham/ruou-nep-40-do")]
    result = crawl(site, tmp_path, "storefront", urls=urls, env=NO_BROWSER,
                   settings={"ECWATCH_MAX_PAGES_PER_SITE": 1}).check()
    hints = [line for line in result.completed.stderr.splitlines() if "ECWATCH_CHROMIUM" in line]
    assert len(hints) == 1 and "without screenshots" in hints[0]
    assert result.snapshots() and not any(s.rendered for s in result.snapshots())
    stats = result.stats()
    assert stats["ecwatch/render/unavailable"] >= 1 and stats["ecwatch/evidence/failed/no_browser"] >= 1
    assert not any(key.startswith("playwright/") for key in stats)
    findings = result.findings()
    assert findings and all({a.kind for a in f.snapshot.artifacts} == {"html"} for f in findings)
