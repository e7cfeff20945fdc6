"""Crawl-run bookkeeping and progress lines."""

from __future__ import annotations

import logging
import sys
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any, TextIO

from scrapy import signals
from scrapy.exceptions import NotConfigured, StopDownload
from twisted.internet import task

from storage.db import backoff, retrying, session_scope
from storage.findings import reconcile_sites
from storage.repository import finish_run, start_run
from storage.runs import HEARTBEAT, beat

from .failures import run_outcome
from .runtime import CrawlRuntime

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

END_PATIENCE = 300.0  # seconds: how long the end of a run is tried again against a refusing database


class RunRecorder:
    """Records the crawl run: arguments, start and end, status, statistics, and what its findings did.

    At the end, the findings of every site the run stored pages of are set open or gone by what the
    sites' current pages show (``storage.findings.reconcile_sites``), and the run keeps, per rule, how
    many were new, still open, reopened and gone.
    """

    def __init__(self, runtime: CrawlRuntime, crawler: Crawler) -> None:
        self.runtime = runtime
        self.crawler = crawler
        self.log_path: str | None = crawler.settings.get("LOG_FILE")
        self._heartbeat: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunRecorder:
        extension = cls(CrawlRuntime.of(crawler), crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        with session_scope(self.runtime.engine) as session:
            if self.runtime.run_id is None:  # not created by whoever started the crawl
                arguments = getattr(getattr(spider, "arguments", None), "as_dict", lambda: {})()
                run = start_run(session, spider.name, arguments, trigger=self.runtime.trigger,
                                log_path=self.log_path)
                self.runtime.run_id = run.id
            beat(session, self.runtime.run_id)
        self._heartbeat = task.LoopingCall(self._beat)
        self._heartbeat.start(HEARTBEAT, now=False)

    def _beat(self) -> None:
        try:
            with session_scope(self.runtime.engine) as session:
                beat(session, self.runtime.run_id)  # type: ignore[arg-type]
        except Exception as exc:  # noqa: BLE001 - a missed beat is not worth stopping the crawl for
            logger.warning("Could not record the run's heartbeat: %s", exc)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        runtime = self.runtime
        if self._heartbeat is not None and self._heartbeat.running:
            self._heartbeat.stop()
        try:
            if runtime.run_id is None:
                return
            stats = _jsonable(self.crawler.stats.get_stats())
            stats["errors"] = int(stats.get("ecwatch/errors", 0)) + int(stats.get("log_count/ERROR", 0))
            # Failed when no page could be fetched (with each seed's reason) or a write failed; finished, with
            # the reasons by count, when only some requests failed.
            status, error = ("failed", runtime.failure) if runtime.failure else run_outcome(stats, reason)

            def record() -> None:
                tally = runtime.tally.copy()  # a failed attempt must not count what it found gone twice
                with session_scope(runtime.engine) as session:
                    reconcile_sites(session, runtime.site_ids, run_id=runtime.run_id, tally=tally)
                    run = finish_run(session, runtime.run_id, status=status, stats=stats, error=error)  # type: ignore[arg-type]
                    run.finding_summary = tally.summary()

            # The run's end is worth waiting for longer than a batch of pages: without it the run would
            # only be found "interrupted" later.
            retrying(record, backoff(max(runtime.config.write_patience, END_PATIENCE)), "Recording the run's end")
        finally:
            runtime.close()


def _jsonable(stats: dict[str, Any]) -> dict[str, Any]:
    return {key: value.isoformat() if isinstance(value, datetime) else value
            for key, value in stats.items() if isinstance(value, (int, float, str, bool, datetime))}


class ProgressReporter:
    """Prints pages done, pages/s and queue size every few seconds (``ECWATCH_PROGRESS_INTERVAL``)."""

    def __init__(self, crawler: Crawler, interval: float, stream: TextIO = sys.stderr) -> None:
        self.crawler = crawler
        self.interval = interval
        self.stream = stream
        self._task: task.LoopingCall | None = None
        self._started = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProgressReporter:
        interval = CrawlRuntime.of(crawler).config.progress_interval
        if interval <= 0:
            raise NotConfigured("ECWATCH_PROGRESS_INTERVAL is 0")
        extension = cls(crawler, interval)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        self._started = time.monotonic()
        self._task = task.LoopingCall(self.report)
        self._task.start(self.interval, now=False)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self._task is not None and self._task.running:
            self._task.stop()

    def report(self) -> None:
        pages = int(self.crawler.stats.get_value("ecwatch/snapshots", 0))
        elapsed = max(time.monotonic() - self._started, 1e-9)
        print(f"progress: {pages} pages, {pages / elapsed:.1f} pages/s, {self._queue_size()} queued",
              file=self.stream, flush=True)

    def _queue_size(self) -> int:
        scheduler = self.crawler.engine.scheduler if self.crawler.engine is not None else None
        try:
            return len(scheduler) if scheduler is not None else 0  # type: ignore[arg-type]
        except TypeError:  # a scheduler that cannot count
            return 0


class ResponseLimit:
    """Stops reading a response at ``ECWATCH_MAX_PAGE_BYTES``: the page is kept as far as it came,
    marked truncated (Scrapy's ``DOWNLOAD_MAXSIZE``, set higher, would drop it whole)."""

    def __init__(self, limit: int, stats: Any) -> None:
        self.limit = limit
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ResponseLimit:
        extension = cls(CrawlRuntime.of(crawler).config.max_page_bytes, crawler.stats)
        crawler.signals.connect(extension.bytes_received, signal=signals.bytes_received)
        return extension

    def bytes_received(self, data: bytes, request: Any, spider: Spider) -> None:
        received = request.meta.get(TRUNCATED_META, 0) + len(data)
        request.meta[TRUNCATED_META] = received
        if received > self.limit:
            self.stats.inc_value("ecwatch/truncated")
            raise StopDownload(fail=False)


TRUNCATED_META = "ecwatch_bytes_received"
