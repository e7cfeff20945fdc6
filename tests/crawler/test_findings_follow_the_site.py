"""Findings match their evidence and follow what the site shows: real crawls of a local shop whose
offer changes from night to night, on SQLite and on the real PostgreSQL server."""

from __future__ import annotations

import gzip
import re
from pathlib import Path
from typing import Any, Iterator

import pytest
from parsel import Selector
from sqlalchemy import select

from storage.blobs import BlobStore
from storage.db import make_engine, session_scope
from storage.findings import history
from storage.models import Finding

from ..services import fresh_postgres_database
from .crawls import Crawl, run_ecwatch
from .nightshop import PAGES, NightShop


@pytest.fixture
def shop() -> Iterator[NightShop]:
    with NightShop() as night_shop:
        yield night_shop


def crawl_night(shop: NightShop, data_dir: Path, night: int, database_url: str | None = None,
                **settings: Any) -> Crawl:
    shop.night = night
    args = ["crawl", "storefront", "--url", shop.url("/")]
    overrides = {**shop.settings(), "ECWATCH_DETECT_ON": "2026-10-15", **settings}
    for name, value in overrides.items():
        args += ["-s", f"{name}={value}"]
    return run_ecwatch(args, data_dir, env={"ECWATCH_DATABASE_URL": database_url} if database_url else None,
                       ).check()


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.browser
def test_every_finding_shows_its_own_page_in_its_files(shop: NightShop, chromium: str, tmp_path: Path) -> None:
    result = crawl_night(shop, tmp_path, 1)
    findings = result.findings()
    assert {f.rule for f in findings} >= {"PROMO-DISC-50", "ECOM-BADGE-FAKE", "ECOM-NOTIFY-MISSING"}
    discount = next(f for f in findings if f.rule == "PROMO-DISC-50")
    assert len(discount.sightings) == len(PAGES)  # the same product on every page: one finding, three sightings
    for finding in findings:
        assert finding.url == finding.reference.snapshot.final_url
        for sighting in finding.sightings:
            files = {a.kind: (result.data_dir / a.path).read_bytes() for a in sighting.snapshot.artifacts}
            if sighting.id == finding.reference_sighting_id:
                assert "html" in files  # the reference's page is a plain file a reviewer opens as it is
            page = files.get("html") or BlobStore(result.data_dir).read(sighting.snapshot.body_path)
            snippet, css_path = sighting.evidence["snippet"], sighting.evidence.get("css_path")
            html = page.decode("utf-8")
            assert sighting.url == sighting.snapshot.final_url
            if css_path:  # the snippet is the text (or markup) of the element at its CSS path, on its own page
                [element] = Selector(text=html).css(css_path)
                shown = " ".join(element.xpath(".//text()").getall()) + element.get()
                assert _squeezed(snippet) in _squeezed(shown), (finding.rule, sighting.url)
            if "warc" in files:
                uris = set(re.findall(rb"WARC-Target-URI: <?([^\r\n>]+)", gzip.decompress(files["warc"])))
                assert sighting.url.encode() in uris
        assert "screenshot" in {a.kind for a in finding.reference.snapshot.artifacts}


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_a_discount_goes_away_and_comes_back_and_the_reviewers_decision_stays(
        shop: NightShop, tmp_path: Path, backend: str) -> None:
    with _database(backend, tmp_path) as database_url:
        night_1 = crawl_night(shop, tmp_path, 1, database_url, ECWATCH_EVIDENCE=False)
        [discount] = [f for f in night_1.findings() if f.rule == "PROMO-DISC-50"]
        decided = run_ecwatch(["findings", "decide", str(discount.id), "--as", "lan.nguyen", "--decision",
                               "confirmed", "--note", "giá gốc chưa từng áp dụng"], tmp_path, _env(database_url))
        assert decided.completed.returncode == 0, decided.completed.stderr

        night_2 = crawl_night(shop, tmp_path, 2, database_url, ECWATCH_EVIDENCE=False)
        gone = _finding(night_2, discount.id)
        assert (gone.state, gone.decision, gone.decided_by) == ("gone", "confirmed", "lan.nguyen")
        assert gone.gone_snapshot_id is not None and gone.state_at > discount.last_seen_at
        assert "│ PROMO-DISC-50" in night_2.completed.stdout and _summary(night_2, "PROMO-DISC-50")["gone"] == 1

        night_3 = crawl_night(shop, tmp_path, 3, database_url, ECWATCH_EVIDENCE=False)
        back = _finding(night_3, discount.id)
        assert (back.state, back.decision) == ("open", "confirmed")
        assert len(back.sightings) == 2 * len(PAGES)  # nights 1 and 3, a sighting per page each
        assert [f.id for f in night_3.findings() if f.rule == "PROMO-DISC-50"] == [discount.id]
        assert _summary(night_3, "PROMO-DISC-50")["reopened"] == 1
        with session_scope(make_engine(database_url)) as session:
            trail = [(e.field, e.old, e.new) for e in history(session, discount.id)]
        assert trail == [("state", None, "open"), ("decision", None, "confirmed"), ("state", "open", "gone"),
                         ("state", "gone", "open")]


def test_a_registry_import_makes_the_missing_notification_gone_without_a_crawl(shop: NightShop,
                                                                               tmp_path: Path) -> None:
    crawled = crawl_night(shop, tmp_path, 1, ECWATCH_EVIDENCE=False)
    [missing] = [f for f in crawled.findings() if f.rule == "ECOM-NOTIFY-MISSING"]
    assert missing.state == "open"
    registry = tmp_path / "registry.csv"
    registry.write_text("domain,record_id,kind,status\ncho-dem.vn,100777,notified,active\n", encoding="utf-8")
    imported = run_ecwatch(["registry", "import", str(registry)], tmp_path)
    assert imported.completed.returncode == 0, imported.completed.stderr
    assert "ECOM-NOTIFY-MISSING: 1 gone" in imported.completed.stdout
    after = _finding(crawled, missing.id)
    assert after.state == "gone"
    assert [f.state for f in crawled.findings() if f.rule == "PROMO-DISC-50"] == ["open"]  # the rest stays


def _env(database_url: str) -> dict[str, str]:
    return {"ECWATCH_DATABASE_URL": database_url}


class _database:
    """The crawls' database: the data dir's SQLite file, or a fresh PostgreSQL database (migrated)."""

    def __init__(self, backend: str, data_dir: Path) -> None:
        self.backend, self.data_dir = backend, data_dir
        self._postgres: Any = None

    def __enter__(self) -> str:
        if self.backend == "sqlite":
            return f"sqlite:///{self.data_dir / 'ecwatch.db'}"
        self._postgres = fresh_postgres_database()
        url = self._postgres.__enter__()
        upgraded = run_ecwatch(["db", "upgrade"], self.data_dir, _env(url))
        assert upgraded.completed.returncode == 0, upgraded.completed.stderr
        return url

    def __exit__(self, *exc: object) -> None:
        if self._postgres is not None:
            self._postgres.__exit__(*exc)


def _finding(crawl: Crawl, finding_id: int) -> Finding:
    return next(f for f in crawl.findings() if f.id == finding_id)


def _summary(crawl: Crawl, rule: str) -> dict[str, int]:
    return dict(crawl.last_run().finding_summary[rule])


def test_findings_show_explains_why_the_rule_fired(shop: NightShop, tmp_path: Path) -> None:
    crawled = crawl_night(shop, tmp_path, 1, ECWATCH_EVIDENCE=False)
    [discount] = [f for f in crawled.findings() if f.rule == "PROMO-DISC-50"]
    shown = run_ecwatch(["findings", "show", str(discount.id)], tmp_path)
    assert shown.completed.returncode == 0, shown.completed.stderr
    explanation = shown.completed.stdout.split("Explanation (the reference page judged again", 1)[1]
    assert "PROMO-DISC-50" in explanation and "600.000" in explanation  # the offer and its price, and why
