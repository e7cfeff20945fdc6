"""Detection, evidence and storage of every fetched page."""

from __future__ import annotations

import asyncio
import logging
import os
from typing import TYPE_CHECKING, Any

import scrapy

from detectors import (
    InMemoryRegistry,
    detect,
    load_rulebook,
    parse_portal_record,
    portal_links,
    registrable_domain,
    rules_version,
)
from detectors.rulebook import Rulebook
from detectors.types import Context, Page, RegistryRecord
from storage.blobs import BlobStore
from storage.db import make_engine, session_scope
from storage.repository import (
    SnapshotInput,
    StoredRegistry,
    adopt_evidence,
    attach_artifact,
    save_findings,
    save_registry_records,
    save_snapshot,
)

from .config import EcwatchConfig
from .evidence import EvidenceCollector
from .items import PageSnapshotItem

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class DetectionPipeline:
    """Runs the detectors on each page, resolving its portal badge links first (once each), then
    takes the browser evidence of a page whose findings need it (``crawler.evidence``)."""

    def __init__(self, config: EcwatchConfig, crawler: Crawler, rulebook: Rulebook) -> None:
        self.config = config
        self.crawler = crawler
        self.rulebook = rulebook
        self.rules_version = rules_version(rulebook)
        self.registry = InMemoryRegistry([])
        # One lookup per record path; pages arriving while it is under way wait for it.
        self._lookups: dict[str, asyncio.Future[None]] = {}
        self._engine = make_engine(config.storage.database_url)
        self.evidence = EvidenceCollector(config, crawler, self._engine)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DetectionPipeline:
        return cls(EcwatchConfig.from_settings(crawler.settings), crawler, load_rulebook(environ=os.environ))

    def open_spider(self) -> None:
        with session_scope(self._engine) as session:
            self.registry = InMemoryRegistry(StoredRegistry(session).all_records())

    def close_spider(self) -> None:
        self._engine.dispose()

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, PageSnapshotItem) or item.page is None:
            return item
        if self.config.resolve_badges:
            await self._resolve_portal_links(item.page)
        context = Context(on=self.config.judged_on(), registry=self.registry, ad_id=item.ad_id)
        item.findings = detect(item.page, context, rulebook=self.rulebook)
        item.rules_version = self.rules_version
        for finding in item.findings:
            self.crawler.stats.inc_value(f"ecwatch/findings/{finding.rule}")
        await self.evidence.collect(item)
        return item

    async def _resolve_portal_links(self, page: Page) -> None:
        for link in portal_links(page):
            if self.registry.by_record_id(link.record_id):
                continue
            lookup = self._lookups.get(link.path)
            if lookup is None:
                lookup = asyncio.ensure_future(self._look_up(link.path))
                self._lookups[link.path] = lookup
            await lookup

    async def _look_up(self, path: str) -> None:
        record = await self._fetch_record(path)
        if record is not None:
            self.registry = self.registry.with_records([record])
            with session_scope(self._engine) as session:
                save_registry_records(session, [record])

    async def _fetch_record(self, path: str) -> RegistryRecord | None:
        url = f"{self.config.portal_url}{path}"
        request = scrapy.Request(url, meta={"ecwatch_portal": True, "handle_httpstatus_all": True},
                                 dont_filter=True)
        self.crawler.stats.inc_value("ecwatch/portal/requests")
        try:
            response = await self.crawler.engine.download_async(request)
        except Exception as exc:  # noqa: BLE001 - a refused request or a portal outage must not stop the crawl
            self.crawler.stats.inc_value("ecwatch/portal/errors")
            logger.warning("Could not fetch portal record %s: %s", url, exc)
            return None
        if response.status != 200:
            self.crawler.stats.inc_value(f"ecwatch/portal/status/{response.status}")
            return None
        return parse_portal_record(response.text, response.url)


class StoragePipeline:
    """Stores the snapshot, its evidence files and its findings in one transaction."""

    def __init__(self, config: EcwatchConfig, crawler: Crawler) -> None:
        self.config = config
        self.crawler = crawler
        self.blobs = BlobStore(config.storage.data_dir)
        self._engine = make_engine(config.storage.database_url)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StoragePipeline:
        return cls(EcwatchConfig.from_settings(crawler.settings), crawler)

    def close_spider(self) -> None:
        self._engine.dispose()

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, PageSnapshotItem):
            return item
        # Files first: a failed transaction leaves at most an unreferenced blob, never a row without its file.
        body = self.blobs.put(item.body)
        artifacts = {kind: self.blobs.put(data) for kind, data in item.artifacts.items()}
        run_id = self.crawler.stats.get_value("ecwatch/run_id")
        with session_scope(self._engine) as session:
            snapshot = save_snapshot(session, SnapshotInput(
                domain=item.page.domain if item.page else registrable_domain(item.final_url),
                requested_url=item.requested_url, final_url=item.final_url, status=item.status,
                headers=item.headers, fetched_at=item.fetched_at, body=body, run_id=run_id,
                rendered=item.rendered, redirect_chain=item.redirect_chain, server_ip=item.server_ip,
                tls=item.tls, ad_id=item.ad_id,
            ))
            if item.findings or artifacts:
                if "html" not in artifacts:  # no browser visit: the body as fetched is the document
                    attach_artifact(session, snapshot, "html", body, item.fetched_at)
                for kind, blob in artifacts.items():
                    attach_artifact(session, snapshot, kind, blob, item.captured_at or item.fetched_at)
            saved = save_findings(session, snapshot, item.findings, item.rules_version)
            if "screenshot" in artifacts:
                adopt_evidence(session, snapshot, saved.ids)
        stats = self.crawler.stats
        stats.inc_value("ecwatch/snapshots")
        stats.inc_value("ecwatch/findings_new", saved.new)
        stats.inc_value("ecwatch/findings_seen_again", saved.updated)
        return item

