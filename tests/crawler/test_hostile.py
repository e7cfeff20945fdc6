"""Hostile and broken pages: for each, the crawl finishes, the page is recorded with a clear status,
nothing else is lost, memory stays bounded. One crawl of the hostile site, one test per case."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from storage.blobs import BlobStore
from storage.models import PageSnapshot

from .crawls import Crawl, run_ecwatch
from .hostile import CASES, HOST, HostileSite


@pytest.fixture(scope="module")
def site() -> Iterator[HostileSite]:
    with HostileSite() as hostile:
        yield hostile


@pytest.fixture(scope="module")
def crawled(site: HostileSite, tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    # The site and its broken TLS port, nothing else.
    settings = {"ECWATCH_ALLOW_PRIVATE_TARGETS": f"127.0.0.1:{site.port},127.0.0.1:{site.tls_port}",
                "ECWATCH_HOST_MAP": f"{HOST}=127.0.0.1,online.gov.vn=127.0.0.1",
                "ECWATCH_PORTAL_URL": site.url("").rstrip("/"), "ECWATCH_EVIDENCE": 0, "ECWATCH_RENDER": "never",
                "ECWATCH_PROGRESS_INTERVAL": 0, "AUTOTHROTTLE_START_DELAY": 0, "DOWNLOAD_TIMEOUT": 4,
                "DEPTH_LIMIT": 3, "ECWATCH_DETECT_ON": "2026-10-15"}
    args = ["crawl", "storefront", "--url", site.url("/")]
    for name, value in settings.items():
        args += ["-s", f"{name}={value}"]
    return run_ecwatch(args, tmp_path_factory.mktemp("hostile"))


def _snapshot(crawled: Crawl, path: str) -> PageSnapshot:
    [snapshot] = [s for s in crawled.snapshots() if s.requested_url.split(HOST, 1)[1].split(":", 1)[1].lstrip("0123456789") == path]
    return snapshot


def _rules(crawled: Crawl, snapshot: PageSnapshot) -> set[str]:
    return {f.rule for f in crawled.findings() if any(s.snapshot_id == snapshot.id for s in f.sightings)}


def test_the_crawl_of_the_hostile_site_finishes_with_bounded_memory(crawled: Crawl) -> None:
    crawled.check()
    run = crawled.last_run()
    assert run.status == "finished"
    assert run.stats["memusage/max"] < 1 << 30  # the gzip bomb and the huge page were not held whole


@pytest.mark.parametrize("path", ["/san-pham/malformed", "/san-pham/windows-1258", "/san-pham/utf8-bom-wrong-header",
                                  "/san-pham/no-charset"])
def test_broken_markup_and_charsets_are_read_right(crawled: Crawl, path: str) -> None:
    snapshot = _snapshot(crawled, path)
    assert snapshot.judge_status == "judged"
    assert "PROMO-DISC-50" in _rules(crawled, snapshot), CASES[path]  # 790.000 for 2.000.000: read, in Vietnamese


def test_a_huge_page_is_stored_truncated_and_says_so(crawled: Crawl) -> None:
    snapshot = _snapshot(crawled, "/san-pham/huge")
    body = BlobStore(crawled.data_dir).read(snapshot.body_path)
    assert 16 * 1024 * 1024 <= len(body) < 20 * 1024 * 1024
    assert snapshot.fetch_note and snapshot.fetch_note.startswith("truncated at")
    # Too large to judge: stored, and recorded as not judged, with why; the run counts it.
    assert snapshot.judge_status == "not_judged" and "judging limit" in (snapshot.judge_note or "")
    assert crawled.last_run().stats["ecwatch/judged/not_judged"] >= 1


def test_a_gzip_bomb_is_not_inflated_and_the_refusal_is_counted(crawled: Crawl, site: HostileSite) -> None:
    assert not [s for s in crawled.snapshots() if s.requested_url.endswith("/gzip-bomb")]
    assert site.count("/san-pham/gzip-bomb") == 1  # not retried either
    assert crawled.last_run().stats.get("ecwatch/errors", 0) >= 1


def test_binary_served_as_html_is_stored_with_its_status(crawled: Crawl) -> None:
    snapshot = _snapshot(crawled, "/san-pham/binary")
    assert snapshot.judge_status in ("judged", "not_judged") and snapshot.body_size == 50_000


def test_a_redirect_loop_ends(crawled: Crawl, site: HostileSite) -> None:
    assert site.count("/san-pham/redirect-loop") + site.count("/san-pham/redirect-loop-b") <= 25


def test_an_endless_pagination_stops_at_the_depth_limit(crawled: Crawl, site: HostileSite) -> None:
    pages = [s for s in crawled.snapshots() if "/danh-muc/trap" in s.requested_url]
    assert 1 <= len(pages) <= 3 and site.count("/danh-muc/trap") == len(pages)


@pytest.mark.parametrize("path", ["/san-pham/overloaded", "/san-pham/too-many"])
def test_an_overloaded_server_is_given_time_and_the_page_is_fetched_in_the_end(crawled: Crawl, site: HostileSite,
                                                                               path: str) -> None:
    assert site.count(path) == 3 and _snapshot(crawled, path).status == 200
    assert crawled.last_run().stats["ecwatch/backoff"] >= 1


def test_a_slow_drip_page_is_given_up_once_without_retries(crawled: Crawl, site: HostileSite) -> None:
    assert site.count("/san-pham/slow-drip") == 1
    assert not [s for s in crawled.snapshots() if s.requested_url.endswith("/slow-drip")]


def test_three_hundred_badge_links_make_a_handful_of_portal_requests(crawled: Crawl) -> None:
    stats = crawled.last_run().stats
    assert stats.get("ecwatch/portal/requests", 0) <= 5


@pytest.mark.browser
def test_a_page_with_alerts_pop_ups_and_endless_polling_is_rendered_and_stored(site: HostileSite, chromium: str,
                                                                               tmp_path: Path) -> None:
    settings = {"ECWATCH_ALLOW_PRIVATE_TARGETS": f"127.0.0.1:{site.port}", "ECWATCH_HOST_MAP": f"{HOST}=127.0.0.1",
                "ECWATCH_RENDER": "always", "ECWATCH_PROGRESS_INTERVAL": 0, "ECWATCH_SETTLE_TIMEOUT": 1,
                "ECWATCH_MAX_PAGES_PER_SITE": 1, "ECWATCH_DETECT_ON": "2026-10-15", "ECWATCH_RESOLVE_BADGES": 0}
    args = ["crawl", "storefront", "--url", site.url("/san-pham/dialogs")]
    for name, value in settings.items():
        args += ["-s", f"{name}={value}"]
    result = run_ecwatch(args, tmp_path).check()
    [snapshot] = result.snapshots()
    assert snapshot.rendered and "PROMO-DISC-50" in _rules(result, snapshot)
    stats = result.stats()
    assert stats["ecwatch/browser/dialogs_dismissed"] >= 1 and stats["ecwatch/browser/popups_closed"] >= 1


def test_a_broken_tls_server_is_an_error_of_its_own_and_nothing_else_is_lost(crawled: Crawl, site: HostileSite) -> None:
    stats = crawled.last_run().stats
    assert 1 <= site.tls_attempts <= 6  # tried: robots.txt and the page, with Scrapy's retries at most
    assert not [s for s in crawled.snapshots() if s.requested_url.startswith("https://")]
    assert stats["ecwatch/errors/DownloadFailedError"] >= 1  # the handshake failure, counted
    log = next((crawled.data_dir / "logs").glob("crawl-*.log")).read_text(encoding="utf-8")
    assert "san-pham/tls" in log and "SSL routines" in log
    assert crawled.last_run().status == "finished"
