"""Every fetched page is judged, its evidence taken, and stored with what it showed.

``JudgePipeline`` resolves the portal records a page's badges link to (once each per crawl),
has the crawl's one judge (``storage.judge.Judge``) judge the page, asks for a browser render when
the judgement says a browser may show more, and takes the browser evidence of a page whose
findings need it (``crawler.evidence``). ``StoragePipeline`` stores the snapshot, its files and
what the judgement showed in one transaction.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy.exceptions import DropItem

from detectors import parse_portal_record, registrable_domain
from detectors.judge import Judgement
from detectors.types import RegistryRecord
from storage.db import session_scope
from storage.judge import PageToJudge
from storage.repository import SnapshotInput, attach_artifact, save_registry_records, save_snapshot

from .evidence import EvidenceCollector
from .items import PageSnapshotItem
from .middlewares import rerender_request
from .rendermode import RenderMode
from .runtime import CrawlRuntime

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class JudgePipeline:
    def __init__(self, runtime: CrawlRuntime, crawler: Crawler) -> None:
        self.runtime = runtime
        self.crawler = crawler
        self.stats = crawler.stats
        self.evidence = EvidenceCollector(runtime, crawler)
        # One lookup per record path; pages arriving while it is under way wait for it.
        self._lookups: dict[str, asyncio.Future[None]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> JudgePipeline:
        return cls(CrawlRuntime.of(crawler), crawler)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, PageSnapshotItem):
            return item
        judgement = self._judge(item)
        if judgement.judged and self.runtime.config.resolve_badges and await self._resolve_records(judgement):
            judgement = self._judge(item)  # with the records its badges link to
        if self._render_instead(item, judgement):
            raise DropItem(f"{item.final_url} is rendered in the browser instead", log_level="DEBUG")
        item.judgement = judgement
        self._count(judgement)
        await self.evidence.collect(item)
        return item

    def _judge(self, item: PageSnapshotItem) -> Judgement:
        page = PageToJudge(url=item.final_url, body=item.body, fetched_at=item.fetched_at,
                           content_type=item.content_type, ad_id=item.ad_id)
        judgement, _page = self.runtime.judge.judge(page)
        return judgement

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

    async def _resolve_records(self, judgement: Judgement) -> bool:
        """Fetch the portal records the page links to that the registry does not hold; True if any arrived."""
        registry = self.runtime.judge.registry
        wanted = [link for link in judgement.record_links if not registry.by_record_id(link.record_id)]
        fresh = [path for path in dict.fromkeys(link.path for link in wanted) if path not in self._lookups]
        for path in fresh:
            self._lookups[path] = asyncio.ensure_future(self._look_up(path))
        if wanted:
            await asyncio.gather(*(self._lookups[link.path] for link in wanted))
        return any(self.runtime.judge.registry.by_record_id(link.record_id) for link in wanted)

    async def _look_up(self, path: str) -> None:
        record = await self._fetch_record(path)
        if record is not None:
            self.runtime.judge.add_records([record])
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
    """Stores the snapshot, its evidence files and what its judgement showed in one transaction."""

    def __init__(self, runtime: CrawlRuntime, crawler: Crawler) -> None:
        self.runtime = runtime
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StoragePipeline:
        return cls(CrawlRuntime.of(crawler), crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, PageSnapshotItem):
            return item
        runtime = self.runtime
        # Files first: a failed transaction leaves at most an unreferenced blob, never a row without its file.
        body = runtime.blobs.put(item.body)
        artifacts = {kind: runtime.blobs.put(data) for kind, data in item.artifacts.items()}
        with session_scope(runtime.engine) as session:
            snapshot = save_snapshot(session, SnapshotInput(
                domain=registrable_domain(item.final_url),
                requested_url=item.requested_url, final_url=item.final_url, status=item.status,
                headers=item.headers, fetched_at=item.fetched_at, body=body, run_id=runtime.run_id,
                rendered=item.rendered, redirect_chain=item.redirect_chain, server_ip=item.server_ip,
                tls=item.tls, ad_id=item.ad_id,
            ))
            if item.findings or artifacts:
                attach_artifact(session, snapshot, "html", body, item.fetched_at)  # what was judged
                for kind, blob in artifacts.items():
                    attach_artifact(session, snapshot, kind, blob, item.captured_at or item.fetched_at)
            if item.judgement is not None:
                runtime.judge.record(session, snapshot, item.judgement, run_id=runtime.run_id, tally=runtime.tally)
            runtime.site_ids.add(snapshot.site_id)
        self.crawler.stats.inc_value("ecwatch/snapshots")
        return item
