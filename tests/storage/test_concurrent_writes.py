"""Two writers storing the same new site, finding or page at once (two workers of a shared run): one row each,
by the database's constraints, and neither transaction fails; a shared run's findings counted once."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import Engine, func, select

from storage.blobs import BlobStore
from storage.db import session_scope
from storage.findings import Tally, record_judgement
from storage.models import Finding, PageSnapshot, Sighting, Site
from storage.repository import SnapshotInput, save_fetched_once
from storage.sharedruns import run_finding_summary, start_shared_run

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


def test_a_shared_runs_summary_counts_each_finding_once_from_the_database(engine: Engine, tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path)
    with session_scope(engine) as session:
        first, second = (start_shared_run(session, name, "storefront", {}).id for name in ("night-1", "night-2"))
    for run_id, pages in ((first, 2), (second, 2)):  # each night, two workers' pages show the same finding
        for page in range(pages):
            with session_scope(engine) as session:
                data = _page(blobs, f"https://shop.vn/p/{page}", f"key-{run_id}-{page}")
                snapshot = save_fetched_once(session, replace(data, run_id=run_id))
                assert snapshot is not None
                judgement = judgement_of(snapshot, [detected("PROMO-DISC-50", subject="ao-thun")])
                record_judgement(session, snapshot, judgement, run_id=run_id, tally=Tally(), fresh=True)
    with session_scope(engine) as session:
        assert run_finding_summary(session, first) == {"PROMO-DISC-50": {"new": 1, "still_open": 0, "reopened": 0,
                                                                         "gone": 0}}
        assert run_finding_summary(session, second) == {"PROMO-DISC-50": {"new": 0, "still_open": 1, "reopened": 0,
                                                                          "gone": 0}}
