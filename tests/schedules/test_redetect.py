"""Re-detection: a rules change reaches stored evidence; findings are updated, never duplicated."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from cli.main import cli
from detectors.rulebook import BUNDLED_RULES_DIR
from schedules import jobs
from storage.blobs import BlobStore
from storage.db import session_scope
from storage.findings import decide
from storage.models import CrawlRun, Finding, PageSnapshot
from storage.repository import SnapshotInput, save_snapshot

from . import crawl_runs

SITES = Path(__file__).resolve().parents[2] / "cli" / "demosite" / "sites" / "demo-giadung.vn"
PAGES = ("san-pham/binh-giu-nhiet-500ml", "san-pham/noi-chien-khong-dau-5l", "san-pham/may-loc-khong-khi")
FETCHED = datetime(2026, 10, 5, 3, 0, tzinfo=timezone.utc)  # outside any promotion window
NOTIFY_TITLE = "Vietnamese-facing online shop without a valid notification record"


@pytest.fixture
def db(engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("ECWATCH_DATABASE_URL", database_url)
    monkeypatch.delenv("ECWATCH_RULES_DIR", raising=False)
    return engine


@pytest.fixture
def stored_pages(db: Engine, tmp_path: Path) -> list[int]:
    """Snapshots as a crawl under older rules left them."""
    blobs = BlobStore(tmp_path / "data")
    ids = []
    with session_scope(db) as session:
        for page in PAGES:
            url = f"https://demo-giadung.vn/{page}"
            body = (SITES / f"{page}.html").read_bytes()
            snapshot = save_snapshot(session, SnapshotInput(
                domain="demo-giadung.vn", requested_url=url, final_url=url, status=200,
                headers={"Content-Type": ["text/html; charset=utf-8"]}, fetched_at=FETCHED, body=blobs.put(body)))
            snapshot.detected_rules_version = "older-rules"
            ids.append(snapshot.id)
    return ids


def edited_rules(tmp_path: Path, name: str, *, disable: str = "", retitle: str = "") -> Path:
    """A copy of the bundled rules with one rule disabled and/or one title changed."""
    target = tmp_path / name
    shutil.copytree(BUNDLED_RULES_DIR, target)
    for path in target.glob("*.toml"):
        text = path.read_text(encoding="utf-8")
        if disable:
            text = re.sub(rf'(id = "{re.escape(disable)}"\n)', r"\1enabled = false\n", text)
        if retitle:
            text = text.replace(f'title_en = "{retitle}"', f'title_en = "{retitle} (revised)"')
        path.write_text(text, encoding="utf-8")
    return target


def findings(engine: Engine) -> dict[int, tuple[str, str, str]]:
    with session_scope(engine) as session:
        return {f.id: (f.rule, f.status, f.title) for f in session.scalars(select(Finding))}


def snapshot_versions(engine: Engine) -> set[str | None]:
    with session_scope(engine) as session:
        return set(session.scalars(select(PageSnapshot.detected_rules_version)))


def test_a_rules_change_updates_findings_without_duplicates(db: Engine, stored_pages: list[int],
                                                            tmp_path: Path) -> None:
    first = jobs.redetect_job()
    assert first is not None
    before = findings(db)
    assert Counter(rule for rule, _, _ in before.values()) == {"ECOM-NOTIFY-MISSING": 1, "PROMO-DISC-50": 2}
    with session_scope(db) as session:
        run = session.get_one(CrawlRun, first)
        bundled = run.stats["rules_version"]
        assert snapshot_versions(db) == {bundled} and bundled != "older-rules"
        assert (run.status, run.spider, run.trigger) == ("finished", "redetect", "schedule:redetect")
        assert run.exit_status == 0
        assert run.pages == 3 and run.findings == 3
        assert {rule: counts["new"] for rule, counts in run.finding_summary.items()} == {
            "ECOM-NOTIFY-MISSING": 1, "PROMO-DISC-50": 2}
        assert run.log_path and Path(run.log_path).is_file()
        confirmed = session.scalars(select(Finding).where(Finding.rule == "PROMO-DISC-50")).first()
        assert confirmed is not None
        decide(session, confirmed.id, "confirmed", actor="lan")  # which no rules change may undo
        confirmed_id = confirmed.id

    assert jobs.redetect_job() is None  # nothing changed: nothing done, nothing recorded
    assert len(crawl_runs(db, "schedule:redetect")) == 1

    # A rule withdrawn and a title reworded.
    fixed = edited_rules(tmp_path, "rules-fixed", disable="PROMO-DISC-50", retitle=NOTIFY_TITLE)
    fixed_run = jobs.redetect_job(rules_dir=str(fixed))
    assert fixed_run is not None
    after = findings(db)
    assert after.keys() == before.keys()
    for finding_id, (rule, status, title) in after.items():
        if rule == "PROMO-DISC-50":
            assert status == ("confirmed" if finding_id == confirmed_id else "gone")
        else:
            assert (status, title) == ("open", f"{NOTIFY_TITLE} (revised)")
    with session_scope(db) as session:
        fixed_version = session.get_one(CrawlRun, fixed_run).stats["rules_version"]
    assert snapshot_versions(db) == {fixed_version} and fixed_version != bundled

    # Back to the bundled rules, through the command line: the gone finding reopens, no new rows.
    result = CliRunner().invoke(cli, ["schedule", "run-now", "redetect"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "redetect" in result.output and "finished" in result.output
    again = findings(db)
    assert again.keys() == before.keys()
    assert {fid: status for fid, (_, status, _) in again.items()} == {
        fid: ("confirmed" if fid == confirmed_id else "open") for fid in before}
    runs = [r for r in crawl_runs(db) if r.spider == "redetect"]
    assert [r.status for r in runs] == ["finished"] * 3
    assert snapshot_versions(db) == {runs[-1].stats["rules_version"]} != {fixed_version}


def test_a_lost_evidence_file_fails_the_run_and_names_the_snapshot(db: Engine, stored_pages: list[int],
                                                                   tmp_path: Path) -> None:
    with session_scope(db) as session:
        lost = session.get_one(PageSnapshot, stored_pages[0])
        (tmp_path / "data" / lost.body_path).unlink()
    run_id = jobs.redetect_job()
    with session_scope(db) as session:
        run = session.get_one(CrawlRun, run_id)
        assert run.status == "failed" and run.exit_status == 1 and run.pages == 3
        where = f"snapshot {stored_pages[0]} (https://demo-giadung.vn/{PAGES[0]})"
        assert f"{where}: FileNotFoundError" in (run.error or "")
    # Judged once: the file will not come back by retrying every few minutes.
    assert jobs.redetect_job() is None
