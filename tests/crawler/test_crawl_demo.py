"""A real crawl of the bundled demo shops, through the ``ecwatch`` command in a subprocess."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from cli.demosite import DemoSite
from crawler.browser import missing_browser_hint
from storage.blobs import BlobStore
from storage.db import make_engine, session_scope
from storage.models import CrawlRun, Finding, RegistryRecordRow

from .crawls import Crawl, crawl, run_ecwatch


def browser_found() -> bool:
    return missing_browser_hint() is None


@pytest.fixture(scope="module")
def demo_site() -> Iterator[DemoSite]:
    with DemoSite() as site:
        yield site


def crawl_demo(site: DemoSite, data_dir: Path, allow_private: bool = True) -> Crawl:
    """The demo's own allowance (its server's host:port only), or none."""
    return crawl(site, data_dir, "storefront", urls=site.seeds(),
                 settings={} if allow_private else {"ECWATCH_ALLOW_PRIVATE_TARGETS": "0"})


@pytest.fixture(scope="module")
def crawled(demo_site: DemoSite, tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    result = crawl_demo(demo_site, tmp_path_factory.mktemp("crawl"))
    assert result.completed.returncode == 0, result.completed.stdout + result.completed.stderr
    return result


def _findings(result: Crawl) -> list[tuple[str, str, str, str]]:
    engine = make_engine(result.database_url)
    with session_scope(engine) as session:
        rows = [(f.site.domain, f.rule, f.url, f.status) for f in session.scalars(select(Finding))]
    engine.dispose()
    return rows


def test_the_crawl_stores_every_shop_with_its_evidence(crawled: Crawl, demo_site: DemoSite) -> None:
    snapshots = crawled.snapshots()
    sites = {s.site.domain for s in snapshots}
    assert {"demo-thoitrang.vn", "demo-giadung.vn", "demo-chosi.vn", "demo-banhang.vn"} <= sites
    assert len(snapshots) >= 20
    blobs = BlobStore(crawled.data_dir)
    for snapshot in snapshots:
        stored = (crawled.data_dir / snapshot.body_path).read_bytes()
        body = blobs.read(snapshot.body_path)
        assert snapshot.body_path.endswith(".gz") and len(stored) < len(body)  # bodies are kept compressed
        assert len(body) == snapshot.body_size
        assert hashlib.sha256(body).hexdigest() == snapshot.body_sha256
        assert snapshot.fetched_at.tzinfo is not None
    assert "Crawl run" in crawled.completed.stdout and "findings" in crawled.completed.stdout


def test_the_crawl_skips_login_cart_account_search_and_robots_disallowed_pages(crawled: Crawl) -> None:
    paths = [urlsplit(s.final_url).path.lower() for s in crawled.snapshots()]
    queries = [urlsplit(s.final_url).query.lower() for s in crawled.snapshots()]
    for word in ("login", "dang-nhap", "cart", "gio-hang", "account", "tai-khoan", "checkout", "search", "tim-kiem"):
        assert not any(word in path for path in paths), word
    assert not any("q=" in q.split("&")[0] for q in queries)
    assert not any(path.startswith("/private/") for path in paths)


def test_the_crawl_run_is_recorded_with_counts(crawled: Crawl) -> None:
    engine = make_engine(crawled.database_url)
    with session_scope(engine) as session:
        [run] = session.scalars(select(CrawlRun)).all()
        assert run.status == "finished" and run.spider == "storefront"
        assert run.pages == len(crawled.snapshots()) and run.findings > 0
        assert run.finished_at is not None and run.log_path and Path(run.log_path).exists()
    engine.dispose()


def test_badges_are_verified_against_the_portal_records_fetched_during_the_crawl(crawled: Crawl) -> None:
    engine = make_engine(crawled.database_url)
    with session_scope(engine) as session:
        records = {r.record_id: (r.domain, r.kind) for r in session.scalars(select(RegistryRecordRow))}
    engine.dispose()
    assert records.get("100001") == ("demo-thoitrang.vn", "notified")
    assert records.get("100002") == ("demo-chosi.vn", "notified")
    rules_by_site: dict[str, set[str]] = {}
    for site, rule, _, _ in _findings(crawled):
        rules_by_site.setdefault(site, set()).add(rule)
    assert "ECOM-BADGE-FAKE" in rules_by_site["demo-banhang.vn"]  # borrowed record
    assert "ECOM-BADGE-TYPE" in rules_by_site["demo-chosi.vn"]  # marketplace with a notified record only
    assert "ECOM-NOTIFY-MISSING" in rules_by_site["demo-giadung.vn"]  # no badge at all
    assert not {"ECOM-NOTIFY-MISSING", "ECOM-BADGE-FAKE"} & rules_by_site.get("demo-thoitrang.vn", set())


def test_promotion_findings_on_the_demo_shops(crawled: Crawl) -> None:
    rules = Counter(rule for _, rule, _, _ in _findings(crawled))
    for rule in ("PROMO-DISC-50", "PROMO-BANNED-GOODS", "PROMO-LUCKY-REG", "PROMO-LUCKY-LOTTERY",
                 "PROMO-INFO-MISSING"):
        assert rules[rule] >= 1, (rule, rules)


def test_findings_jsonl_lists_artifacts_with_matching_hashes(crawled: Crawl) -> None:
    result = run_ecwatch(["findings", "--format", "jsonl"], crawled.data_dir)
    assert result.completed.returncode == 0, result.completed.stderr
    lines = [json.loads(line) for line in result.completed.stdout.splitlines()]
    assert lines
    for line in lines:
        assert set(line) >= {"id", "rule", "severity", "legal_basis", "site", "url", "observed_at", "message",
                             "evidence", "status", "artifacts"}
        assert line["observed_at"].endswith("Z")
        kinds = {a["kind"] for a in line["artifacts"]}
        # With a browser every finding gets the full evidence of one visit; without, the HTML as fetched.
        assert kinds == ({"html", "dom", "screenshot", "warc"} if browser_found() else {"html"}), line["url"]
        for artifact in line["artifacts"]:
            assert hashlib.sha256(Path(artifact["path"]).read_bytes()).hexdigest() == artifact["sha256"]


def test_recrawling_the_same_evidence_does_not_duplicate_findings(demo_site: DemoSite, tmp_path: Path) -> None:
    first = crawl_demo(demo_site, tmp_path / "twice")
    assert first.completed.returncode == 0, first.completed.stderr
    findings_before, snapshots_before = sorted(_findings(first)), len(first.snapshots())
    second = crawl_demo(demo_site, tmp_path / "twice")
    assert second.completed.returncode == 0, second.completed.stderr
    assert len(second.snapshots()) == 2 * snapshots_before  # each crawl keeps its own evidence
    assert sorted(_findings(second)) == findings_before


def test_private_targets_are_refused_without_the_switch(demo_site: DemoSite, tmp_path: Path) -> None:
    result = crawl_demo(demo_site, tmp_path / "refused", allow_private=False)
    assert result.snapshots() == []
    log = next((tmp_path / "refused" / "logs").glob("crawl-*.log")).read_text(encoding="utf-8")
    assert "Refused http://demo-" in log and "non-public 127.0.0.1" in log
    assert "Traceback" not in result.completed.stderr
