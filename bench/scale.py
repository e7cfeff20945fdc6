"""Shared-mode scaling: pages/s of one shared run with 1, 2 and 4 workers on this machine, each against the
1-worker run measured in the same invocation (``python -m bench.scale [--quick]``).

The generated shop (``bench.shop``, served by nginx when installed) is crawled as one shared run on the real
Redis and PostgreSQL (``ECWATCH_REDIS_URL``; ``ECWATCH_BENCH_POSTGRES_URL``, default the tests' server: a
throw-away database per run). Workers are started together; pages/s is the pages stored over the span from the
first page fetched to the run's recorded end (every page judged and stored; worker start-up, about 3 s a
process, is left out: it is paid once per run, not per page), and the wall time from start to the last
worker's exit is reported beside it. The CPU time of all
workers (and their judging processes) is summed per page, and the share of the machine's cores busy during the
run (``/proc/stat``: everything that ran, PostgreSQL, Redis, the shop's server and any other load included) says
whether CPU is what ran out.
Rounds alternate the worker counts (1 2 4 1 2 4 ...); the figures are medians.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import redis
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from storage.db import make_engine, session_scope
from storage.models import CrawlRun, PageSnapshot

from . import report
from .render_bench import ROOT
from .shop import Shop, ShopSpec
from .throughput import serve

POSTGRES_URL = os.environ.get("ECWATCH_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
WORKER_COUNTS = (1, 2, 4)
CONCURRENCY = 16  # per worker
FULL = {"products": 1500, "rounds": 2}
QUICK = {"products": 300, "rounds": 1}


def _settings(host: str, port: int) -> list[str]:
    settings = {"ECWATCH_ALLOW_PRIVATE_TARGETS": f"127.0.0.1:{port}", "ECWATCH_HOST_MAP": f"{host}=127.0.0.1",
                "ROBOTSTXT_OBEY": 0, "DEPTH_LIMIT": 0, "ECWATCH_MAX_PAGES_PER_SITE": 1_000_000,
                "CONCURRENT_REQUESTS_PER_DOMAIN": CONCURRENCY, "AUTOTHROTTLE_ENABLED": 0, "ECWATCH_SITE_DELAY": 0,
                "ECWATCH_RENDER": "never", "ECWATCH_EVIDENCE": 0, "ECWATCH_RESOLVE_BADGES": 0,
                "ECWATCH_PROGRESS_INTERVAL": 0, "LOG_LEVEL": "WARNING"}
    return [arg for name, value in settings.items() for arg in ("-s", f"{name}={value}")]


class ThrowAwayDatabase:
    def __init__(self) -> None:
        self.admin = create_engine(make_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
        self.name = f"ecwatch_bench_{uuid.uuid4().hex[:10]}"
        self.url = make_url(POSTGRES_URL).set(database=self.name).render_as_string(hide_password=False)

    def __enter__(self) -> str:
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{self.name}"'))
        return self.url

    def __exit__(self, *exc: object) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self.admin.dispose()


def one_run(url: str, host: str, port: int, workers: int, expected: int) -> dict[str, Any]:
    prefix = f"ecwatch-bench-{uuid.uuid4().hex[:8]}"
    with ThrowAwayDatabase() as database, tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        env = {**os.environ, "ECWATCH_DATA_DIR": tmp, "ECWATCH_DATABASE_URL": database, "ECWATCH_REDIS_PREFIX": prefix}
        ecwatch = [sys.executable, "-m", "cli.main"]
        for args in (["db", "upgrade"], ["enqueue", "storefront", "--url", url, "--run", "bench", *_settings(host, port)]):
            done = subprocess.run([*ecwatch, *args], env=env, cwd=ROOT, capture_output=True, text=True)
            if done.returncode != 0:
                raise RuntimeError(f"{' '.join(args[:2])} failed: {done.stderr[-2000:]}")
        before, started, busy_before = os.times(), time.monotonic(), _cpu_ticks()
        processes = [subprocess.Popen([*ecwatch, "worker", "storefront", "--run", "bench", "--concurrency",
                                       str(CONCURRENCY)], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE, text=True) for _ in range(workers)]
        for process in processes:
            _out, err = process.communicate()
            if process.returncode != 0:
                raise RuntimeError(f"a worker failed: {err[-2000:]}")
        wall = time.monotonic() - started
        after, busy = os.times(), _busy_share(busy_before, _cpu_ticks())
        pages, first, last = _stored(database)
        _forget(prefix)
    span = (last - first).total_seconds() if pages > 1 else wall
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return {"workers": workers, "pages": pages, "coverage": round(min(pages, expected) / expected, 4),
            "span_s": round(span, 2), "wall_s": round(wall, 2), "pages_per_s": round(pages / span, 1),
            "cpu_ms_per_page": round(1000 * cpu / max(pages, 1), 1), "machine_busy": busy}


def _cpu_ticks() -> tuple[int, int] | None:
    """(busy, total) jiffies of all cores since boot; None off Linux."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def _busy_share(before: tuple[int, int] | None, after: tuple[int, int] | None) -> float | None:
    if before is None or after is None or after[1] == before[1]:
        return None
    return round((after[0] - before[0]) / (after[1] - before[1]), 2)


def _stored(database: str) -> tuple[int, Any, Any]:
    """Pages stored, the first fetch, the run's recorded end."""
    engine = make_engine(database)
    try:
        with session_scope(engine) as session:
            pages, first = session.execute(select(func.count(), func.min(PageSnapshot.fetched_at))).one()
            return pages, first, session.scalar(select(CrawlRun.finished_at).where(CrawlRun.name == "bench"))
    finally:
        engine.dispose()


def _forget(prefix: str) -> None:
    server = redis.Redis.from_url(os.environ.get("ECWATCH_REDIS_URL", "redis://127.0.0.1:6379/0"))
    for key in list(server.scan_iter(f"{prefix}:*")):
        server.delete(key)


def measure(products: int, rounds: int) -> dict[str, Any]:
    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    spec = ShopSpec(products=products, categories=max(products // 40, 1), paragraphs=70)
    shop = Shop(spec)
    expected = len(shop.depths())
    runs: dict[int, list[dict[str, Any]]] = {count: [] for count in WORKER_COUNTS}
    with serve(shop) as (port, server):
        url = f"http://{spec.host}:{port}/"
        for round_ in range(rounds):
            for count in WORKER_COUNTS:
                print(f"[{time.strftime('%H:%M:%S')}] round {round_ + 1}: {count} worker(s)", file=sys.stderr,
                      flush=True)
                runs[count].append(one_run(url, spec.host, port, count, expected))
    medians = {count: round(statistics.median(r["pages_per_s"] for r in rs), 1) for count, rs in runs.items()}
    baseline = medians[WORKER_COUNTS[0]]
    return {"started": started, "server": server,
            "site_pages": expected, "concurrency_per_worker": CONCURRENCY, "cores": os.cpu_count(),
            "pages_per_s": medians, "ratio_to_one_worker": {c: round(m / baseline, 2) for c, m in medians.items()},
            "cpu_ms_per_page": {c: round(statistics.median(r["cpu_ms_per_page"] for r in rs), 1)
                                for c, rs in runs.items()},
            "machine_busy": {c: statistics.median(r["machine_busy"] or 0 for r in rs) for c, rs in runs.items()},
            "runs": runs}


def markdown(results: dict[str, Any], heading: str = "# ecwatch shared-mode scaling") -> str:
    lines = [f"{heading} {results['started']}", "",
             f"One shared run of a {results['site_pages']}-page shop served by {results['server']}, on "
             f"{results['cores']} cores; {results['concurrency_per_worker']} requests in flight per worker; "
             "Redis and PostgreSQL on the same machine.", "",
             "| workers | pages/s (median) | ratio to 1 worker | CPU ms per page (workers) | cores busy | runs (pages/s) |",
             "|---|---|---|---|---|---|"]
    for count in results["pages_per_s"]:
        runs = ", ".join(str(r["pages_per_s"]) for r in results["runs"][count])
        lines.append(f"| {count} | {results['pages_per_s'][count]} | {results['ratio_to_one_worker'][count]} | "
                     f"{results['cpu_ms_per_page'][count]} | {results['machine_busy'][count]:.0%} | {runs} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a small shop, one round")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    try:
        results = measure(**sizes)
    except (RuntimeError, OSError, SQLAlchemyError, redis.RedisError) as exc:
        print(f"bench.scale: {exc}", file=sys.stderr)
        return 1
    report.save(results, "scale-quick" if args.quick else "scale-full", markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
