"""Real crawls of a page that turns the crawler against this machine, with only the shop allowed:
the browser, Scrapy (links, the portal lookup of a badge) and the ads spider's visits."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from warcio.archiveiterator import ArchiveIterator

from .crawls import Crawl, run_ecwatch
from .outbound_site import REDIRECTED, HostileShop, Trap


@pytest.fixture
def trap() -> Iterator[Trap]:
    with Trap() as trap:
        yield trap


def _crawl(spider: str, shop: HostileShop, data_dir: Path, args: list[str], portal: str) -> Crawl:
    settings = {**shop.only_this_target, "ECWATCH_DETECT_ON": "2026-11-20", "ECWATCH_PROGRESS_INTERVAL": 0,
                "AUTOTHROTTLE_START_DELAY": 0, "ECWATCH_PORTAL_URL": portal}
    return run_ecwatch(["crawl", spider, *args, *[a for k, v in settings.items() for a in ("-s", f"{k}={v}")]],
                       data_dir)


def _log(result: Crawl) -> str:
    return next((result.data_dir / "logs").glob("crawl-*.log")).read_text(encoding="utf-8")


@pytest.mark.browser
def test_a_hostile_page_makes_no_connection_to_another_local_port_and_is_still_captured(
        trap: Trap, second_loopback: str, chromium: str, tmp_path: Path) -> None:
    with HostileShop(trap, address=second_loopback) as shop:
        result = _crawl("storefront", shop, tmp_path, ["--url", shop.url], portal=trap.origin).check()
    assert trap.connections == [] and trap.datagrams == []
    # The browser did ask the shop for each redirect to the trap, so none of them was left untried.
    for method, path in REDIRECTED:
        assert method in {m for m, _ in shop.redirected_to(path)}, path
    assert ("POST", b"secret=307") in shop.redirected_to("/post-307")
    assert not [url for _, url, _ in shop.seen() if "websocket=open" in url]
    [home] = [s for s in result.snapshots() if s.final_url == shop.url]
    assert {a.kind for a in home.artifacts} == {"html", "dom", "screenshot", "warc"}
    assert home.server_ip == second_loopback  # the shop's address, not the browser proxy's
    warc = next(a for a in home.artifacts if a.kind == "warc")
    with (result.data_dir / warc.path).open("rb") as stream:
        addresses = {r.rec_headers.get_header("WARC-IP-Address") for r in ArchiveIterator(stream)
                     if r.rec_type == "response"}
    assert addresses == {second_loopback}
    stats = result.stats()
    assert stats["ecwatch/evidence/captured"] == 1 and stats["ecwatch/refused_private_target"] >= 1
    assert stats["ecwatch/portal/requests"] == stats["ecwatch/portal/errors"] == 1  # the badge's record, refused
    assert f"Refused browser connections to 127.0.0.1:{trap.tcp_port}" in _log(result)


@pytest.mark.browser
def test_an_ad_that_redirects_to_another_local_port_is_refused_and_recorded(
        trap: Trap, chromium: str, tmp_path: Path) -> None:
    with HostileShop(trap) as shop:
        links = tmp_path / "ads.csv"
        click = f"{shop.url}r302?to={trap.origin}/landing"
        links.write_text(f"ad_id,source,url,first_seen\nAD-LOCAL,test,{click},2026-11-20\n", encoding="utf-8")
        result = _crawl("ads", shop, tmp_path, ["--seeds", str(links)], portal=trap.origin)
    assert trap.connections == []
    assert shop.redirected_to("/landing")  # the click was followed up to the refused hop
    run = result.last_run()  # its only ad reached no page: the run failed, saying why
    assert run.status == "failed" and run.error.startswith(f"no page could be fetched: {click}: connection closed")
    assert "(connections: 1 to private addresses refused" in run.error
    stats = dict(run.stats)
    assert stats["ecwatch/ads/links"] == 1 and stats["ecwatch/refused_private_target"] >= 1
    log = _log(result)
    assert f"Refused browser connections to 127.0.0.1:{trap.tcp_port}" in log and "AD-LOCAL" in log
