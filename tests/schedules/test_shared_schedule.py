"""A schedule in the shared mode: its run is queued on Redis, a standing worker crawls it, and the schedule's run
ends when the workers finish it (real Redis and PostgreSQL)."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from bench.shop import Shop, ShopServer, ShopSpec

from ..crawler.shared import run_settings, shared_setup

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

SPEC = ShopSpec(products=30, categories=2, per_page=15, related=3, paragraphs=2)


def test_a_shared_schedule_queues_its_run_and_ends_when_a_standing_worker_has_crawled_it(tmp_path: Path) -> None:
    shop = Shop(SPEC)
    seeds = tmp_path / "seeds.txt"
    with shared_setup(tmp_path / "data") as setup, ShopServer(shop) as server:
        seeds.write_text(server.url("/") + "\n", encoding="utf-8")
        added = setup.ecwatch("schedule", "add", "national", "--cron", "0 1 * * *", "--spider", "storefront",
                              "--seeds", str(seeds), "--shared", *run_settings(SPEC.host, server.port))
        assert added.returncode == 0, added.stderr
        listed = setup.ecwatch("schedule", "list", "--format", "tsv")
        assert listed.stdout.splitlines()[1].endswith("\tshared")
        standing = setup.worker_process("--stay")
        try:
            ran = setup.ecwatch("schedule", "run-now", "national")
        finally:
            standing.send_signal(signal.SIGINT)
            standing.communicate(timeout=120)
        assert ran.returncode == 0, ran.stdout + ran.stderr
        [run] = [row for row in [setup.run_row(name) for name in setup.run_names()] if row.trigger == "run-now:national"]
        assert run.status == "finished" and run.name == f"run-now-national-run{run.id}"
        assert run.pages == len(shop.depths()) and set(server.fetched.values()) == {1}
        assert len(setup.workers(run.name)) == 1
