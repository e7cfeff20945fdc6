"""The revisit method end to end: a page showing a countdown asks for a revisit; the built-in job crawls it
again when due, and a countdown that reset is flagged (PROMO-FAKE-URGENCY)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from cli.main import cli
from schedules import jobs
from storage.blobs import BlobStore
from storage.db import session_scope
from storage.models import CrawlRun, Finding, RevisitRequest, Sighting, utcnow

from ..history.nights import visit
from ..history.priceshop import HOST, PriceShop


@pytest.fixture
def db(engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """The test database, also for the crawl the job starts."""
    monkeypatch.setenv("ECWATCH_DATABASE_URL", database_url)
    return engine


def test_a_due_revisit_crawls_the_page_again_and_flags_a_reset_countdown(db: Engine, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    assert jobs.revisit_job() is None  # nothing due: nothing run, nothing recorded
    with PriceShop() as shop:
        for name, value in {"ECWATCH_HOST_MAP": f"{HOST}=127.0.0.1",
                            "ECWATCH_ALLOW_PRIVATE_TARGETS": f"127.0.0.1:{shop.port}",  # its own port only
                            "ECWATCH_OBEY_ROBOTS": "0", "ECWATCH_EVIDENCE": "0"}.items():
            monkeypatch.setenv(name, value)
        shop.night = 4
        # Five hours ago the page said "Kết thúc sau 02:00:00" (it ended three hours ago, if it were true).
        visit(db, BlobStore(tmp_path / "data"), shop, utcnow() - timedelta(hours=5), ["/p/countdown", "/p/flash"])
        with session_scope(db) as session:
            requests = list(session.scalars(select(RevisitRequest)))
            # /p/flash's "Kết thúc lúc 23:59 ngày 31/10/2026" is past on a visit today: nothing to test again.
            assert [r.url for r in requests] == [shop.url("/p/countdown")]
            for request in requests:
                assert request.reason == "PROMO-FAKE-URGENCY" and request.done_at is None
                assert timedelta(hours=0.9) < request.due_at - utcnow() < timedelta(hours=1.1)  # 6 h after it
                request.due_at = utcnow() - timedelta(minutes=1)  # an hour passes
        run_id = jobs.revisit_job()
    assert run_id is not None
    with session_scope(db) as session:
        run = session.get_one(CrawlRun, run_id)
        assert (run.status, run.trigger) == ("finished", "schedule:revisit"), run.error
        assert all(r.done_at is not None and r.run_id == run_id for r in session.scalars(select(RevisitRequest)))
        shown = session.execute(select(Finding.rule, Sighting.url).join(Sighting, Sighting.finding_id == Finding.id)
                                .where(Finding.rule == "PROMO-FAKE-URGENCY")).all()
        assert shown == [("PROMO-FAKE-URGENCY", shop.url("/p/countdown"))]
    assert jobs.revisit_job() is None  # served: not crawled again


def test_run_now_revisit_with_nothing_due_says_so(db: Engine) -> None:
    result = CliRunner().invoke(cli, ["schedule", "run-now", "revisit"], catch_exceptions=False)
    assert result.exit_code == 0 and "No revisit is due" in result.output
