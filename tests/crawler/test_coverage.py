"""A crawl fetches every page within its limits, once: a generated shop whose products are linked both
deep (chains of related products) and shallow (their category page)."""

from __future__ import annotations

from pathlib import Path

from bench.shop import Shop, ShopServer, ShopSpec

from .crawls import run_ecwatch

SPEC = ShopSpec(products=300, categories=6, per_page=10, related=4, paragraphs=2)
DEPTH_LIMIT = 4


def test_every_page_within_the_depth_limit_is_fetched_once(tmp_path: Path) -> None:
    shop = Shop(SPEC)
    expected = {path for path, depth in shop.depths().items() if depth <= DEPTH_LIMIT}
    assert len(expected) < len(shop.paths())  # the limit does cut the shop: the test means something
    with ShopServer(shop) as server:
        settings = {"ECWATCH_ALLOW_PRIVATE_TARGETS": f"127.0.0.1:{server.port}",
                    "ECWATCH_HOST_MAP": f"{SPEC.host}=127.0.0.1",
                    "DEPTH_LIMIT": DEPTH_LIMIT, "ECWATCH_MAX_PAGES_PER_SITE": 10_000, "ECWATCH_EVIDENCE": 0,
                    "ECWATCH_RENDER": "auto", "AUTOTHROTTLE_ENABLED": 0, "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
                    "ECWATCH_PROGRESS_INTERVAL": 0, "ECWATCH_RESOLVE_BADGES": 0}
        args = ["crawl", "storefront", "--url", server.url("/")]
        for name, value in settings.items():
            args += ["-s", f"{name}={value}"]
        result = run_ecwatch(args, tmp_path).check()
        fetched = dict(server.fetched)
    fetched.pop("/robots.txt", None)
    assert set(fetched) == expected
    assert set(fetched.values()) == {1}  # none twice
    assert len(result.snapshots()) == len(expected)
    # Every page showed its prices over plain HTTP: the browser (Playwright's driver) was never started.
    assert not any(key.startswith("playwright/") for key in result.stats())
    log = next((tmp_path / "logs").glob("crawl-*.log")).read_text(encoding="utf-8")
    assert "Starting download handler" not in log
