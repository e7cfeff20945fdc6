"""The stored price history: observations per (snapshot, product), series, history findings, revisits.

``Judge.record`` (storage/judge.py) stores a judged snapshot's observations here, then reads each touched
product's series up to that snapshot and applies the history rules (``detectors.history_findings``): the
findings join the page's own, so they are recorded, sighted and reconciled like any other. Everything
is keyed by the snapshot, so judging it again replaces its observations instead of adding some.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable, Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from detectors import (
    HistoryRun,
    Observation,
    Rulebook,
    history_findings,
    history_since,
    product_series_key,
    series_key,
    wants_revisit,
)
from detectors.types import Finding as DetectedFinding

from .models import PageSnapshot, PriceObservation, RevisitRequest, Site, utcnow

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")

__all__ = ["due_revisits", "history_findings_for", "mark_revisited", "products_at_url", "record_observations",
           "request_revisits", "series_at_snapshot", "series_of", "sites_of_product", "stored_series",
           "stored_series_of"]


def record_observations(session: Session, snapshot: PageSnapshot, observations: Sequence[Observation], *,
                        fresh: bool = False) -> list[Observation]:
    """Store what ``snapshot`` showed of each product (replacing an earlier reading of it); returns the
    observations tagged with their snapshot. ``fresh``: the snapshot was just stored, so there is no
    earlier reading to look up (a crawl's pages, as for their sightings)."""
    tagged = [replace(o, source=f"snapshot {snapshot.id}") for o in observations]
    stored = {} if fresh else {row.product_key: row for row in session.scalars(
        select(PriceObservation).where(PriceObservation.snapshot_id == snapshot.id))}
    for observation in tagged:
        row = stored.pop(observation.product_key, None)
        if row is None:
            row = PriceObservation(site_id=snapshot.site_id, snapshot_id=snapshot.id,
                                   product_key=observation.product_key)
            session.add(row)
        _fill(row, observation)
    for gone in stored.values():  # a product this reading no longer sees on the page
        session.delete(gone)
    session.flush()
    return tagged


def _fill(row: PriceObservation, observation: Observation) -> None:
    row.observed_at = observation.observed_at
    row.observed_on = observation.on
    row.price = _dong(observation.price)
    row.reference_price = _dong(observation.reference_price) if observation.reference_price is not None else None
    row.discount_text = observation.discount_text[:120] if observation.discount_text else None
    row.in_stock = observation.in_stock
    row.deadline = observation.deadline


def _dong(amount: Decimal) -> int:
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


_SERIES_COLUMNS = (PriceObservation.product_key, PriceObservation.observed_at, PriceObservation.price,
                   PriceObservation.reference_price, PriceObservation.discount_text, PriceObservation.in_stock,
                   PriceObservation.deadline, PriceObservation.snapshot_id)


def stored_series(session: Session, site_id: int, product_keys: Iterable[str], *, since: date,
                  until: datetime, excluding_snapshot: int | None = None) -> dict[str, list[Observation]]:
    """Each product's observations from ``since`` (a Vietnam day) up to ``until``, oldest first.

    Plain columns, not ORM objects: a year of nights is 365 rows a product, read for every product a
    judged page shows (bench/history_bench.py)."""
    keys = sorted(set(product_keys))
    found: dict[str, list[Observation]] = defaultdict(list)
    for start in range(0, len(keys), 500):  # bound the IN list
        query = (select(*_SERIES_COLUMNS)
                 .where(PriceObservation.site_id == site_id, PriceObservation.product_key.in_(keys[start:start + 500]),
                        PriceObservation.observed_at >= _day_start(since), PriceObservation.observed_at <= until)
                 .order_by(PriceObservation.product_key, PriceObservation.observed_at, PriceObservation.id))
        if excluding_snapshot is not None:
            query = query.where(PriceObservation.snapshot_id != excluding_snapshot)
        for key, at, price, reference, discount, in_stock, deadline, snapshot_id in session.execute(query):
            found[key].append(Observation(
                product_key=key, observed_at=at, price=Decimal(price),
                reference_price=Decimal(reference) if reference is not None else None, discount_text=discount,
                in_stock=in_stock, deadline=deadline, source=f"snapshot {snapshot_id}"))
    return found


def stored_series_of(session: Session, observations: Sequence[Observation],
                     since: date | None = None) -> dict[str, list[Observation]]:
    """The stored series of every product among ``observations`` (by ``detectors.series_key``), up to the
    latest of them: what ``ecwatch detect --batch --history`` adds to a batch."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for observation in observations:
        domain, _sep, key = series_key(observation).partition("\x1f")
        wanted[domain].add(key)
    if not observations:
        return {}
    until = max(o.observed_at for o in observations)
    found: dict[str, list[Observation]] = {}
    for domain, keys in wanted.items():
        site_id = session.scalar(select(Site.id).where(Site.domain == domain))
        if site_id is None:
            continue
        start = since or date(min(o.on for o in observations).year - 1, 1, 1)
        for key, series in stored_series(session, site_id, keys, since=start, until=until).items():
            found[product_series_key(domain, key)] = series
    return found


def _day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=VIETNAM)


def series_of(session: Session, product_key: str, site_id: int | None = None) -> list[PriceObservation]:
    """Every stored observation of a product (of one site, or of every site), oldest first."""
    query = select(PriceObservation).where(PriceObservation.product_key == product_key)
    if site_id is not None:
        query = query.where(PriceObservation.site_id == site_id)
    return list(session.scalars(query.order_by(PriceObservation.observed_at, PriceObservation.id)))


def history_findings_for(session: Session, snapshot: PageSnapshot, observations: Sequence[Observation],
                         rulebook: Rulebook, on: date) -> list[DetectedFinding]:
    """The history rules over each product ``snapshot`` showed, its series read up to that snapshot."""
    if not observations:
        return []
    since = history_since(rulebook, on)
    earlier = stored_series(session, snapshot.site_id, (o.product_key for o in observations), since=since,
                            until=snapshot.fetched_at, excluding_snapshot=snapshot.id)
    run = HistoryRun(rulebook, on=on)
    findings: list[DetectedFinding] = []
    for observation in observations:
        findings.extend(history_findings([*earlier.get(observation.product_key, []), observation], run))
    return findings


def request_revisits(session: Session, snapshot: PageSnapshot, observations: Sequence[Observation],
                     rulebook: Rulebook, on: date) -> RevisitRequest | None:
    """Ask for a later visit of a page that announced a deadline, so a deadline that moves shows.

    Only for a visit whose revisit still lies ahead (re-judging an old snapshot asks nothing) and
    once a day per page.
    """
    run = HistoryRun(rulebook, on=on)
    delays = [d for d in (wants_revisit(o, run) for o in observations) if d is not None]
    if not delays:
        return None
    due = snapshot.fetched_at + min(delays)
    now = utcnow()
    if due <= now:
        return None
    recent = select(RevisitRequest.id).where(RevisitRequest.url == snapshot.final_url,
                                             RevisitRequest.requested_at > now - timedelta(days=1))
    if session.scalar(recent.limit(1)) is not None:
        return None
    request = RevisitRequest(site_id=snapshot.site_id, url=snapshot.final_url, reason="PROMO-FAKE-URGENCY",
                             requested_at=now, due_at=due, snapshot_id=snapshot.id)
    session.add(request)
    session.flush()
    return request


def due_revisits(session: Session, now: datetime | None = None) -> list[RevisitRequest]:
    """Revisit requests whose time has come and that no crawl has served yet, oldest first."""
    moment = now or utcnow()
    return list(session.scalars(select(RevisitRequest).where(RevisitRequest.done_at.is_(None),
                                                             RevisitRequest.due_at <= moment)
                                .order_by(RevisitRequest.due_at, RevisitRequest.id)))


def mark_revisited(session: Session, request_ids: Iterable[int], run_id: int | None) -> None:
    for request in session.scalars(select(RevisitRequest).where(RevisitRequest.id.in_(list(request_ids)))):
        request.done_at = utcnow()
        request.run_id = run_id


def products_at_url(session: Session, url: str) -> list[tuple[int, str]]:
    """(site id, product key) of every product observed on pages fetched from ``url``."""
    rows = session.execute(select(PriceObservation.site_id, PriceObservation.product_key).distinct()
                           .join(PageSnapshot, PageSnapshot.id == PriceObservation.snapshot_id)
                           .where(PageSnapshot.final_url == url)
                           .order_by(PriceObservation.site_id, PriceObservation.product_key))
    return [(site_id, key) for site_id, key in rows]


def sites_of_product(session: Session, product_key: str) -> list[int]:
    """The sites a product key was observed on."""
    return list(session.scalars(select(PriceObservation.site_id).distinct()
                                .where(PriceObservation.product_key == product_key)
                                .order_by(PriceObservation.site_id)))


def series_at_snapshot(session: Session, snapshot_id: int) -> list[PriceObservation]:
    """What one snapshot showed of each product."""
    return list(session.scalars(select(PriceObservation).where(PriceObservation.snapshot_id == snapshot_id)
                                .order_by(PriceObservation.id)))
