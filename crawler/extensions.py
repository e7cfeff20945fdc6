"""Crawl-run bookkeeping and progress lines."""

from __future__ import annotations

import logging
import sys
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any, TextIO

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from storage.db import make_engine, session_scope
from storage.repository import finish_run, start_run

from .config import EcwatchConfig

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class RunRecorder:
    """Records the crawl run: arguments, start and end, status and statistics."""

    def __init__(self, config: EcwatchConfig, crawler: Crawler) -> None:
        self.config = config
        self.crawler = crawler
        self.run_id: int | None = config.run_id
        self.log_path: str | None = crawler.settings.get("LOG_FILE")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunRecorder:
        extension = cls(EcwatchConfig.from_settings(crawler.settings), crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        engine = make_engine(self.config.storage.database_url)
        try:
            with session_scope(engine) as session:
                if self.run_id is None:
                    arguments = getattr(getattr(spider, "arguments", None), "as_dict", lambda: {})()
                    run = start_run(session, spider.name, arguments, trigger=self.config.run_trigger,
                                    log_path=self.log_path)
                    self.run_id = run.id
        finally:
            engine.dispose()
        self.crawler.stats.set_value("ecwatch/run_id", self.run_id)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.run_id is None:
            return
        stats = _jsonable(self.crawler.stats.get_stats())
        stats["errors"] = int(stats.get("ecwatch/errors", 0)) + int(stats.get("log_count/ERROR", 0))
        status = "finished" if reason == "finished" else "failed"
        engine = make_engine(self.config.storage.database_url)
        try:
            with session_scope(engine) as session:
                finish_run(session, self.run_id, status=status, stats=stats,
                           error=None if status == "finished" else f"crawl ended: {reason}")
        finally:
            engine.dispose()


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
        interval = crawler.settings.getfloat("ECWATCH_PROGRESS_INTERVAL", 5.0)
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
        slot = getattr(self.crawler.engine, "_slot", None)
        scheduler = getattr(slot, "scheduler", None)
        try:
            return len(scheduler) if scheduler is not None else 0
        except TypeError:
            return 0
