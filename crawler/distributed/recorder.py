"""A worker's part in a shared run: its row, its leases, and the run's end.

``SharedRunRecorder`` (an extension, in place of the embedded ``RunRecorder``) joins the run's database row as a
``run_workers`` row, renews the leases this worker holds and reaps expired ones (anyone's), acknowledges a lease
once its page is stored, keeps the worker alive while the run is not done (``spider_idle``), and at the end
merges its statistics and findings tally into the run; the worker that finds the run done records its end.
``LeaseMiddleware`` (a spider middleware) says when the spider's output for a page has been read.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from typing import TYPE_CHECKING, Any, AsyncIterator, Iterable, Iterator

from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from storage.db import backoff, retrying, session_scope
from storage.runs import HEARTBEAT, this_host
from storage.sharedruns import finish_shared_run, join_run, leave_run, worker_beat

from ..extensions import _jsonable
from ..failures import failure_counts
from ..runtime import CrawlRuntime
from .config import SharedConfig
from .keys import RunKeys
from .leases import LEASE_META, PARENT_META, STORED, Leases
from .sharedrun import SharedRun, connect

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

# Seconds between looks at the shared queue while this worker has nothing to do: Scrapy's engine looks again only
# every 5 s of its own, and the other workers' links arrive at any time.
POLL_INTERVAL = 0.5


def leases_of(crawler: Crawler) -> Leases:
    """The leases of the worker's queue (``LeasedPriorityQueue``), once the scheduler is open."""
    assert crawler.engine is not None
    return crawler.engine.scheduler.queue.leases  # type: ignore[union-attr]


def lease_of(request: Any) -> int | None:
    return request.meta.get(LEASE_META) if request is not None else None


class SharedRunRecorder:
    def __init__(self, crawler: Crawler, runtime: CrawlRuntime, config: SharedConfig, run: SharedRun) -> None:
        self.crawler = crawler
        self.runtime = runtime
        self.config = config
        self.run = run
        self.worker = f"{this_host()}:{uuid.uuid4().hex[:8]}"
        self.worker_id: int | None = None
        self._tending: task.LoopingCall | None = None
        self._polling: task.LoopingCall | None = None
        self._beats = 0
        self.leases: Leases | None = None  # the queue's, once the spider is open
        self._dupefilter: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedRunRecorder:
        config = SharedConfig.from_settings(crawler.settings)
        run = SharedRun(connect(config.redis_url), RunKeys(crawler.settings["ECWATCH_RUN_NAME"], config.prefix))
        extension = cls(crawler, CrawlRuntime.of(crawler), config, run)
        extension.runtime.shared = extension
        for handler, signal in ((extension.spider_opened, signals.spider_opened),
                                (extension.spider_idle, signals.spider_idle),
                                (extension.spider_closed, signals.spider_closed),
                                (extension.item_dropped, signals.item_dropped),
                                (extension.item_error, signals.item_error)):
            crawler.signals.connect(handler, signal=signal)
        return extension

    # --- what the writer asks ---------------------------------------------------------------------

    def fetch_key(self, requested_url: str) -> str:
        return hashlib.sha256(f"{self.run.name}\x1f{requested_url}".encode()).hexdigest()

    def stored(self, items: Iterable[Any]) -> None:
        """From the writer's thread: these pages are committed."""
        for item in items:
            lease = lease_of(item.request)
            if lease is not None and self.leases is not None:
                self.leases.settle(lease, STORED)

    # --- signals ----------------------------------------------------------------------------------

    def spider_opened(self, spider: Spider) -> None:
        self.leases = leases_of(self.crawler)
        self._dupefilter = getattr(self.crawler.engine.scheduler, "df", None)  # type: ignore[union-attr]
        with session_scope(self.runtime.engine) as session:
            self.worker_id = join_run(session, self.runtime.run_id, self.worker).id  # type: ignore[arg-type]
        self._tending = task.LoopingCall(self._tend)
        self._tending.start(min(self.config.lease_seconds / 3, HEARTBEAT), now=False)
        self._polling = task.LoopingCall(self._poll)
        self._polling.start(POLL_INTERVAL, now=False)
        logger.info("Worker %s joined shared run %s", self.worker, self.run.name)

    def _tend(self) -> None:
        """Renew this worker's leases, put expired ones (a dead worker's) back, say it is alive."""
        try:
            leases = self.leases
            assert leases is not None
            leases.renew_held()
            self._reap()
            self._beats += 1
            if self._beats * min(self.config.lease_seconds / 3, HEARTBEAT) >= HEARTBEAT:
                self._beats = 0
                with session_scope(self.runtime.engine) as session:
                    worker_beat(session, self.worker_id, self._pages())  # type: ignore[arg-type]
        except Exception as exc:  # noqa: BLE001 - a missed round is not worth stopping the crawl for
            logger.warning("Could not tend the leases or the heartbeat: %s", exc)

    def _reap(self) -> None:
        assert self.leases is not None
        reaped = self.leases.reap()
        if reaped:
            self.crawler.stats.inc_value("ecwatch/shared/reaped", reaped)
            logger.info("Put %d expired leases back into the queue", reaped)

    def _poll(self) -> None:
        slot = getattr(self.crawler.engine, "_slot", None)  # Scrapy has no public "look at the scheduler now"
        if slot is not None and slot.closing is None:
            slot.nextcall.schedule()

    def spider_idle(self, spider: Spider) -> None:
        """Nothing to do here now: stop if the run is done, else wait for requests (others' links, expired leases)."""
        self._reap()
        if not self.run.state().done:
            raise DontCloseSpider

    def item_dropped(self, item: Any, response: Any, exception: Any, spider: Spider) -> None:
        lease = lease_of(getattr(response, "request", None))
        if lease is not None and self.leases is not None:  # on purpose (rendered again: that request is queued)
            self.leases.settle(lease, STORED)

    def item_error(self, item: Any, response: Any, spider: Spider, failure: Any) -> None:
        lease = lease_of(getattr(response, "request", None))
        if lease is not None and self.leases is not None:
            self.leases.release(lease)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        for loop in (self._tending, self._polling):
            if loop is not None and loop.running:
                loop.stop()
        runtime = self.runtime
        try:
            if self.worker_id is None:
                return
            stats = _jsonable(self.crawler.stats.get_stats())
            leases = self.leases
            assert leases is not None
            mine = {"pages": self._pages(), "errors": int(stats.get("ecwatch/errors", 0)),
                    "failures": failure_counts(stats), "refetched": int(stats.get("ecwatch/write/refetched", 0)),
                    "leases_lost": leases.lost, "reaped": int(stats.get("ecwatch/shared/reaped", 0)),
                    "page_limit_reached": self._limit_reached(), "reason": reason}

            def record() -> None:
                with session_scope(runtime.engine) as session:
                    leave_run(session, self.worker_id, pages=mine["pages"], stats=mine)  # type: ignore[arg-type]
                if self.run.state().done and self.run.claim_finish():
                    with session_scope(runtime.engine) as session:
                        finish_shared_run(session, runtime.run_id)  # type: ignore[arg-type]
                    self.run.close()
                    logger.info("Shared run %s is done; its end is recorded", self.run.name)

            retrying(record, backoff(runtime.config.write_patience), "Recording the worker's end")
        finally:
            runtime.close()

    def _pages(self) -> int:
        return int(self.crawler.stats.get_value("ecwatch/snapshots", 0))

    def _limit_reached(self) -> int:
        return int(getattr(self._dupefilter, "limit_reached", 0))


class LeaseMiddleware:
    """Marks the requests a leased page yields, and says when its output has been read to the end; the page's
    lease waits for both that and every request marked to be in the scheduler (``LeasedScheduler``): Scrapy
    schedules a callback's output from a buffer, after the callback has returned."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LeaseMiddleware:
        return cls(crawler)

    def process_spider_output(self, response: Any, result: Iterable[Any]) -> Iterator[Any]:
        lease = lease_of(getattr(response, "request", None))
        try:
            for output in result:
                yield self._mark(output, lease)
        finally:
            self._read(lease)

    async def process_spider_output_async(self, response: Any, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        lease = lease_of(getattr(response, "request", None))
        try:
            async for output in result:
                yield self._mark(output, lease)
        finally:
            self._read(lease)

    def _mark(self, output: Any, lease: int | None) -> Any:
        if lease is not None and isinstance(output, Request):
            output.meta[PARENT_META] = lease
            leases_of(self.crawler).child_yielded(lease)
        return output

    def _read(self, lease: int | None) -> None:
        if lease is not None:
            leases_of(self.crawler).output_read(lease)


class LeasedScheduler(Scheduler):
    """scrapy-redis's scheduler that tells the leases when a request a leased page yielded is scheduled (queued,
    or filtered as seen)."""

    def enqueue_request(self, request: Request) -> bool:
        parent = request.meta.pop(PARENT_META, None)
        try:
            return bool(super().enqueue_request(request))
        finally:
            if parent is not None:
                self.queue.leases.child_scheduled(parent)
