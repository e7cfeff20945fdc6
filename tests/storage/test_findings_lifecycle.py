"""Findings, sightings and their lifecycle, on SQLite and on the real PostgreSQL server.

A finding is one (rule, subject) on one site; every snapshot that shows it is a sighting with its own
URL and snippet; the machine's state follows the site's current pages; a reviewer's decision is never
touched by the machine; every change is an event.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text

from storage.blobs import BlobStore
from storage.db import make_engine, session_scope
from storage.findings import DecisionError, decide, history, reconcile_sites, record_judgement
from storage.migrate import upgrade
from storage.models import Finding, PageSnapshot, Sighting
from storage.repository import FindingFilter, SnapshotInput, attach_artifact, iter_findings, save_snapshot

from .helpers import detected, judgement_of

NIGHT_1 = datetime(2026, 11, 20, 19, 0, tzinfo=timezone.utc)  # 02:00 in Vietnam
SHOP = "https://demo-giadung.vn"


def _snapshot(session, blobs: BlobStore, path: str = "/p/noi-chien", at: datetime = NIGHT_1,
              body: str = "<html>page</html>") -> PageSnapshot:
    url = f"{SHOP}{path}"
    return save_snapshot(session, SnapshotInput(
        domain="demo-giadung.vn", requested_url=url, final_url=url, status=200,
        headers={"Content-Type": ["text/html"]}, fetched_at=at, body=blobs.put(f"{body}{path}{at}".encode())))


def _night(session, blobs: BlobStore, night: int, shows_discount: bool, path: str = "/p/noi-chien") -> PageSnapshot:
    snapshot = _snapshot(session, blobs, path, NIGHT_1 + timedelta(days=night - 1))
    record_judgement(session, snapshot, judgement_of(snapshot, [detected()] if shows_discount else []))
    reconcile_sites(session, [snapshot.site_id])
    return snapshot


def test_judging_the_same_snapshot_twice_adds_nothing(engine: Engine, tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path)
    with session_scope(engine) as session:
        snapshot = _snapshot(session, blobs)
        record_judgement(session, snapshot, judgement_of(snapshot, [detected()]))
        record_judgement(session, snapshot, judgement_of(snapshot, [detected(message="61% off (again)")]))
    with session_scope(engine) as session:
        [finding] = session.scalars(select(Finding)).all()
        assert len(finding.sightings) == 1
        assert finding.message == "61% off (again)"
        assert (finding.state, finding.decision) == ("open", None)


def test_one_finding_per_site_with_a_sighting_per_page_each_from_its_own_snapshot(engine: Engine,
                                                                                   tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path)
    with session_scope(engine) as session:
        for path in ("/", "/p/a", "/p/b"):
            snapshot = _snapshot(session, blobs, path)
            record_judgement(session, snapshot, judgement_of(snapshot, [
                detected("ECOM-NOTIFY-MISSING", "site-registration", snippet=f"footer of {path}")]))
    with session_scope(engine) as session:
        [finding] = session.scalars(select(Finding)).all()
        sightings = finding.sightings
        assert [s.url for s in sightings] == [f"{SHOP}/", f"{SHOP}/p/a", f"{SHOP}/p/b"]
        for sighting in sightings:
            assert sighting.url == sighting.snapshot.final_url
            assert sighting.evidence["snippet"] == f"footer of {sighting.snapshot.final_url.removeprefix(SHOP)}"
        assert finding.url == f"{SHOP}/" and finding.evidence["snippet"] == "footer of /"


def test_the_first_fully_captured_sighting_becomes_the_reference(engine: Engine, tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path)
    with session_scope(engine) as session:
        plain = _snapshot(session, blobs, "/p/a")
        record_judgement(session, plain, judgement_of(plain, [detected(snippet="on a")]))
        captured = _snapshot(session, blobs, "/p/b")
        attach_artifact(session, captured, "screenshot", blobs.put(b"\x89PNG b"))
        record_judgement(session, captured, judgement_of(captured, [detected(snippet="on b")]))
        later = _snapshot(session, blobs, "/p/c")
        attach_artifact(session, later, "screenshot", blobs.put(b"\x89PNG c"))
        record_judgement(session, later, judgement_of(later, [detected(snippet="on c")]))
    with session_scope(engine) as session:
        [finding] = list(iter_findings(session, FindingFilter()))
        # URL, snippet and files all from the same sighting, the first with a screenshot.
        assert finding.url == f"{SHOP}/p/b" and finding.evidence["snippet"] == "on b"
        assert finding.snapshot.final_url == finding.url
        assert [a.kind for a in finding.snapshot.artifacts] == ["screenshot"]


def test_a_discount_that_goes_away_and_comes_back_is_one_finding_gone_then_open_again(
        engine: Engine, tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path)
    with session_scope(engine) as session:
        _night(session, blobs, 1, shows_discount=True)
        finding_id = session.scalar(select(Finding.id))
        decide(session, finding_id, "confirmed", actor="lan.nguyen", note="checked on the site")
    with session_scope(engine) as session:
        night_2 = _night(session, blobs, 2, shows_discount=False)
        finding = session.get_one(Finding, finding_id)
        assert (finding.state, finding.decision) == ("gone", "confirmed")
        assert finding.gone_snapshot_id == night_2.id and finding.state_at == night_2.fetched_at
    with session_scope(engine) as session:
        night_3 = _night(session, blobs, 3, shows_discount=True)
        [finding] = session.scalars(select(Finding)).all()
        assert finding.id == finding_id
        assert (finding.state, finding.decision, finding.decided_by) == ("open", "confirmed", "lan.nguyen")
        assert [s.snapshot_id for s in finding.sightings][-1] == night_3.id
        trail = [(e.field, e.old, e.new, e.actor) for e in history(session, finding_id)]
    assert trail == [
        ("state", None, "open", "ecwatch"),
        ("decision", None, "confirmed", "lan.nguyen"),
        ("state", "open", "gone", "ecwatch"),
        ("state", "gone", "open", "ecwatch"),
    ]


def test_a_page_not_crawled_again_keeps_its_finding_open(engine: Engine, tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path)
    with session_scope(engine) as session:
        _night(session, blobs, 1, shows_discount=True, path="/p/noi-chien")
        _night(session, blobs, 2, shows_discount=False, path="/")  # another page; the product page not fetched
        [finding] = session.scalars(select(Finding)).all()
        assert finding.state == "open"


def test_rejudging_under_new_rules_withdraws_the_sighting_and_the_finding_goes(engine: Engine,
                                                                              tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path)
    with session_scope(engine) as session:
        snapshot = _night(session, blobs, 1, shows_discount=True)
        record_judgement(session, snapshot, judgement_of(snapshot, [], version="v2"))
        reconcile_sites(session, [snapshot.site_id])
        [finding] = session.scalars(select(Finding)).all()
        [sighting] = session.scalars(select(Sighting)).all()
        assert sighting.withdrawn_at is not None and finding.reference_sighting_id is None
        assert finding.state == "gone" and snapshot.detected_rules_version == "v2"


def test_decisions_are_checked_and_reopening_clears_the_decision_but_keeps_the_trail(engine: Engine,
                                                                                    tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path)
    with session_scope(engine) as session:
        _night(session, blobs, 1, shows_discount=True)
        finding_id = session.scalar(select(Finding.id))
        with pytest.raises(DecisionError, match="unknown decision 'approved'"):
            decide(session, finding_id, "approved", actor="lan")
        with pytest.raises(DecisionError, match="no finding with id 999"):
            decide(session, 999, "confirmed", actor="lan")
        decide(session, finding_id, "dismissed", actor="lan", reason="not-a-discount", note="a combo price")
        decide(session, finding_id, None, actor="minh")
        finding = session.get_one(Finding, finding_id)
        assert (finding.decision, finding.decided_by, finding.state) == (None, None, "open")
        decisions = [(e.old, e.new, e.actor, e.reason) for e in history(session, finding_id) if e.field == "decision"]
    assert decisions == [(None, "dismissed", "lan", "not-a-discount"), ("dismissed", None, "minh", None)]


def test_the_status_filter_takes_states_and_decisions(engine: Engine, tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path)
    with session_scope(engine) as session:
        _night(session, blobs, 1, shows_discount=True)
        decide(session, session.scalar(select(Finding.id)), "confirmed", actor="lan")
    with session_scope(engine) as session:
        assert [f.status for f in iter_findings(session, FindingFilter(status="confirmed"))] == ["confirmed"]
        assert len(list(iter_findings(session, FindingFilter(status="open")))) == 1
        assert list(iter_findings(session, FindingFilter(status="undecided"))) == []
        assert list(iter_findings(session, FindingFilter(status="gone"))) == []


def test_upgrading_a_store_with_findings_keeps_them_as_sightings_states_and_decisions(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0002")
        at = "2026-11-20 19:00:00+00:00" if engine.dialect.name == "postgresql" else "2026-11-20 19:00:00.000000"
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO sites (id, domain, first_seen_at) VALUES (1, 'shop.vn', :at)"), {"at": at})
            connection.execute(text(
                "INSERT INTO page_snapshots (id, site_id, requested_url, final_url, status, headers, fetched_at,"
                " body_size, body_sha256, body_path, rendered, redirect_chain, detected_rules_version)"
                " VALUES (1, 1, 'https://shop.vn/p', 'https://shop.vn/p', 200, '{}', :at, 1, 'ab', 'blobs/x', false,"
                " '[]', 'v1')"), {"at": at})
            for fid, status, reviewer in ((1, "open", None), (2, "confirmed", "lan"), (3, "retracted", None)):
                connection.execute(text(
                    "INSERT INTO findings (id, dedup_key, snapshot_id, site_id, rule, severity, title, legal_basis,"
                    " message, evidence, url, observed_at, last_seen_at, status, reviewer)"
                    " VALUES (:id, :key, 1, 1, 'PROMO-DISC-50', 'high', 't', 'b', 'm', '{\"snippet\": \"s\"}',"
                    " 'https://shop.vn/p', :at, :at, :status, :reviewer)"),
                    {"id": fid, "key": f"k{fid}", "at": at, "status": status, "reviewer": reviewer})
        upgrade(engine)
        with session_scope(engine) as session:
            rows = session.scalars(select(Finding).order_by(Finding.id)).all()
            assert [(f.state, f.decision, f.decided_by) for f in rows] == [
                ("open", None, None), ("open", "confirmed", "lan"), ("gone", None, None)]
            assert all(f.url == "https://shop.vn/p" and f.evidence == {"snippet": "s"} for f in rows)
            assert session.get_one(PageSnapshot, 1).judge_status == "judged"
            assert [e.new for e in history(session, 2)] == ["open", "confirmed"]
            new = Finding(dedup_key="k4", site_id=1, rule="R", subject="s", severity="low", title="t",
                          legal_basis="b")
            session.add(new)
            session.flush()
            assert new.id == 4  # ids go on after the migrated ones
    finally:
        engine.dispose()
