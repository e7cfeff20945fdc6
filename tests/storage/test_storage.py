"""Storage round trips, run on SQLite and on the real PostgreSQL server."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, select

from detectors.types import RegistryRecord
from storage.blobs import BlobStore
from storage.db import make_engine, session_scope
from storage.migrate import current_revision, head_revision, is_up_to_date, upgrade
from storage.models import Base, CrawlRun, PageSnapshot

from .helpers import detected, judgement_of
from storage.findings import record_judgement
from storage.repository import (
    FindingFilter,
    SnapshotInput,
    StoredRegistry,
    attach_artifact,
    finish_run,
    iter_findings,
    save_registry_records,
    save_snapshot,
    start_run,
)

FETCHED = datetime(2026, 11, 20, 3, 15, tzinfo=timezone.utc)


def _snapshot(session, blobs: BlobStore, body: bytes = "<html>Nồi cơm điện</html>".encode(),
              url: str = "https://demo-giadung.vn/p/noi-com", run_id: int | None = None) -> PageSnapshot:
    return save_snapshot(session, SnapshotInput(
        domain="demo-giadung.vn", requested_url=url, final_url=url, status=200,
        headers={"Content-Type": ["text/html; charset=utf-8"]}, fetched_at=FETCHED, body=blobs.put(body),
        run_id=run_id,
    ))


def test_migrations_from_empty_reach_head_and_match_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert current_revision(engine) is None
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        assert is_up_to_date(engine)
        tables = set(inspect(engine).get_table_names())
        assert {"sites", "crawl_runs", "page_snapshots", "artifacts", "findings", "registry_records"} <= tables
        with engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
        upgrade(engine)  # idempotent
    finally:
        engine.dispose()


def test_snapshot_round_trip_keeps_utc_time_and_the_body_by_its_hash(engine: Engine, tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path / "data")
    body = "<html><body>Giảm 45% – 1.299.000₫</body></html>".encode()
    with session_scope(engine) as session:
        snapshot_id = _snapshot(session, blobs, body).id
    with session_scope(engine) as session:
        stored = session.get_one(PageSnapshot, snapshot_id)
        assert stored.fetched_at == FETCHED and stored.fetched_at.tzinfo is not None
        assert stored.body_sha256 == hashlib.sha256(body).hexdigest()
        assert stored.body_size == len(body)
        assert blobs.read(stored.body_path) == body
        assert stored.site.domain == "demo-giadung.vn"
        assert stored.headers == {"Content-Type": ["text/html; charset=utf-8"]}


def test_identical_bodies_are_stored_once(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path)
    first, second = blobs.put(b"same bytes"), blobs.put(b"same bytes")
    assert first == second
    assert len([p for p in (tmp_path / "blobs").rglob("*") if p.is_file()]) == 1


def test_artifacts_and_runs_round_trip(engine: Engine, tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path / "data")
    with session_scope(engine) as session:
        run = start_run(session, "storefront", {"urls": ["https://demo-giadung.vn/"]})
        snapshot = _snapshot(session, blobs, run_id=run.id)
        attach_artifact(session, snapshot, "screenshot", blobs.put(b"\x89PNG fake"))
        record_judgement(session, snapshot, judgement_of(snapshot, [detected()]))
        finish_run(session, run.id, status="finished", stats={"errors": 0})
        run_id = run.id
    with session_scope(engine) as session:
        run = session.get_one(CrawlRun, run_id)
        assert (run.status, run.pages, run.findings) == ("finished", 1, 1)
        assert run.finished_at is not None and run.finished_at >= run.started_at - timedelta(seconds=1)
        [finding] = list(iter_findings(session, FindingFilter(rule="PROMO-DISC-50")))
        assert [a.kind for a in finding.snapshot.artifacts] == ["screenshot"]


def test_registry_records_upsert_and_lookup(engine: Engine) -> None:
    record = RegistryRecord(record_id="100001", domain="demo-thoitrang.vn", kind="notified", status="active",
                            company="Công ty TNHH Thời Trang Demo")
    with session_scope(engine) as session:
        save_registry_records(session, [record])
        save_registry_records(session, [RegistryRecord(**{**record.__dict__, "status": "revoked"})])
    with session_scope(engine) as session:
        registry = StoredRegistry(session)
        [found] = registry.by_record_id("100001")
        assert found.status == "revoked" and found.company == "Công ty TNHH Thời Trang Demo"
        assert registry.by_domain("demo-thoitrang.vn") == [found]
        assert registry.by_domain("other.vn") == []
        assert registry.all_records() == [found]


def test_a_failed_transaction_leaves_no_half_written_records(engine: Engine, tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path / "data")
    with pytest.raises(RuntimeError):
        with session_scope(engine) as session:
            _snapshot(session, blobs)
            raise RuntimeError("crash between the snapshot and its findings")
    with session_scope(engine) as session:
        assert session.scalars(select(PageSnapshot)).all() == []
