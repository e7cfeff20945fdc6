"""Judging the price shop's pages night after night into a store, as nightly crawls would."""

from __future__ import annotations

from datetime import datetime
from typing import Iterable

from sqlalchemy import Engine, select

from detectors import load_rulebook
from storage.blobs import BlobStore
from storage.db import session_scope
from storage.findings import reconcile_sites
from storage.judge import Judge, PageToJudge
from storage.models import Finding, PageSnapshot, Sighting
from storage.repository import SnapshotInput, save_snapshot

from .priceshop import HOST, PRODUCTS, PriceShop, night_time

RULEBOOK = load_rulebook()


def visit(engine: Engine, blobs: BlobStore, shop: PriceShop, at: datetime, paths: Iterable[str] = PRODUCTS) -> None:
    """Fetch ``paths`` now, store them as fetched ``at``, judge and record them, reconcile the site."""
    judge = Judge(RULEBOOK)
    with session_scope(engine) as session:
        site_ids = set()
        for path in paths:
            if shop.offer(path) is None:
                continue
            body, url = shop.fetch(path), shop.url(path)
            snapshot = save_snapshot(session, SnapshotInput(
                domain=HOST, requested_url=url, final_url=url, status=200,
                headers={"Content-Type": ["text/html; charset=utf-8"]}, fetched_at=at, body=blobs.put(body)))
            judgement, _page = judge.judge(PageToJudge(url=url, body=body, fetched_at=at,
                                                       content_type="text/html; charset=utf-8"))
            judge.record(session, snapshot, judgement)
            site_ids.add(snapshot.site_id)
        reconcile_sites(session, site_ids)


def crawl_nights(engine: Engine, blobs: BlobStore, shop: PriceShop, nights: Iterable[int]) -> None:
    for night in nights:
        shop.night = night
        visit(engine, blobs, shop, night_time(night))


def shown_on(engine: Engine, at: datetime) -> set[tuple[str, str]]:
    """(rule, path) of the history findings the snapshots fetched ``at`` showed."""
    with session_scope(engine) as session:
        rows = session.execute(
            select(Finding.rule, PageSnapshot.final_url).join(Sighting, Sighting.finding_id == Finding.id)
            .join(PageSnapshot, PageSnapshot.id == Sighting.snapshot_id)
            .where(PageSnapshot.fetched_at == at, Sighting.withdrawn_at.is_(None),
                   Finding.rule.in_(("PROMO-FAKE-REF", "PROMO-DUR-120", "PROMO-FAKE-URGENCY"))))
        return {(rule, "/p/" + url.rsplit("/p/", 1)[-1]) for rule, url in rows}
