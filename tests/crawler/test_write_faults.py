"""A database that refuses writes for a while loses no page; one that refuses them for good stops the
crawl, and its run says why. SQLite's write lock held by another process stands in for a long import."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import func, select

from bench.shop import Shop, ShopServer, ShopSpec
from storage.db import make_engine, session_scope
from storage.models import PageSnapshot

from .crawls import ROOT, Crawl

SPEC = ShopSpec(products=60, categories=3, per_page=30, related=3, paragraphs=2)


def _count(database: Path) -> int:
    try:
        with sqlite3.connect(database, timeout=0.1) as connection:
            return connection.execute("SELECT count(*) FROM page_snapshots").fetchone()[0]
    except sqlite3.Error:
        return 0


def _hold_write_lock(database: Path, seconds: float, taken: threading.Event) -> None:
    connection = sqlite3.connect(database, timeout=60, isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")  # the write lock, as a long registry import in one transaction had it
    taken.set()
    time.sleep(seconds)
    connection.execute("ROLLBACK")
    connection.close()


def _crawl_while_locked(tmp_path: Path, lock_for: float, patience: float) -> tuple[Crawl, Shop, int]:
    shop = Shop(SPEC)
    database = tmp_path / "ecwatch.db"
    with ShopServer(shop, delay=0.02) as server:
        settings = {"ECWATCH_ALLOW_PRIVATE_TARGETS": f"127.0.0.1:{server.port}",
                    "ECWATCH_HOST_MAP": f"{SPEC.host}=127.0.0.1",
                    "ECWATCH_MAX_PAGES_PER_SITE": 10_000, "ECWATCH_EVIDENCE": 0, "ECWATCH_RENDER": "never",
                    "AUTOTHROTTLE_ENABLED": 0, "ECWATCH_PROGRESS_INTERVAL": 0, "ECWATCH_WRITE_BATCH": 5,
                    "ECWATCH_WRITE_PATIENCE": patience, "ECWATCH_JUDGE_WORKERS": 0}
        args = [a for name, value in settings.items() for a in ("-s", f"{name}={value}")]
        env = {**os.environ, "ECWATCH_DATA_DIR": str(tmp_path),
               "ECWATCH_DATABASE_URL": f"sqlite:///{database}?timeout=1"}  # a writer waits 1 s for a lock
        process = subprocess.Popen([sys.executable, "-m", "cli.main", "crawl", "storefront", "--url", server.url("/"),
                                    *args], env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        while _count(database) < 10 and process.poll() is None:
            time.sleep(0.1)
        taken = threading.Event()
        holder = threading.Thread(target=_hold_write_lock, args=(database, lock_for, taken))
        holder.start()
        taken.wait(30)
        stdout, stderr = process.communicate(timeout=300)
        holder.join()
        fetched = len([p for p in server.fetched if p != "/robots.txt"])
    return Crawl(subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr), tmp_path,
                 f"sqlite:///{database}"), shop, fetched


def test_writes_refused_for_a_while_are_tried_again_and_no_page_is_lost(tmp_path: Path) -> None:
    result, shop, fetched = _crawl_while_locked(tmp_path, lock_for=4, patience=60)
    result.check()
    stats = result.stats()
    assert stats["ecwatch/write/retries"] >= 1  # the lock was really in the way
    assert len(result.snapshots()) == fetched == len(shop.depths())


def test_writes_refused_for_good_stop_the_crawl_and_fail_its_run_with_the_reason(tmp_path: Path) -> None:
    result, _shop, fetched = _crawl_while_locked(tmp_path, lock_for=15, patience=2)
    assert result.completed.returncode == 1
    run = result.last_run()
    assert run.status == "failed" and "could not write" in (run.error or "") and "database is locked" in run.error
    engine = make_engine(result.database_url)
    with session_scope(engine) as session:
        stored = session.scalar(select(func.count()).select_from(PageSnapshot)) or 0
    engine.dispose()
    assert stored < fetched  # pages were lost to the database, and the run says so rather than "finished"
