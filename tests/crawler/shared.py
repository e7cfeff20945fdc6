"""Running a shared run in tests: a unique Redis key prefix, a fresh PostgreSQL database, ``ecwatch enqueue`` and
``ecwatch worker`` as subprocesses, and what the database holds afterwards."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import redis
from sqlalchemy import select

from storage.models import CrawlRun, Finding, PageSnapshot, RunWorker

from ..services import fresh_postgres_database, redis_url_or_skip
from .crawls import ROOT, query_all


@dataclass
class SharedSetup:
    env: dict[str, str]
    database_url: str
    redis_url: str
    prefix: str

    def ecwatch(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "cli.main", *args], env=self.env, capture_output=True,
                              text=True, timeout=300, cwd=ROOT)

    def worker(self, run: str, *extra: str) -> subprocess.Popen[str]:
        return self.worker_process("--run", run, *extra)

    def worker_process(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen([sys.executable, "-m", "cli.main", "worker", "storefront", *args],
                                env=self.env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)

    def finding_count(self) -> int:
        return len(self._rows(select(Finding.id)))

    def run_names(self) -> list[str]:
        return [name for name in self._rows(select(CrawlRun.name).order_by(CrawlRun.id)) if name]

    def stored_urls(self) -> Counter[str]:
        """Requested URL -> snapshots stored of it."""
        return Counter(self._rows(select(PageSnapshot.requested_url)))

    def run_row(self, name: str) -> CrawlRun:
        [run] = self._rows(select(CrawlRun).where(CrawlRun.name == name))
        return run

    def workers(self, name: str) -> list[RunWorker]:
        return self._rows(select(RunWorker).join(CrawlRun).where(CrawlRun.name == name).order_by(RunWorker.id))

    def redis_keys(self) -> list[str]:
        server = redis.Redis.from_url(self.redis_url)
        return sorted(key.decode() for key in server.scan_iter(f"{self.prefix}:*"))

    def _rows(self, query: Any) -> list[Any]:
        return query_all(self.database_url, query)


@contextmanager
def shared_setup(data_dir: Path) -> Iterator[SharedSetup]:
    """Redis (a key prefix of this test's own, deleted afterwards) and a fresh, migrated PostgreSQL database."""
    redis_url = redis_url_or_skip()
    prefix = f"ecwatch-test-{uuid.uuid4().hex[:10]}"
    with fresh_postgres_database() as database_url:
        env = {**os.environ, "ECWATCH_DATA_DIR": str(data_dir), "ECWATCH_DATABASE_URL": database_url,
               "ECWATCH_REDIS_URL": redis_url, "ECWATCH_REDIS_PREFIX": prefix, "ECWATCH_LANG": "en"}
        setup = SharedSetup(env, database_url, redis_url, prefix)
        upgraded = setup.ecwatch("db", "upgrade")
        assert upgraded.returncode == 0, upgraded.stderr
        try:
            yield setup
        finally:
            server = redis.Redis.from_url(redis_url)
            for key in list(server.scan_iter(f"{prefix}:*")):
                server.delete(key)


def run_settings(host: str, port: int, **extra: object) -> list[str]:
    """``-s`` settings of a shared run against a local shop: no robots, no browser, short leases, no delay."""
    settings: dict[str, object] = {
        "ECWATCH_ALLOW_PRIVATE_TARGETS": f"127.0.0.1:{port}", "ECWATCH_HOST_MAP": f"{host}=127.0.0.1",
        "ROBOTSTXT_OBEY": 0, "DEPTH_LIMIT": 0, "ECWATCH_MAX_PAGES_PER_SITE": 10_000, "ECWATCH_EVIDENCE": 0,
        "ECWATCH_RENDER": "never", "ECWATCH_RESOLVE_BADGES": 0, "AUTOTHROTTLE_ENABLED": 0,
        "ECWATCH_PROGRESS_INTERVAL": 0, "ECWATCH_SITE_DELAY": 0, "ECWATCH_LEASE_SECONDS": 3,
        "ECWATCH_JUDGE_WORKERS": 0, "ECWATCH_WRITE_BATCH": 5, **extra}
    return [arg for name, value in settings.items() for arg in ("-s", f"{name}={value}")]
