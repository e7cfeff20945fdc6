"""The generic storefront spider: seeds in, product/category/pagination pages out."""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any, AsyncIterator, Iterator

import scrapy
from scrapy.http import Response

from detectors import registrable_domain
from storage.db import session_scope
from storage.judge import content_type_of
from storage.repository import run_snapshots

from ..adapters import page_links, snapshot_item, stored_response
from ..browserpage import close_page
from ..failures import SEED_META, reason_label, record_failure
from ..frontier import Admission, Frontier
from ..links import LinkKind
from ..runtime import CrawlRuntime
from ..seeds import SeedArguments

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class StorefrontSpider(scrapy.Spider):
    """Crawls each seed's registrable domain: products, categories, pagination, promotions.

    Arguments (``-a`` / ``ecwatch crawl``): ``urls`` (newline- or comma-separated),
    ``seeds`` (a file: one URL a line, or CSV with a ``url`` and an optional ``render`` column).
    Pages are rendered in the browser per site (``always`` | ``never`` | ``auto``): see
    ``crawler.middlewares`` and ``crawler.pipelines``; this spider only reads the links of what it is
    given, and yields every page for the judge. Which links it follows, and at which depth, is the
    ``crawler.frontier``'s call (Scrapy's DepthMiddleware is off: it would drop a page first met deep).
    """

    name = "storefront"

    def __init__(self, urls: str = "", seeds: str = "", render: str = "", resume_run: str = "",
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.arguments = SeedArguments.parse(urls=urls, seeds=seeds, render=render)
        self.resume_run = int(resume_run) if resume_run else None
        self._stored_pages: dict[str, tuple[str, str, str | None]] = {}  # a resumed run's: requested URL -> page
        self.render_sites = self.arguments.render_sites  # read by crawler.runtime
        self.frontier = Frontier({registrable_domain(url) for url in self.arguments.urls},
                                 max_pages_per_site=200, depth_limit=4)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> StorefrontSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        config = CrawlRuntime.of(crawler).config
        spider.frontier.max_pages_per_site = config.max_pages_per_site
        spider.frontier.depth_limit = config.depth_limit
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        seeds = [a for a in map(self.frontier.seed, self.arguments.urls) if a is not None]
        if self.resume_run is not None:
            self._stored_pages = self._stored_of_run(self.resume_run)
        pending = self._unstored(seeds)
        if self.resume_run is not None:
            self.crawler.stats.set_value("ecwatch/resume/stored", len(self._stored_pages))
            self.crawler.stats.set_value("ecwatch/resume/pending", len(pending))
            self.logger.info("Resuming run %s: %d pages stored, %d to fetch", self.resume_run,
                             len(self._stored_pages), len(pending))
        for admission in pending:
            yield self._request(admission)

    def _stored_of_run(self, run_id: int) -> dict[str, tuple[str, str, str | None]]:
        with session_scope(CrawlRuntime.of(self.crawler).engine) as session:
            return {s.requested_url: (s.final_url, s.body_path, content_type_of(s.headers))
                    for s in run_snapshots(session, run_id)}

    def _unstored(self, admissions: list[Admission]) -> list[Admission]:
        """Of pages admitted, those to fetch. An interrupted run being resumed stored some already: their
        links are read again from what was stored (nearest first) instead of fetching them twice. This
        holds for pages reached only once the crawl goes on, too: the first attempt may have stored a page
        and not yet the page that links to it, since pages are judged and written out of order."""
        if not self._stored_pages:
            return admissions
        blobs = CrawlRuntime.of(self.crawler).blobs
        pending, queue = [], deque(admissions)
        while queue:
            admission = queue.popleft()
            page = self._stored_pages.get(admission.url)
            if page is None:
                pending.append(admission)
                continue
            url, body_path, content_type = page
            links = page_links(stored_response(url, blobs.read(body_path), content_type))
            queue.extend(self.frontier.read(admission.url, links))
        return pending

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        yield snapshot_item(response)
        admitted = self.frontier.read(response.meta.get("ecwatch_url", response.url), page_links(response))
        for admission in self._unstored(admitted):
            yield self._request(admission)
        self.crawler.stats.set_value("ecwatch/page_limit_reached", self.frontier.limit_reached)

    async def on_error(self, failure: Any) -> None:
        request = getattr(failure, "request", None)
        if request is not None:
            await close_page(request.meta.get("playwright_page"))  # a browser page is never left open
        reason = record_failure(self.crawler, failure)
        self.logger.warning("Failed %s (%s): %s", request.url if request is not None else "?", reason_label(reason),
                            failure.getErrorMessage().splitlines()[0] if failure.getErrorMessage() else "")

    def _request(self, admission: Admission) -> scrapy.Request:
        self.crawler.stats.max_value("ecwatch/depth_max", admission.depth)
        return admission_request(self, admission)


def admission_request(spider: StorefrontSpider, admission: Admission) -> scrapy.Request:
    """The request that fetches an admitted page (``ecwatch enqueue`` builds its seeds' the same way)."""
    # Nearer pages first, so that a page is usually first met at its shallowest depth; and within a
    # depth, products and promotions (the evidence) before listings.
    bonus = 10 if admission.kind in (LinkKind.PRODUCT, LinkKind.PROMOTION) else 0
    meta: dict[str, Any] = {"link_kind": admission.kind.value, "depth": admission.depth,
                            "ecwatch_url": admission.url}
    if admission.depth == 0:
        meta[SEED_META] = admission.url  # why a seed failed is what a run with no page reports
    return scrapy.Request(admission.url, callback=spider.parse, errback=spider.on_error, meta=meta,
                          priority=bonus - 100 * admission.depth)
