"""Crawl throughput against plain Scrapy on the same generated shop, in one run, A B A B.

(a) plain: ``bench/plain_spider.py``, a Scrapy spider that only follows links, run outside ecwatch's
    project (no ``scrapy.cfg``, Scrapy's defaults), CONCURRENT_REQUESTS 16, no throttling.
(b) ecwatch: ``ecwatch crawl storefront`` with the same concurrency and no throttling, detection and
    storage included (rendering and browser evidence off: they are measured apart, ``bench.render_bench``).
Pages/s is pages over Scrapy's own ``elapsed_time_seconds`` (process start-up excluded, the same for
both). Coverage is the share of the shop's pages each one stored. While ecwatch crawls, the memory of its
process tree (the crawl and its judging processes) is sampled (``bench.render_bench.watch``). Bytes
stored per page are the data dir's size (database and files) over the pages, against what the same
pages take uncompressed.

The shop is served by nginx when it is installed (``apt-get install nginx-light``), else by Python's
``ThreadingHTTPServer`` (slower: it takes CPU from the crawlers on a small machine; the report says which).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterator

from .render_bench import ROOT, watch
from .shop import Shop, ShopServer, ShopSpec, write_files

CONCURRENCY = 16


@dataclass
class CrawlFigures:
    name: str
    pages: int
    seconds: float
    pages_per_s: float
    coverage: float
    cpu_seconds: float | None = None
    peak_pss_mib: float | None = None
    peak_rss_main_mib: float | None = None
    bytes_per_page: float | None = None
    uncompressed_bytes_per_page: float | None = None


# --- serving the shop ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serve(shop: Shop) -> Iterator[tuple[int, str]]:
    """(port, server name): nginx if there is one, else the Python server."""
    nginx = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)
    if nginx is None:
        with ShopServer(shop) as server:
            yield server.port, "python ThreadingHTTPServer"
        return
    with tempfile.TemporaryDirectory(prefix="bench-nginx-") as tmp:
        root = Path(tmp) / "site"
        write_files(shop, root)
        port = _free_port()
        conf = Path(tmp) / "nginx.conf"
        conf.write_text(f"""worker_processes 1; daemon off; pid {tmp}/nginx.pid; error_log {tmp}/error.log;
events {{ worker_connections 1024; }}
http {{ access_log off; sendfile on; keepalive_requests 100000; default_type "text/html; charset=utf-8";
  client_body_temp_path {tmp}; proxy_temp_path {tmp}; fastcgi_temp_path {tmp}; uwsgi_temp_path {tmp}; scgi_temp_path {tmp};
  server {{ listen 127.0.0.1:{port}; root {root};
    location = / {{ try_files /index.html =404; }}
    location = /robots.txt {{ default_type text/plain; }}
    location / {{ try_files ${{uri}}__${{args}} $uri =404; }} }} }}
""", encoding="utf-8")
        process = subprocess.Popen([nginx, "-c", str(conf), "-p", tmp], stderr=subprocess.DEVNULL)
        try:
            _wait_for(port)
            yield port, "nginx"
        finally:
            process.terminate()
            process.wait()


def _wait_for(port: int) -> None:
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"the shop's server did not come up on port {port}")


# --- the two crawlers ------------------------------------------------------------------------------


def plain(url: str, expected: int) -> CrawlFigures:
    with tempfile.TemporaryDirectory(prefix="bench-plain-") as tmp:
        out = Path(tmp) / "stats.json"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SCRAPY_", "ECWATCH_"))}
        command = [sys.executable, "-m", "scrapy", "runspider", str(ROOT / "bench" / "plain_spider.py"),
                   "-a", f"start={url}", "-a", f"out={out}", "-s", f"CONCURRENT_REQUESTS={CONCURRENCY}",
                   "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={CONCURRENCY}", "-s", "LOG_LEVEL=WARNING"]
        started = os.times()
        completed = subprocess.run(command, cwd=tmp, env=env, capture_output=True, text=True)  # outside the project
        cpu = _child_cpu(started)
        if completed.returncode != 0 or not out.exists():
            raise SystemExit(f"the plain spider failed:\n{completed.stderr[-3000:]}")
        stats = json.loads(out.read_text(encoding="utf-8"))
    pages = int(stats["pages"])
    seconds = float(stats["elapsed_time_seconds"])
    return CrawlFigures("plain", pages, round(seconds, 2), round(pages / seconds, 1),
                        round(min(pages, expected) / expected, 4), cpu_seconds=round(cpu, 1))


def ecwatch(url: str, host: str, port: int, expected: int) -> CrawlFigures:
    with tempfile.TemporaryDirectory(prefix="bench-ecwatch-") as tmp:
        settings = {"ECWATCH_ALLOW_PRIVATE_TARGETS": f"127.0.0.1:{port}", "ECWATCH_HOST_MAP": f"{host}=127.0.0.1",
                    "CONCURRENT_REQUESTS": CONCURRENCY, "CONCURRENT_REQUESTS_PER_DOMAIN": CONCURRENCY,
                    "AUTOTHROTTLE_ENABLED": False, "ROBOTSTXT_OBEY": False, "DEPTH_LIMIT": 0,
                    "ECWATCH_MAX_PAGES_PER_SITE": 1_000_000, "ECWATCH_RENDER": "never", "ECWATCH_EVIDENCE": False,
                    "ECWATCH_RESOLVE_BADGES": False, "ECWATCH_PROGRESS_INTERVAL": 0, "LOG_LEVEL": "WARNING"}
        command = [sys.executable, "-m", "cli.main", "crawl", "storefront", "--url", url]
        for name, value in settings.items():
            command += ["-s", f"{name}={value}"]
        env = {**os.environ, "ECWATCH_DATA_DIR": tmp}
        env.pop("ECWATCH_DATABASE_URL", None)
        started = os.times()
        completed, memory = watch(command, env)
        cpu = _child_cpu(started)
        if completed.returncode != 0:
            raise SystemExit(f"the ecwatch crawl failed:\n{completed.stdout[-2000:]}\n{completed.stderr[-2000:]}")
        stats, body_bytes = _run_facts(Path(tmp))
        stored = sum(f.stat().st_size for f in Path(tmp).rglob("*") if f.is_file() and "logs" not in f.parts)
        database = sum(f.stat().st_size for f in Path(tmp).glob("ecwatch.db*"))
    pages = int(stats.get("ecwatch/snapshots", 0))
    seconds = float(stats["elapsed_time_seconds"])
    return CrawlFigures("ecwatch", pages, round(seconds, 2), round(pages / seconds, 1),
                        round(min(pages, expected) / expected, 4), cpu_seconds=round(cpu, 1),
                        peak_pss_mib=round(memory.peak(1), 1), peak_rss_main_mib=round(_main_rss(memory), 1),
                        bytes_per_page=round(stored / max(pages, 1)),
                        uncompressed_bytes_per_page=round((body_bytes + database) / max(pages, 1)))


def _main_rss(memory: Any) -> float:
    return memory.peak(2)  # the tree's summed RSS: no shared browser pages here, so close to the truth


def _child_cpu(before: os.times_result) -> float:
    after = os.times()
    return (after.children_user - before.children_user) + (after.children_system - before.children_system)


def _run_facts(data_dir: Path) -> tuple[dict[str, Any], int]:
    from sqlalchemy import func, select

    from storage.db import make_engine, session_scope
    from storage.models import CrawlRun, PageSnapshot

    engine = make_engine(f"sqlite:///{data_dir / 'ecwatch.db'}")
    try:
        with session_scope(engine) as session:
            run = session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc())).first()
            body_bytes = session.scalar(select(func.sum(PageSnapshot.body_size))) or 0
            return (dict(run.stats) if run else {}), int(body_bytes)
    finally:
        engine.dispose()


# --- the comparison ---------------------------------------------------------------------------------


def compare(spec: ShopSpec, rounds: int = 2) -> dict[str, Any]:
    """Plain Scrapy and ecwatch on the same shop, alternating (A B A B), with the ratio of each pair."""
    shop = Shop(spec)
    expected = len(shop.paths())
    runs: list[CrawlFigures] = []
    with serve(shop) as (port, server):
        url = f"http://{spec.host}:{port}/"
        for _ in range(rounds):
            runs.append(plain(f"http://127.0.0.1:{port}/", expected))
            runs.append(ecwatch(url, spec.host, port, expected))
    plains = [r for r in runs if r.name == "plain"]
    ours = [r for r in runs if r.name == "ecwatch"]
    ratios = [o.pages_per_s / p.pages_per_s for p, o in zip(plains, ours)]
    return {
        "site_pages": expected, "server": server, "concurrency": CONCURRENCY,
        "runs": [asdict(r) for r in runs],
        "pages_per_s": {"plain": [r.pages_per_s for r in plains], "ecwatch": [r.pages_per_s for r in ours]},
        "ratio": {"median": round(statistics.median(ratios), 3), "min": round(min(ratios), 3),
                  "max": round(max(ratios), 3)},
        "coverage": {"plain": [r.coverage for r in plains], "ecwatch": [r.coverage for r in ours]},
        "cpu_ms_per_page": {"plain": [round(r.cpu_seconds / r.pages * 1000, 1) for r in plains if r.cpu_seconds],
                            "ecwatch": [round(r.cpu_seconds / r.pages * 1000, 1) for r in ours if r.cpu_seconds]},
        "bytes_per_page": {"stored": [r.bytes_per_page for r in ours],
                           "uncompressed": [r.uncompressed_bytes_per_page for r in ours]},
    }


def memory_by_size(sizes: list[int]) -> list[dict[str, Any]]:
    """Peak memory of the ecwatch crawl as the shop grows: flat is the goal."""
    rows = []
    for products in sizes:
        spec = ShopSpec(products=products, categories=max(products // 40, 1), paragraphs=70)
        shop = Shop(spec)
        with serve(shop) as (port, _server):
            figures = ecwatch(f"http://{spec.host}:{port}/", spec.host, port, len(shop.paths()))
        rows.append({"pages": figures.pages, "peak_pss_mib": figures.peak_pss_mib,
                     "peak_rss_tree_mib": figures.peak_rss_main_mib, "pages_per_s": figures.pages_per_s})
    return rows
