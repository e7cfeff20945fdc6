"""Running ``ecwatch crawl`` against the demo site in a subprocess, and reading what it stored."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from cli.demo import demo_overrides
from cli.demosite import DemoSite
from storage.db import make_engine, session_scope
from storage.models import CrawlRun, Finding, PageSnapshot, Sighting

ROOT = Path(__file__).resolve().parents[2]
NO_BROWSER = {"ECWATCH_CHROMIUM": "/nonexistent/chromium"}  # as if none were installed


@dataclass
class Crawl:
    completed: subprocess.CompletedProcess[str]
    data_dir: Path
    database: str | None = None  # ECWATCH_DATABASE_URL of the run, if not the data dir's SQLite

    @property
    def database_url(self) -> str:
        return self.database or f"sqlite:///{self.data_dir / 'ecwatch.db'}"

    def check(self) -> Crawl:
        assert self.completed.returncode == 0, self.completed.stdout + self.completed.stderr
        return self

    def snapshots(self) -> list[PageSnapshot]:
        query = select(PageSnapshot).options(selectinload(PageSnapshot.artifacts), selectinload(PageSnapshot.site))
        return self._all(query.order_by(PageSnapshot.id))

    def findings(self) -> list[Finding]:
        query = select(Finding).options(
            selectinload(Finding.site),
            selectinload(Finding.reference).selectinload(Sighting.snapshot).selectinload(PageSnapshot.artifacts),
            selectinload(Finding.sightings).selectinload(Sighting.snapshot).selectinload(PageSnapshot.artifacts))
        return self._all(query.order_by(Finding.id))

    def last_run(self) -> CrawlRun:
        return self._all(select(CrawlRun).order_by(CrawlRun.id))[-1]

    def stats(self) -> dict[str, Any]:
        """The statistics of the latest run in the data dir, which must have finished."""
        run = self.last_run()
        assert run.status == "finished", run.error
        return dict(run.stats)

    def _all(self, query: Any) -> list[Any]:
        return query_all(self.database_url, query)


def query_all(database_url: str, query: Any) -> list[Any]:
    """Every row ``query`` selects, detached from its session."""
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            rows = list(session.scalars(query))
            session.expunge_all()
            return rows
    finally:
        engine.dispose()


def run_ecwatch(args: list[str], data_dir: Path, env: dict[str, str] | None = None) -> Crawl:
    environment = {**os.environ, "ECWATCH_DATA_DIR": str(data_dir)}
    environment.pop("ECWATCH_DATABASE_URL", None)
    environment.setdefault("ECWATCH_LANG", "en")  # module-scoped crawls start before the per-test environment
    environment.update(env or {})
    completed = subprocess.run([sys.executable, "-m", "cli.main", *args], env=environment, capture_output=True,
                               text=True, timeout=600, cwd=ROOT)
    return Crawl(completed, data_dir, environment.get("ECWATCH_DATABASE_URL"))


def crawl(site: DemoSite, data_dir: Path, spider: str, *, urls: tuple[str, ...] | list[str] = (),
          seeds: Path | None = None,
          settings: dict[str, Any] | None = None, env: dict[str, str] | None = None) -> Crawl:
    """``ecwatch crawl SPIDER`` at the demo site, judged on a fixed day, without progress lines."""
    args = ["crawl", spider, *[a for url in urls for a in ("--url", url)]]
    if seeds is not None:
        args += ["--seeds", str(seeds)]
    overrides = {**demo_overrides(site), "ECWATCH_DETECT_ON": "2026-11-20", "ECWATCH_PROGRESS_INTERVAL": 0,
                 **(settings or {})}
    for name, value in overrides.items():
        args += ["-s", f"{name}={value}"]
    return run_ecwatch(args, data_dir, env)
