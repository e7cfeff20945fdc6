"""Every fetched page is judged, its evidence taken, and stored with what it showed.

``JudgePipeline`` has the crawl's one judge (``storage.judge.Judge``) judge the page in a worker
process (``crawler.judging``), resolves the portal records its badges link to (once each per crawl)
and judges it again with them, asks for a browser render when the judgement says a browser may show
more, and takes the browser evidence of a page whose findings need it (``crawler.evidence``).
``StoragePipeline`` hands the page to the writer (``crawler.storewriter``): the snapshot, its files and
what the judgement showed are stored together, in batches.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy.exceptions import DropItem

from detectors import parse_portal_record
from detectors.judge import Judgement
from detectors.types import RegistryRecord
from storage.db import session_scope
from storage.judge import PageToJudge
from storage.repository import save_registry_records

from .evidence import EvidenceCollector
from .items import PageSnapshotItem
from .middlewares import rerender_request
from .rendermode import RenderMode
from .runtime import CrawlRuntime
from .storewriter import StoreWriter

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

PORTAL_LINKS_PER_PAGE = 5
PORTAL_CONCURRENCY = 2


class JudgePipeline:
    def __init__(self, runtime: CrawlRuntime, crawler: Crawler) -> None:
        self.runtime = runtime
        self.crawler = crawler
        self.stats = crawler.stats
        self.evidence = EvidenceCollector(runtime, crawler)
        # One lookup per record path; pages arriving while it is under way wait for it.
        self._lookups: dict[str, asyncio.Future[None]] = {}
        self._portal_slots = asyncio.Semaphore(PORTAL_CONCURRENCY)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> JudgePipeline:
        return cls(CrawlRuntime.of(crawler), crawler)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, PageSnapshotItem):
            return item
        judgement, known = await self._judge(item)
        if judgement.judged and self.runtime.config.resolve_badges and await self._resolve_records(judgement, known):
            judgement, _ = await self._judge(item)  # with the records its badges link to
        if self._render_instead(item, judgement):
            raise DropItem(f"{item.final_url} is rendered in the browser instead", log_level="DEBUG")
        item.judgement = judgement
        self._count(judgement)
        await self.evidence.collect(item)
        return item

    async def _judge(self, item: PageSnapshotItem) -> tuple[Judgement, int]:
        page = PageToJudge(url=item.final_url, body=item.body, fetched_at=item.fetched_at,
                           content_type=item.content_type, ad_id=item.ad_id)
        return await self.runtime.judging.judge_page(page)

    def _count(self, judgement: Judgement) -> None:
        self.stats.inc_value(f"ecwatch/judged/{judgement.status}")
        for finding in judgement.findings:
            self.stats.inc_value(f"ecwatch/findings/{finding.rule}")

    def _render_instead(self, item: PageSnapshotItem, judgement: Judgement) -> bool:
        """On an ``auto`` site, a page fetched over plain HTTP that a browser may show more of goes
        out again to the browser; its rendered response takes its place."""
        if not judgement.needs_rendering or item.rendered or item.request is None:
            return False
        if item.request.meta.get("ecwatch_render") is not None:
            return False  # rendered already, tried and failed, or explicitly static
        if self.runtime.render_policy(self.crawler).mode_for(item.final_url) is not RenderMode.AUTO:
            return False
        if not self.runtime.browser_found:
            self.stats.inc_value("ecwatch/render/unavailable")
            return False
        request = rerender_request(item)
        if request is None:
            return False
        self.stats.inc_value("ecwatch/render/on_demand")
        logger.debug("Rendering %s: its judgement says the browser may show more", item.final_url)
        assert self.crawler.engine is not None
        self.crawler.engine.crawl(request)
        return True

    async def _resolve_records(self, judgement: Judgement, known: int) -> bool:
        """Fetch the portal records the page links to that its judge did not have (``known``: the records
        fetched in this crawl it had); True if any of them is known now, so the page is judged again.

        A page's first ``PORTAL_LINKS_PER_PAGE`` record links only, ``ECWATCH_PORTAL_MAX_LOOKUPS`` per crawl,
        ``PORTAL_CONCURRENCY`` at a time: a page listing hundreds of record links does not turn the crawl
        against the portal.
        """
        judging = self.runtime.judging
        unknown = [link for link in judgement.record_links if not judging.knew(link.record_id, known)]
        # Already fetched meanwhile (by another page): nothing to fetch, but the page is judged again.
        missing = [link for link in unknown if not judging.judge.registry.by_record_id(link.record_id)]
        paths = list(dict.fromkeys(link.path for link in missing))[:PORTAL_LINKS_PER_PAGE]
        wanted = [link for link in missing if link.path in paths]
        for path in paths:
            if path in self._lookups:
                continue
            if len(self._lookups) >= self.runtime.config.portal_max_lookups:
                self.stats.inc_value("ecwatch/portal/skipped_cap")
                wanted = [link for link in wanted if link.path in self._lookups]
                continue
            self._lookups[path] = asyncio.ensure_future(self._look_up(path))
        if wanted:
            await asyncio.gather(*(self._lookups[link.path] for link in wanted))
        return any(judging.judge.registry.by_record_id(link.record_id) for link in unknown)

    async def _look_up(self, path: str) -> None:
        async with self._portal_slots:
            record = await self._fetch_record(path)
        if record is not None:
            self.runtime.judging.add_records([record])
            with session_scope(self.runtime.engine) as session:
                save_registry_records(session, [record])

    async def _fetch_record(self, path: str) -> RegistryRecord | None:
        url = f"{self.runtime.config.portal_url}{path}"
        request = scrapy.Request(url, meta={"ecwatch_portal": True, "handle_httpstatus_all": True},
                                 dont_filter=True)
        self.stats.inc_value("ecwatch/portal/requests")
        try:
            assert self.crawler.engine is not None
            response = await self.crawler.engine.download_async(request)
        except Exception as exc:  # noqa: BLE001 - a refused request or a portal outage must not stop the crawl
            self.stats.inc_value("ecwatch/portal/errors")
            logger.warning("Could not fetch portal record %s: %s", url, exc)
            return None
        if response.status != 200:
            self.stats.inc_value(f"ecwatch/portal/status/{response.status}")
            return None
        return parse_portal_record(response.text, response.url)


class StoragePipeline:
    """Hands every page to the crawl's writer; a write that finally fails stops the crawl, loudly."""

    def __init__(self, runtime: CrawlRuntime, crawler: Crawler) -> None:
        self.runtime = runtime
        self.crawler = crawler
        self.writer = StoreWriter(runtime, batch=runtime.config.write_batch, on_failure=self._failed,
                                  patience=runtime.config.write_patience)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StoragePipeline:
        return cls(CrawlRuntime.of(crawler), crawler)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, PageSnapshotItem):
            return item
        await self.writer.put(item)
        self.crawler.stats.inc_value("ecwatch/snapshots")
        return item

    def close_spider(self) -> None:
        self.writer.close()
        stats = self.crawler.stats
        stats.set_value("ecwatch/write/batches", self.writer.written.batches)
        stats.set_value("ecwatch/write/retries", self.writer.written.retries)
        stats.set_value("ecwatch/write/pages", self.writer.written.pages)
        stats.set_value("ecwatch/write/refetched", self.writer.written.refetched)

    def _failed(self, why: str) -> None:
        """From the writer's thread: record why and stop the crawl on its own thread."""
        self.runtime.failure = why
        from twisted.internet import reactor

        reactor.callFromThread(self._stop)  # type: ignore[attr-defined]

    def _stop(self) -> None:
        if self.crawler.engine is not None:
            asyncio.ensure_future(self.crawler.engine.close_spider_async(reason="storage_failed"))
