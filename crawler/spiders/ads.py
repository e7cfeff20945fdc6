"""The ads spider: follows each ad or affiliate link to its landing page and keeps the whole way.

Arguments (``-a`` / ``ecwatch crawl ads``): ``links`` and/or ``seeds``, CSV files with
``ad_id, source, url, first_seen`` (``crawler.adlinks``).

Each click URL is opened in the browser (an ``ecwatch_render="visit"``), which follows HTTP
redirects, meta refreshes and JavaScript ``location`` changes until the page stays put for
``ECWATCH_REDIRECT_WAIT`` seconds. Every hop is kept in order (``redirect_chain``) and in the WARC;
the landing page is captured (screenshot, DOM, WARC) in that same visit and goes to the
detectors with the ad's id, so its findings carry it. Off-site hops are the point here, so
nothing is filtered as off-site; the outbound policy still applies to every hop (the browser's proxy).

Without a browser (or for a ``never`` site) the link is fetched over plain HTTP: Scrapy follows
3xx and meta refreshes, but a JavaScript hop ends the chain (``ecwatch/ads/static_only``).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, AsyncIterator

import scrapy
from scrapy.http import Response

from storage.db import session_scope
from storage.repository import run_snapshots

from ..adapters import snapshot_item
from ..adlinks import AdArguments, AdLink
from ..browserpage import close_page
from ..evidence import CaptureOptions, Evidence, capture_page
from ..failures import SEED_META, reason_label, record_failure
from ..items import PageSnapshotItem
from ..rendermode import RenderMode
from ..runtime import CrawlRuntime

if TYPE_CHECKING:
    from ..recorder import DocumentRecorder


ERROR_STATUSES = list(range(400, 600))


class AdsSpider(scrapy.Spider):
    name = "ads"

    def __init__(self, links: str = "", seeds: str = "", urls: str = "", resume_run: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.arguments = AdArguments.parse(links=links, seeds=seeds, urls=urls)
        self.resume_run = int(resume_run) if resume_run else None

    async def start(self) -> AsyncIterator[scrapy.Request]:
        done = self._stored_ads() if self.resume_run is not None else set()
        for link in self.arguments.links:
            if link.ad_id in done:
                continue  # a resumed run: this ad's landing page is stored already
            self.crawler.stats.inc_value("ecwatch/ads/links")
            yield scrapy.Request(
                link.url, callback=self.parse_landing, errback=self.on_error, dont_filter=True,
                meta={"ecwatch_ad": link.ad_id, SEED_META: link.url, "ecwatch_render": self._visit_kind(link),
                      # An expired campaign's 404 is still evidence. Not handle_httpstatus_all:
                      # that would stop Scrapy following the redirects of a plain-HTTP visit.
                      "handle_httpstatus_list": ERROR_STATUSES},
            )

    async def parse_landing(self, response: Response) -> AsyncIterator[PageSnapshotItem]:
        ad_id = response.meta["ecwatch_ad"]
        page = response.meta.get("playwright_page")
        if page is None:
            self.crawler.stats.inc_value("ecwatch/ads/static_only")
            yield snapshot_item(response, ad_id=ad_id)
            return
        recorder: DocumentRecorder = response.meta["ecwatch_recorder"]
        options = CaptureOptions.from_config(self._runtime().config.browser)
        evidence: Evidence | None = None
        try:
            evidence = await asyncio.wait_for(capture_page(page, recorder, options), options.timeout)
        except Exception as exc:  # noqa: BLE001 - keep the landing page and its chain without the files
            self.crawler.stats.inc_value("ecwatch/evidence/failed")
            self.crawler.stats.inc_value(f"ecwatch/evidence/failed/{type(exc).__name__}")
            self.logger.warning("No evidence files for ad %s (%s): %s", ad_id, response.url, exc)
        finally:
            await close_page(page)
        if evidence is None:
            await recorder.drain()
            yield self._landing(response, ad_id, chain=recorder.hops(response.url))
            return
        self.crawler.stats.inc_value("ecwatch/evidence/captured")
        yield self._landing(response, ad_id, evidence=evidence)

    async def on_error(self, failure: Any) -> None:
        request = failure.request
        await close_page(request.meta.get("playwright_page"))
        reason = record_failure(self.crawler, failure)
        message = failure.getErrorMessage()
        self.logger.warning("Ad %s (%s) failed (%s): %s", request.meta.get("ecwatch_ad"), request.url,
                            reason_label(reason), message.splitlines()[0] if message else failure.type.__name__)

    def _landing(self, response: Response, ad_id: str, evidence: Evidence | None = None,
                 chain: list[dict[str, Any]] | None = None) -> PageSnapshotItem:
        item = snapshot_item(response, ad_id=ad_id)
        item.requested_url = response.request.url if response.request else item.requested_url
        item.redirect_chain = evidence.redirect_chain if evidence is not None else (chain or [])
        if evidence is not None:
            # The response Scrapy got is the first document after the HTTP redirects; the
            # landing page's own status and headers are the recorder's last document.
            item.status = evidence.status or item.status
            item.headers = _headers(evidence.headers) or item.headers
            evidence.apply_to(item)
        stats = self.crawler.stats
        stats.inc_value("ecwatch/ads/landed")
        stats.inc_value("ecwatch/ads/hops", len(item.redirect_chain))
        if evidence is not None and response.meta["playwright_page_methods"][0].result is False:
            stats.inc_value("ecwatch/ads/still_moving")
            self.logger.warning("Ad %s kept navigating; stored where it was at the deadline: %s", ad_id, item.final_url)
        return item

    def _visit_kind(self, link: AdLink) -> str | bool:
        runtime = self._runtime()
        if runtime.browser_found and runtime.render_policy(self.crawler).mode_for(link.url) is not RenderMode.NEVER:
            return "visit"
        return False  # plain HTTP, and no render on demand either: the chain is what matters

    def _stored_ads(self) -> set[str]:
        with session_scope(self._runtime().engine) as session:
            return {s.ad_id for s in run_snapshots(session, self.resume_run) if s.ad_id}  # type: ignore[arg-type]

    def _runtime(self) -> CrawlRuntime:
        return CrawlRuntime.of(self.crawler)


def _headers(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    headers: dict[str, list[str]] = {}
    for name, value in pairs:
        headers.setdefault(name, []).append(value)
    return headers
