"""Price history from nightly crawls of a shop whose prices change night to night, judged by the one
judge with each night's fetch time, on SQLite and on the real PostgreSQL server."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import Engine, func, select

from storage.blobs import BlobStore
from storage.db import session_scope
from storage.judge import rejudge_sites
from storage.models import Finding, PriceObservation, Sighting

from .nights import RULEBOOK, crawl_nights, shown_on, visit
from .priceshop import PriceShop, night_time


@pytest.fixture
def shop() -> Iterator[PriceShop]:
    with PriceShop() as price_shop:
        yield price_shop


def test_each_history_finding_appears_exactly_when_it_should(engine: Engine, shop: PriceShop,
                                                             tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path)
    deep = {("PROMO-FAKE-REF", "/p/deep")}  # 60 % off a 1.000.000₫ never charged, from its fourth night
    expected = {
        1: set(), 2: set(), 3: set(), 4: deep,
        # Night 5: the fake reference appears after four nights at 700.000₫; the countdown read on night 4
        # now ends a day later for the same offer. The honest cut, the price that rose and came back and
        # the fixed deadline stay silent; /p/new has one earlier night only.
        5: deep | {("PROMO-FAKE-REF", "/p/fake"), ("PROMO-FAKE-URGENCY", "/p/countdown")},
        6: deep | {("PROMO-FAKE-REF", "/p/fake"), ("PROMO-FAKE-URGENCY", "/p/countdown")},
        # Night 7: /p/new has three earlier nights, none at its 1.400.000₫ "giá gốc".
        7: deep | {("PROMO-FAKE-REF", "/p/fake"), ("PROMO-FAKE-REF", "/p/new"), ("PROMO-FAKE-URGENCY", "/p/countdown")},
    }
    for night, shown in expected.items():
        crawl_nights(engine, blobs, shop, [night])
        assert shown_on(engine, night_time(night)) == shown, f"night {night}"
    with session_scope(engine) as session:
        fake = session.scalar(select(Finding).where(Finding.rule == "PROMO-FAKE-REF",
                                                    Finding.subject.like("history:fake-ref:id:sku:FAKE-1:%")))
        assert fake is not None and fake.state == "open" and len(fake.sightings) == 3  # nights 5, 6, 7
        evidence = fake.evidence
        assert evidence["product_key"] == "id:sku:FAKE-1"  # the sku the page declares
        assert (evidence["reference_price"], evidence["max_price_charged"]) == ("1400000", "700000")
        assert (evidence["observations"], evidence["window_start"], evidence["window_end"]) == \
            (4, "2026-09-05", "2026-10-05")
        assert [o["price"] for o in evidence["series"]] == ["700000"] * 5
        assert "1.400.000₫" in evidence["snippet"] and "Art. 100(5)" in fake.legal_basis
        urgency = session.scalar(select(Finding).where(Finding.rule == "PROMO-FAKE-URGENCY"))
        assert urgency is not None and urgency.evidence["shift_minutes"] == 24 * 60
        assert urgency.evidence["deadline_quote"] == "Kết thúc sau 02:00:00"


def test_judging_the_stored_nights_again_adds_no_observation_and_no_finding(engine: Engine, shop: PriceShop,
                                                                           tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path)
    crawl_nights(engine, blobs, shop, range(1, 7))

    def counts() -> tuple[int, int, int]:
        with session_scope(engine) as session:
            return (session.scalar(select(func.count()).select_from(PriceObservation)) or 0,
                    session.scalar(select(func.count()).select_from(Finding)) or 0,
                    session.scalar(select(func.count()).select_from(Sighting)) or 0)

    before = counts()
    assert before[0] == 6 * 6 + 3  # six products every night, /p/new from night 4
    from storage.judge import Judge
    stats = rejudge_sites(engine, Judge(RULEBOOK), blobs)
    assert stats.errors == [] and counts() == before
    # Re-judging a night's page keeps the finding it raised: its series is read up to that night only.
    assert ("PROMO-FAKE-REF", "/p/fake") in shown_on(engine, night_time(6))


def test_a_countdown_that_resets_on_a_revisit_hours_later(engine: Engine, shop: PriceShop, tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path)
    shop.night = 4
    visit(engine, blobs, shop, night_time(4), ["/p/countdown", "/p/flash"])
    visit(engine, blobs, shop, night_time(4, hours=1), ["/p/countdown", "/p/flash"])
    assert shown_on(engine, night_time(4, hours=1)) == {("PROMO-FAKE-URGENCY", "/p/countdown")}
    visit(engine, blobs, shop, night_time(4, hours=6), ["/p/flash"])
    assert shown_on(engine, night_time(4, hours=6)) == set()
