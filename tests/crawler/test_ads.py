"""The ads spider: every hop from the click to the landing page, in order, as evidence."""

from __future__ import annotations

import json
from io import BytesIO
from pathlib import Path
from typing import Iterator

import pytest
from warcio.archiveiterator import ArchiveIterator

from cli.demosite import DemoSite
from storage.models import PageSnapshot

from .crawls import NO_BROWSER, Crawl, crawl, run_ecwatch


@pytest.fixture(scope="module")
def site() -> Iterator[DemoSite]:
    with DemoSite() as demo:
        yield demo


@pytest.fixture(scope="module")
def ads(site: DemoSite, chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    data_dir = tmp_path_factory.mktemp("ads")
    return crawl(site, data_dir, "ads", seeds=site.ad_links_csv(data_dir / "ads.csv")).check()


def _by_ad(result: Crawl) -> dict[str, PageSnapshot]:
    return {s.ad_id: s for s in result.snapshots() if s.ad_id}


def _path(site: DemoSite, url: str) -> str:
    return url.replace(f":{site.port}", "").replace("http://", "")


@pytest.mark.browser
def test_the_whole_redirect_chain_is_recorded_in_order(ads: Crawl, site: DemoSite) -> None:
    snapshot = _by_ad(ads)["AD001"]
    assert _path(site, snapshot.requested_url) == "demo-quangcao.vn/c/AD001"
    assert _path(site, snapshot.final_url).startswith("demo-giadung.vn/san-pham/noi-chien-khong-dau-5l/?utm_source")
    assert [(_path(site, h["url"]), h["status"], h["via"]) for h in snapshot.redirect_chain] == [
        ("demo-quangcao.vn/c/AD001", 302, "http"),
        ("demo-quangcao.vn/lp/AD001", 200, "meta-refresh"),
        ("demo-quangcao.vn/go/AD001", 200, "javascript"),
    ]
    assert [h["to"] for h in snapshot.redirect_chain][-1] == snapshot.final_url
    times = [h["at"] for h in snapshot.redirect_chain]
    assert times == sorted(times)
    assert snapshot.status == 200 and snapshot.rendered and snapshot.server_ip == "127.0.0.1"


@pytest.mark.browser
def test_every_hop_is_in_the_warc_with_its_body(ads: Crawl, site: DemoSite) -> None:
    snapshot = _by_ad(ads)["AD001"]
    artifacts = {a.kind: a for a in snapshot.artifacts}
    assert set(artifacts) == {"html", "dom", "screenshot", "warc"}
    warc = (ads.data_dir / artifacts["warc"].path).read_bytes()
    responses = [(r.rec_headers.get_header("WARC-Target-URI"), r.http_headers.get_statuscode(),
                  r.content_stream().read()) for r in ArchiveIterator(BytesIO(warc)) if r.rec_type == "response"]
    assert [(_path(site, url), status) for url, status, _ in responses] == [
        ("demo-quangcao.vn/c/AD001", "302"), ("demo-quangcao.vn/lp/AD001", "200"),
        ("demo-quangcao.vn/go/AD001", "200"), (_path(site, snapshot.final_url), "200")]
    assert b'http-equiv="refresh"' in responses[1][2]
    assert b"window.location.href" in responses[2][2]  # read before the page went away
    # The landing page as served is in the WARC; the html file is what was judged (the snapshot's body).
    assert "Nồi chiên không dầu".encode() in responses[3][2]
    assert artifacts["html"].sha256 == snapshot.body_sha256


@pytest.mark.browser
def test_landing_page_findings_keep_the_ad_id(ads: Crawl) -> None:
    rules = {(f.ad_id, f.rule) for f in ads.findings()}
    assert ("AD001", "PROMO-DISC-50") in rules  # 790K instead of 1.790K
    assert ("AD002", "PROMO-LUCKY-REG") in rules  # the lucky wheel
    assert ("AD003", "PROMO-DISC-50") in rules  # a JavaScript shop: seen only because it was rendered
    assert all(f.ad_id == f.snapshot.ad_id for f in ads.findings())


@pytest.mark.browser
def test_an_expired_campaign_is_stored_with_its_404(ads: Crawl, site: DemoSite) -> None:
    snapshot = _by_ad(ads)["AD004"]
    assert snapshot.status == 404
    chain = [(_path(site, h["url"]), h["via"]) for h in snapshot.redirect_chain]
    assert chain == [("demo-quangcao.vn/c/AD004", "http")]
    stats = ads.stats()
    assert stats["ecwatch/ads/links"] == stats["ecwatch/ads/landed"] == 4
    assert stats["ecwatch/ads/hops"] == 3 * 3 + 1


def test_without_a_browser_the_chain_stops_at_the_javascript_hop(site: DemoSite, tmp_path: Path) -> None:
    result = crawl(site, tmp_path, "ads", seeds=site.ad_links_csv(tmp_path / "ads.csv"), env=NO_BROWSER).check()
    snapshot = _by_ad(result)["AD001"]
    assert _path(site, snapshot.final_url) == "demo-quangcao.vn/go/AD001"
    assert [(_path(site, h["url"]), h["via"]) for h in snapshot.redirect_chain] == [
        ("demo-quangcao.vn/c/AD001", "http"), ("demo-quangcao.vn/lp/AD001", "meta-refresh")]
    assert result.stats()["ecwatch/ads/static_only"] == 4


def test_a_bad_ad_links_file_is_one_clear_error(site: DemoSite, tmp_path: Path) -> None:
    links = tmp_path / "ads.csv"
    links.write_text("ad_id,source,url,first_seen\nAD1,fb,https://t.vn/c/1,2026-11-18\nAD2,fb,t.vn/c/2,\n",
                     encoding="utf-8")
    result = crawl(site, tmp_path, "ads", seeds=links)
    assert result.completed.returncode != 0
    assert result.completed.stderr.strip().splitlines() == [
        f"Error: ad links {links} line 3, url: 't.vn/c/2' is not an http(s) URL"]


@pytest.mark.browser
def test_the_findings_export_names_the_ad(ads: Crawl) -> None:
    listed = run_ecwatch(["findings", "--format", "jsonl"], ads.data_dir)
    assert listed.completed.returncode == 0, listed.completed.stderr
    ad_ids = {json.loads(line)["ad_id"] for line in listed.completed.stdout.splitlines()}
    assert {"AD001", "AD002", "AD003"} <= ad_ids


@pytest.mark.browser
def test_findings_show_prints_every_hop_of_the_ads_chain(ads: Crawl, site: DemoSite) -> None:
    finding = next(f for f in ads.findings() if f.ad_id == "AD001")
    shown = run_ecwatch(["findings", "show", str(finding.id)], ads.data_dir)
    assert shown.completed.returncode == 0, shown.completed.stderr
    output = shown.completed.stdout
    chain = finding.reference.snapshot.redirect_chain
    assert len(chain) == 3 and f"ad AD001: 3 hop(s) to {finding.url}" in output
    for number, hop in enumerate(chain, 1):
        assert f"{number}. {hop['url']} [{hop['status']} {hop['via']}] -> {hop['to']}" in output
    assert finding.legal_basis in output and finding.title_vi in output
