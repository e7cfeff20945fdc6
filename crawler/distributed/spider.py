"""The storefront spider of a worker: its requests come from the shared queue, not from seeds of its own.

Which links it follows is still the frontier's call, with two differences: a page another worker admitted is
adopted at the depth its request carries, and the pages-per-site limit is left to the run's dupefilter, which
counts in Redis for every worker. A page is scheduled once, at the depth it was first admitted at (within a
process the frontier still improves depths; across workers the priority queue serves nearer pages first).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, AsyncIterator, Iterator

import scrapy
from scrapy.http import Response

from ..frontier import Frontier
from ..links import LinkKind
from ..rendermode import RenderMode
from ..runtime import CrawlRuntime
from ..seeds import SeedArguments
from ..spiders.storefront import StorefrontSpider
from .leases import LEASE_META

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from .sharedrun import SharedRun

UNLIMITED = 2**31


class SharedSites:
    """The run's sites (``ecwatch enqueue`` adds its seeds'), looked up in Redis; a site once found is cached."""

    def __init__(self, run: SharedRun | None) -> None:
        self.run = run
        self._known: set[str] = set()

    def __contains__(self, site: object) -> bool:
        if site in self._known:
            return True
        if self.run is not None and isinstance(site, str) and self.run.has_site(site):
            self._known.add(site)
            return True
        return False


class SharedStorefrontSpider(StorefrontSpider):
    name = "storefront"

    def __init__(self, run: SharedRun | None = None, render: dict[str, str] | None = None, **kwargs: Any) -> None:
        scrapy.Spider.__init__(self, **kwargs)  # no seeds of its own: they are in the queue
        self.arguments = SeedArguments(urls=())
        self.resume_run = None  # a shared run needs no resume: leases return what a dead worker held
        self._stored_pages = {}
        self.render_sites = {host: RenderMode(mode) for host, mode in (render or {}).items()}
        self.frontier = Frontier((), max_pages_per_site=UNLIMITED, depth_limit=4)
        self.frontier.allowed_sites = SharedSites(run)  # type: ignore[assignment]

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SharedStorefrontSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.frontier.max_pages_per_site = UNLIMITED  # counted by the run's dupefilter, over all workers
        spider.frontier.depth_limit = CrawlRuntime.of(crawler).config.depth_limit
        return spider  # type: ignore[return-value]

    async def start(self) -> AsyncIterator[scrapy.Request]:
        return
        yield  # an async generator that yields nothing

    async def on_error(self, failure: Any) -> None:
        await super().on_error(failure)
        request = getattr(failure, "request", None)
        lease = request.meta.get(LEASE_META) if request is not None else None
        if lease is not None:  # its failure is counted: the request is done with
            self.crawler.engine.scheduler.queue.leases.release(lease)  # type: ignore[union-attr]

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        meta = response.meta
        url = meta.get("ecwatch_url", response.url)
        self.frontier.adopt(url, int(meta.get("depth", 0)), LinkKind(meta.get("link_kind", LinkKind.CATEGORY.value)))
        yield from super().parse(response, **kwargs)
