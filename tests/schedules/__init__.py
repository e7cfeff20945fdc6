"""Helpers for the scheduler tests: a shop that answers only when told, waiting on the database,
running ``ecwatch`` in a child process."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Callable, Self, TypeVar

from sqlalchemy import Engine, select

from storage.db import session_scope
from storage.models import CrawlRun

REPO = Path(__file__).resolve().parents[2]
T = TypeVar("T")


def wait_for(probe: Callable[[], T | None], what: str, timeout: float = 180.0, every: float = 0.25) -> T:
    """Poll until ``probe`` returns something truthy. The deadline is generous: this is waiting
    for an event, not timing it."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(every)


def crawl_runs(engine: Engine, trigger: str | None = None) -> list[CrawlRun]:
    with session_scope(engine) as session:
        query = select(CrawlRun).order_by(CrawlRun.id)
        if trigger is not None:
            query = query.where(CrawlRun.trigger == trigger)
        return list(session.scalars(query).all())


def ended_run(engine: Engine, trigger: str) -> CrawlRun | None:
    """The last run of ``trigger`` once the scheduler has recorded its end: the crawl process
    records its own end first, the scheduler adds the exit status after."""
    runs = [run for run in crawl_runs(engine, trigger)
            if run.status == "skipped" or (run.status != "running" and run.exit_status is not None)]
    return runs[-1] if runs else None


def running_run(engine: Engine, trigger: str) -> CrawlRun | None:
    runs = [run for run in crawl_runs(engine, trigger) if run.status == "running" and run.log_path]
    return runs[-1] if runs else None


def ecwatch_env(**extra: str) -> dict[str, str]:
    """The test's environment (data dir, database URL) for an ``ecwatch`` child process."""
    return {**os.environ, "PYTHONUNBUFFERED": "1", **extra}


def start_ecwatch(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    handle = log.open("ab")
    try:
        return subprocess.Popen([sys.executable, "-m", "cli.main", *args], env=ecwatch_env(), cwd=REPO,
                                stdin=subprocess.DEVNULL, stdout=handle, stderr=subprocess.STDOUT)
    finally:
        handle.close()


def run_ecwatch(args: list[str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cli.main", *args], env=ecwatch_env(), cwd=REPO, text=True,
                          capture_output=True, timeout=timeout)


def stop_process(process: subprocess.Popen[bytes], timeout: float = 120) -> int:
    if process.poll() is None:
        process.terminate()
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise AssertionError(f"process {process.args!r} did not stop within {timeout:g} s of SIGTERM") from None


class SlowShop:
    """A one-page shop whose answers wait until ``release()``: a crawl of it lasts as long as a test needs."""

    host = "slow-shop.vn"

    def __init__(self) -> None:
        self.released = threading.Event()
        self.requests = 0
        shop = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server interface
                shop.requests += 1
                shop.released.wait(timeout=300)
                body = "<html lang='vi'><body><h1>Cửa hàng chậm</h1></body></html>".encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()

    def release(self) -> None:
        self.released.set()

    def seeds_file(self, path: Path) -> Path:
        path.write_text(f"http://{self.host}:{self.server.server_address[1]}/\n", encoding="utf-8")
        return path

    def settings(self, download_timeout: float = 240) -> dict[str, str]:
        return {"ECWATCH_ALLOW_PRIVATE_TARGETS": f"127.0.0.1:{self.server.server_address[1]}",
                "ECWATCH_HOST_MAP": f"{self.host}=127.0.0.1",
                "ROBOTSTXT_OBEY": "0", "DOWNLOAD_TIMEOUT": f"{download_timeout:g}", "RETRY_ENABLED": "0",
                "AUTOTHROTTLE_START_DELAY": "0", "ECWATCH_PROGRESS_INTERVAL": "0"}
