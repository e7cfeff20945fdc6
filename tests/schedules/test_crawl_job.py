"""Scheduled crawls run for real, in child processes, and every outcome is recorded."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.date import DateTrigger
from click.testing import CliRunner
from sqlalchemy import Engine, func, select

from cli.demo import demo_overrides
from cli.demosite import DemoSite
from cli.main import cli
from schedules import jobs, runner
from schedules.locks import current_holder
from storage.db import session_scope
from storage.models import PageSnapshot

from . import SlowShop, crawl_runs, ended_run, running_run, start_ecwatch, stop_process, wait_for

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def db(engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """The test database, also for the ``ecwatch`` processes the test starts."""
    monkeypatch.setenv("ECWATCH_DATABASE_URL", database_url)
    return engine


def soon(seconds: float = 2) -> DateTrigger:
    return DateTrigger(datetime.now(VIETNAM) + timedelta(seconds=seconds), timezone=VIETNAM)


def test_a_job_with_a_near_trigger_crawls_the_demo_site_and_records_the_run(db: Engine, tmp_path: Path) -> None:
    logs = tmp_path / "data" / "logs"
    with DemoSite() as site:
        seeds = tmp_path / "seeds.txt"
        seeds.write_text("\n".join(site.seeds()) + "\n", encoding="utf-8")
        settings = {k: str(v) for k, v in demo_overrides(site).items() if k not in jobs.RESERVED_SETTINGS}
        runner.add_crawl_schedule(db, "nightly", "storefront", seeds, trigger=soon(), settings=settings,
                                  time_limit=600)
        serve = start_ecwatch(["schedule", "serve"], tmp_path / "serve.out")
        try:
            run = wait_for(lambda: ended_run(db, "schedule:nightly"), "the scheduled crawl to end", timeout=300)
        finally:
            assert stop_process(serve) == 0, (tmp_path / "serve.out").read_text()

    assert run.status == "finished", run.error
    assert run.exit_status == 0 and run.error is None
    assert run.spider == "storefront" and run.finished_at is not None and run.finished_at >= run.started_at
    with session_scope(db) as session:
        stored = session.scalar(select(func.count()).select_from(PageSnapshot).where(PageSnapshot.run_id == run.id))
    assert run.pages == stored >= 20 and run.findings > 0
    log = Path(run.log_path or "")
    assert log.parent == logs and log.is_file()
    assert "Spider closed (finished)" in log.read_text(encoding="utf-8")
    assert 'Running job "nightly' in (logs / "scheduler.log").read_text(encoding="utf-8")
    # A one-off trigger leaves nothing behind; the built-in re-detection job stays.
    assert [info.name for info in runner.list_schedules(db)] == ["redetect", "revisit"]

    shown = CliRunner().invoke(cli, ["runs"], catch_exceptions=False, env={"COLUMNS": "250"})
    assert "schedule:nightly" in shown.output and "finished" in shown.output


def test_an_overlapping_run_is_skipped_and_logged(db: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with SlowShop() as shop:
        seeds = shop.seeds_file(tmp_path / "seeds.txt")
        runner.add_crawl_schedule(db, "slow", "storefront", seeds, cron="0 2 * * *", settings=shop.settings())
        first = start_ecwatch(["schedule", "run-now", "slow"], tmp_path / "first.out")
        try:
            wait_for(lambda: shop.requests > 0, "the first run to reach the shop")
            [running] = crawl_runs(db, "run-now:slow")
            caplog.set_level(logging.WARNING, logger="schedules")
            # What the scheduler would call at 02:00 while the first run is still going.
            second = jobs.crawl_job(name="slow", spider="storefront", seeds=str(seeds), settings=shop.settings())
        finally:
            shop.release()
            assert first.wait(timeout=300) == 0, (tmp_path / "first.out").read_text()

    [skipped] = crawl_runs(db, "schedule:slow")
    assert skipped.id == second and skipped.status == "skipped" and skipped.finished_at is not None
    assert f"schedule:slow is already running (run {running.id}, started" in (skipped.error or "")
    assert skipped.log_path is None and skipped.pages == 0
    assert any("skipped" in r.getMessage() and "schedule:slow" in r.getMessage() for r in caplog.records)
    [finished] = crawl_runs(db, "run-now:slow")
    assert finished.status == "finished" and finished.exit_status == 0 and finished.pages == 1
    assert current_holder(db, jobs.lock_name("slow")) is None


def test_a_failing_crawl_is_recorded_as_failed_with_its_error(db: Engine, tmp_path: Path) -> None:
    seeds = tmp_path / "seeds.txt"
    seeds.write_text("https://demo-giadung.vn/\n", encoding="utf-8")
    runner.add_crawl_schedule(db, "broken", "storefront", seeds, cron="0 2 * * *")
    seeds.unlink()  # the file went away between the evening and the night

    result = CliRunner().invoke(cli, ["schedule", "run-now", "broken"])

    assert result.exit_code == 1, result.output
    [run] = crawl_runs(db, "run-now:broken")
    # A seed file that is gone is an input error: the crawl process says so and exits 2.
    assert run.status == "failed" and run.exit_status == 2 and run.finished_at is not None
    assert (run.error or "").startswith("storefront exited with status 2")
    assert f"file not found: {seeds}" in (run.error or "")
    assert run.log_path and f"file not found: {seeds}" in Path(run.log_path).read_text(encoding="utf-8")
    assert "file not found" in result.output
    assert current_holder(db, jobs.lock_name("broken")) is None


def test_a_crawl_over_its_time_limit_is_stopped_and_recorded_as_failed(db: Engine, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jobs, "STOP_GRACE", 5.0)
    with SlowShop() as shop:
        seeds = shop.seeds_file(tmp_path / "seeds.txt")
        run_id = jobs.crawl_job(name="slow", spider="storefront", seeds=str(seeds), settings=shop.settings(),
                                time_limit=3)
    [run] = crawl_runs(db, "schedule:slow")
    assert run.id == run_id and run.status == "failed" and run.exit_status is not None
    assert (run.error or "").startswith("time limit of 3 s exceeded: storefront was stopped")
    assert current_holder(db, jobs.lock_name("slow")) is None


def test_serve_stops_cleanly_on_sigterm_and_records_the_interrupted_run(db: Engine, tmp_path: Path) -> None:
    with SlowShop() as shop:
        seeds = shop.seeds_file(tmp_path / "seeds.txt")
        runner.add_crawl_schedule(db, "slow", "storefront", seeds, trigger=soon(0),
                                  settings=shop.settings(download_timeout=5))
        serve = start_ecwatch(["schedule", "serve"], tmp_path / "serve.out")
        try:
            wait_for(lambda: running_run(db, "schedule:slow") and shop.requests > 0, "the crawl to start")
        finally:
            assert stop_process(serve) == 0, (tmp_path / "serve.out").read_text()
    [run] = crawl_runs(db, "schedule:slow")
    assert run.status == "failed" and run.finished_at is not None
    assert (run.error or "").startswith("stopped: the scheduler shut down during the run")
    assert current_holder(db, jobs.lock_name("slow")) is None
    assert "Scheduler stopped" in (tmp_path / "data" / "logs" / "scheduler.log").read_text(encoding="utf-8")


def test_a_run_missed_while_the_scheduler_was_down_is_recorded(db: Engine, tmp_path: Path) -> None:
    seeds = tmp_path / "seeds.txt"
    seeds.write_text("https://demo-giadung.vn/\n", encoding="utf-8")
    two_hours_ago = DateTrigger(datetime.now(VIETNAM) - timedelta(hours=2), timezone=VIETNAM)
    runner.add_crawl_schedule(db, "late", "storefront", seeds, trigger=two_hours_ago)
    stop = threading.Event()
    serving = threading.Thread(target=runner.serve, args=(db, tmp_path / "scheduler.log"),
                               kwargs={"stop": stop, "wake_interval": 0.2})
    serving.start()
    try:
        run = wait_for(lambda: ended_run(db, "schedule:late"), "the missed run to be recorded", timeout=60)
    finally:
        stop.set()
        serving.join(timeout=60)
    assert not serving.is_alive()
    assert run.status == "skipped" and (run.error or "").startswith("missed: the scheduler was not running at")
    assert "was missed by" in (tmp_path / "scheduler.log").read_text(encoding="utf-8")
