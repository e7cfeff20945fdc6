"""Two writers storing the same new site, finding or page at once (two workers of a shared run): one row each,
by the database's constraints, and neither transaction fails."""

from __future__ import annotations

import threading
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import Engine, func, select

from storage.blobs import BlobStore
from storage.db import session_scope
from storage.findings import Tally, record_judgement
from storage.models import Finding, PageSnapshot, Sighting, Site
from storage.repository import SnapshotInput, save_fetched_once

from .helpers import detected, judgement_of

FETCHED = datetime(2026, 12, 6, 3, 0, tzinfo=timezone.utc)


def _page(blobs: BlobStore, url: str, fetch_key: str) -> SnapshotInput:
    return SnapshotInput(domain="shop.vn", requested_url=url, final_url=url, status=200, headers={},
                         fetched_at=FETCHED, body=blobs.put(url.encode()), fetch_key=fetch_key)


def _together(*work: object) -> list[object]:
    """Run each callable on its own thread, started at the same moment; their results."""
    start, results, errors = threading.Barrier(len(work)), [None] * len(work), []

    def run(index: int, job: object) -> None:
        start.wait()
        try:
            results[index] = job()  # type: ignore[operator]
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(work)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return results


def test_two_workers_storing_the_same_page_store_it_once(engine: Engine, tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path)

    def store() -> int | None:
        with session_scope(engine) as session:
            snapshot = save_fetched_once(session, _page(blobs, "https://shop.vn/p/1", "key-1"))
            return snapshot.id if snapshot is not None else None

    results = _together(store, store)
    assert sorted(result is None for result in results) == [False, True]  # one stored it, the other was told
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(PageSnapshot)) == 1
        assert session.scalar(select(func.count()).select_from(Site)) == 1


def test_two_workers_meeting_the_same_new_finding_make_one_finding_with_two_sightings(engine: Engine,
                                                                                    tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path)
    tallies = [Tally(), Tally()]

    def judge(index: int) -> object:
        def work() -> None:
            with session_scope(engine) as session:
                snapshot = save_fetched_once(session, _page(blobs, f"https://shop.vn/p/{index}", f"key-{index}"))
                assert snapshot is not None
                judgement = judgement_of(snapshot, [detected("PROMO-DISC-50", subject="ao-thun")])
                record_judgement(session, snapshot, judgement, tally=tallies[index], fresh=True)
        return work

    _together(judge(0), judge(1))
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(Finding)) == 1
        assert session.scalar(select(func.count()).select_from(Sighting)) == 2
    assert sum(tally.total_new for tally in tallies) == 1  # new once; seen again by the other
