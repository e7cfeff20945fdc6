"""Storage round trips, run on SQLite and on the real PostgreSQL server."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, select

from detectors.types import Finding as DetectedFinding
from detectors.types import RegistryRecord, Severity
from storage.blobs import BlobStore
from storage.db import make_engine, session_scope
from storage.migrate import current_revision, head_revision, is_up_to_date, upgrade
from storage.models import Base, CrawlRun, Finding, PageSnapshot
from storage.repository import (
    FindingFilter,
    SnapshotInput,
    StoredRegistry,
    attach_artifact,
    finish_run,
    iter_findings,
    save_findings,
    save_registry_records,
    save_snapshot,
    start_run,
)

FETCHED = datetime(2026, 11, 20, 3, 15, tzinfo=timezone.utc)


def _finding(rule: str = "PROMO-DISC-50", subject: str = "offer:Nồi cơm", message: str = "61% off") -> DetectedFinding:
    return DetectedFinding(
        rule=rule, severity=Severity.HIGH, title="Discount above 50%", title_vi="Giảm giá quá 50%",
        legal_basis="Circular 39/2025/TT-BCT Art. 4(1)", message=message,
        evidence={"snippet": "<del>2.000.000đ</del> 790.000đ", "css_path": "div.price", "ratio": 0.605},
        subject=subject,
    )


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


def test_re_saving_the_same_evidence_updates_the_finding_instead_of_duplicating(engine: Engine,
                                                                                tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path / "data")
    with session_scope(engine) as session:
        first = save_findings(session, _snapshot(session, blobs), [_finding()], "v1")
        again = save_findings(session, _snapshot(session, blobs), [_finding(message="61% off (seen again)")], "v1")
    assert (first.new, again.new, again.updated) == (1, 0, 1)
    with session_scope(engine) as session:
        rows = session.scalars(select(Finding)).all()
        assert len(rows) == 1
        assert rows[0].message == "61% off (seen again)"
        assert rows[0].observed_at == FETCHED


def test_a_site_wide_finding_is_one_finding_for_all_pages_of_the_site(engine: Engine, tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path / "data")
    site_wide = DetectedFinding(
        rule="ECOM-NOTIFY-MISSING", severity=Severity.HIGH, title="No notification", title_vi="Chưa thông báo",
        legal_basis="Law 122/2025/QH15", message="no badge", evidence={"snippet": "", "css_path": None},
        subject="site-registration", scope="site")
    with session_scope(engine) as session:
        for path in ("/", "/p/a", "/p/b"):
            snapshot = _snapshot(session, blobs, body=path.encode(), url=f"https://demo-giadung.vn{path}")
            save_findings(session, snapshot, [site_wide, _finding(subject=f"offer{path}")], "v1")
    with session_scope(engine) as session:
        rules = sorted(session.scalars(select(Finding.rule)).all())
        first_url = session.scalar(select(Finding.url).where(Finding.rule == "ECOM-NOTIFY-MISSING"))
    assert rules == ["ECOM-NOTIFY-MISSING"] + ["PROMO-DISC-50"] * 3
    assert first_url == "https://demo-giadung.vn/"


def test_redetection_retracts_open_findings_the_rules_no_longer_raise_but_keeps_reviewed_ones(
        engine: Engine, tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path / "data")
    with session_scope(engine) as session:
        snapshot = _snapshot(session, blobs)
        save_findings(session, snapshot, [_finding(subject="a"), _finding(subject="b")], "v1")
        reviewed = session.scalars(select(Finding).order_by(Finding.id)).all()[1]
        reviewed.status, reviewed.reviewer = "confirmed", "lan.nguyen"
        result = save_findings(session, snapshot, [], "v2", retract_missing=True)
    assert result.retracted == 1
    with session_scope(engine) as session:
        statuses = sorted(session.scalars(select(Finding.status)).all())
    assert statuses == ["confirmed", "retracted"]


def test_artifacts_and_runs_round_trip(engine: Engine, tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path / "data")
    with session_scope(engine) as session:
        run = start_run(session, "storefront", {"urls": ["https://demo-giadung.vn/"]})
        snapshot = _snapshot(session, blobs, run_id=run.id)
        save_findings(session, snapshot, [_finding()], "v1")
        attach_artifact(session, snapshot, "screenshot", blobs.put(b"\x89PNG fake"))
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
