"""One crawl shared by several worker processes on the real Redis and PostgreSQL: every page fetched once and
stored once, nothing lost when a worker is killed, the per-site page limit over all workers."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from bench.shop import Shop, ShopServer, ShopSpec

from .shared import SharedSetup, run_settings, shared_setup

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

SPEC = ShopSpec(products=60, categories=3, per_page=15, related=4, paragraphs=2)


def _finish(workers: list) -> list[str]:
    outputs = []
    for worker in workers:
        out, err = worker.communicate(timeout=240)
        assert worker.returncode == 0, out + err
        outputs.append(err)
    return outputs


def _runs(setup: SharedSetup) -> list[dict]:
    listed = setup.ecwatch("runs", "--format", "jsonl")
    assert listed.returncode == 0, listed.stderr
    return [json.loads(line) for line in listed.stdout.splitlines()]


def _enqueue(setup: SharedSetup, server: ShopServer, run: str, **settings: object) -> None:
    enqueued = setup.ecwatch("enqueue", "storefront", "--url", server.url("/"), "--run", run,
                             *run_settings(SPEC.host, server.port, **settings))
    assert enqueued.returncode == 0, enqueued.stderr
    assert f"Run {run} " in enqueued.stderr and "1 seeds queued" in enqueued.stderr


def _when_both_joined(setup: SharedSetup, run: str) -> threading.Event:
    """Set once two workers have joined ``run``: the shop holds its home page until then, so that the second
    worker to start has a share of the crawl however long it took to start (and its pages take 0.1 s each, so
    that the first, two pages at a time, cannot take them all between two looks of the other at the queue)."""
    both = threading.Event()

    def watch() -> None:
        deadline = time.monotonic() + 120
        while len(setup.workers(run)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        both.set()

    threading.Thread(target=watch, daemon=True).start()
    return both


def test_two_workers_fetch_every_page_once_and_store_it_once(tmp_path: Path) -> None:
    shop = Shop(SPEC)
    pages = set(shop.depths())
    with shared_setup(tmp_path / "data") as setup:
        both = _when_both_joined(setup, "together")
        with ShopServer(shop, delay=0.1, gate=lambda path: both.wait(timeout=120)) as server:
            _enqueue(setup, server, "together")
            outputs = _finish([setup.worker("together", "--concurrency", "2") for _ in range(2)])
            assert set(server.fetched) == pages  # nothing left out
            assert set(server.fetched.values()) == {1}  # and no page fetched twice, whichever worker met its link
            again = setup.ecwatch("enqueue", "storefront", "--url", server.url("/"), "--run", "together")
        stored = setup.stored_urls()
        assert set(stored.values()) == {1} and len(stored) == len(pages)
        run = setup.run_row("together")
        assert run.status == "finished" and run.pages == len(pages)
        # A first crawl: every finding is new, each counted once however many workers saw it.
        summary = run.finding_summary
        assert sum(c["new"] for c in summary.values()) == setup.finding_count() > 0
        assert not any(c["still_open"] or c["reopened"] or c["gone"] for c in summary.values())
        workers = setup.workers("together")
        assert len(workers) == 2 and all(w.finished_at is not None for w in workers)
        assert sum(w.pages for w in workers) == len(pages) and all(w.pages > 0 for w in workers)
        assert all("together (database run 1): done" in output for output in outputs), outputs
        # The run's queue, fingerprints and leases are gone with it; its meta stays, so its name is not reused.
        assert not [key for key in setup.redis_keys() if key.endswith((":requests", ":seen", ":leases:expiry"))]
        assert again.returncode == 2 and "together" in again.stderr and "Traceback" not in again.stderr


def test_a_worker_killed_holding_requests_loses_none_of_them(tmp_path: Path) -> None:
    """The first worker is killed while the shop holds some of its product pages unanswered: it dies holding
    their leases. Two workers started afterwards crawl the rest, the held pages among it once their leases
    expire; every page is stored exactly once."""
    shop = Shop(SPEC)
    pages = set(shop.depths())
    held, release, held_paths = threading.Semaphore(0), threading.Event(), []

    def hold_products(path: str) -> None:
        if path.startswith("/san-pham/") and not release.is_set():
            held_paths.append(path)
            held.release()
            release.wait(timeout=120)

    with shared_setup(tmp_path / "data") as setup, ShopServer(shop, gate=hold_products) as server:
        _enqueue(setup, server, "killed")
        first = setup.worker("killed", "--concurrency", "4")
        for _ in range(3):  # three product pages asked for and not answered: the worker holds their leases
            assert held.acquire(timeout=120), "the first worker never reached a product page"
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
        answered_to_the_dead = set(server.fetched)
        [listed] = _runs(setup)  # one run: its dead worker no longer working, its leases still out
        assert listed["status"] == "running" and listed["done"] is False and listed["in_flight"] >= 3
        assert listed["workers"].startswith("1 (0 working)")
        release.set()
        _finish([setup.worker("killed", "--concurrency", "4") for _ in range(2)])
        assert set(server.fetched) == pages  # nothing lost
        # Fetched again: the pages it was waiting for, and maybe some it had fetched but not stored yet; no other.
        refetched = {path for path, hits in server.fetched.items() if hits > 1}
        assert set(held_paths) <= refetched <= set(held_paths) | answered_to_the_dead
        stored = setup.stored_urls()
        assert len(stored) == len(pages) and set(stored.values()) == {1}  # nothing doubled
        run = setup.run_row("killed")
        assert run.status == "finished" and run.pages == len(pages)
        [listed] = _runs(setup)
        assert listed["status"] == "finished" and listed["done"] is True and listed["pages"] == len(pages)
        assert listed["workers"] == "3 (0 working)" and len(listed["worker_list"]) == 3
        workers = setup.workers("killed")
        assert len(workers) == 3 and sum(1 for w in workers if w.finished_at is None) == 1  # the dead one
        assert sum(int(w.get("reaped", 0)) for w in run.stats["workers"].values()) >= 3


def test_the_page_limit_per_site_holds_across_workers(tmp_path: Path) -> None:
    shop = Shop(SPEC)
    with shared_setup(tmp_path / "data") as setup, ShopServer(shop, delay=0.01) as server:
        # With the shared politeness delay on: the workers take turns on the site through Redis.
        _enqueue(setup, server, "limited", ECWATCH_MAX_PAGES_PER_SITE=12, ECWATCH_SITE_DELAY=0.02)
        _finish([setup.worker("limited", "--concurrency", "2") for _ in range(2)])
        assert sum(server.fetched.values()) == 12
        assert sum(setup.stored_urls().values()) == 12
        run = setup.run_row("limited")
        assert run.status == "finished" and run.pages == 12
        assert sum(int(w["page_limit_reached"]) for w in run.stats["workers"].values()) > 0


def test_a_worker_on_another_data_dir_is_refused_in_one_line(tmp_path: Path) -> None:
    with shared_setup(tmp_path / "data") as setup, ShopServer(Shop(SPEC)) as server:
        _enqueue(setup, server, "elsewhere")
        setup.env["ECWATCH_DATA_DIR"] = str(tmp_path / "not-shared")
        refused = setup.ecwatch("worker", "storefront", "--run", "elsewhere")
        assert refused.returncode == 2 and "Traceback" not in refused.stderr
        assert refused.stderr.strip().splitlines() == [
            f"Error: ECWATCH_DATA_DIR {tmp_path / 'not-shared'} is not the data dir run 'elsewhere' was enqueued "
            "with: every worker needs the same shared directory (see 'Shared mode' in the README)"]
        assert server.fetched == {}
