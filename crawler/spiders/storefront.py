"""The generic storefront spider: seeds in, product/category/pagination pages out."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any, AsyncIterator, Iterator

import scrapy
from scrapy.http import Response

from detectors import registrable_domain

from ..adapters import page_links, snapshot_item
from ..browserpage import close_page
from ..links import FOLLOWED_KINDS, LinkKind, classify, normalize
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
    given, and yields every page for the judge.
    """

    name = "storefront"

    def __init__(self, urls: str = "", seeds: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.arguments = SeedArguments.parse(urls=urls, seeds=seeds)
        self.render_sites = self.arguments.render_sites  # read by crawler.middlewares
        self.allowed_sites = {registrable_domain(url) for url in self.arguments.urls}
        self._seen: set[str] = set()
        self._pages_per_site: Counter[str] = Counter()
        self.max_pages_per_site = 200

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> StorefrontSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.max_pages_per_site = CrawlRuntime.of(crawler).config.max_pages_per_site
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.arguments.urls:
            request = self._request(url, LinkKind.CATEGORY, depth_reset=True)
            if request is not None:
                yield request

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        yield snapshot_item(response)
        yield from self._follow_links(page_links(response))

    async def on_error(self, failure: Any) -> None:
        request = getattr(failure, "request", None)
        if request is not None:
            await close_page(request.meta.get("playwright_page"))  # a browser page is never left open
        self.crawler.stats.inc_value("ecwatch/errors")
        self.crawler.stats.inc_value(f"ecwatch/errors/{failure.type.__name__}")
        self.logger.warning("Failed %s: %s", request.url if request is not None else "?",
                            failure.getErrorMessage().splitlines()[0] if failure.getErrorMessage() else "")

    def _follow_links(self, urls: list[str]) -> Iterator[scrapy.Request]:
        for url in urls:
            kind = classify(url)
            if kind not in FOLLOWED_KINDS:
                continue
            request = self._request(url, kind)
            if request is not None:
                yield request

    def _request(self, url: str, kind: LinkKind, depth_reset: bool = False) -> scrapy.Request | None:
        canonical = normalize(url)
        site = registrable_domain(canonical)
        # Filtering here, before a Request exists, is what keeps a crawl CPU-cheap.
        if canonical in self._seen or site not in self.allowed_sites:
            return None
        if self._pages_per_site[site] >= self.max_pages_per_site:
            self.crawler.stats.inc_value("ecwatch/page_limit_reached")
            return None
        self._seen.add(canonical)
        self._pages_per_site[site] += 1
        meta: dict[str, Any] = {"link_kind": kind.value}
        if depth_reset:
            meta["depth"] = 0
        # Products are the evidence; fetch them before wandering further through listings.
        priority = 10 if kind in (LinkKind.PRODUCT, LinkKind.PROMOTION) else 0
        return scrapy.Request(canonical, callback=self.parse, errback=self.on_error, meta=meta, priority=priority)
