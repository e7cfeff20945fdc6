"""Rendering on demand: the detectors signal, the crawler decides.

``RenderOnDemandMiddleware`` (spider middleware) sees every snapshot a callback yields. On an
``auto`` site, a page fetched over plain HTTP that ``detectors.needs_rendering`` flags (commerce
signals but no readable price, or an empty application shell) is not stored: the same request
goes out again marked ``ecwatch_render="discovery"`` and its rendered response goes through the
same callback, so links are taken from the rendered DOM too.

``BrowserRequestMiddleware`` (downloader middleware) turns ``ecwatch_render`` into
scrapy-playwright's meta (``playwright=True`` and friends), renders every page of ``always``
sites, and, when a render fails, hands the callback the plain response it replaced, so a page
that never loads in the browser is still stored as served. Everything else keeps Scrapy's fast
HTTP path: only requests with ``playwright=True`` reach the browser.

Kinds of browser request (``meta["ecwatch_render"]``):

- ``"discovery"``: images, fonts and media aborted; wait for the network to settle; the page is
  closed by scrapy-playwright.
- ``"evidence"``: nothing aborted; every document recorded (``meta["ecwatch_recorder"]``); the
  page is handed over (``playwright_include_page``) and the receiver must close it.
- ``"visit"``: an evidence visit that also waits for the page to stop navigating (ad chains).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from ipaddress import ip_address
from typing import TYPE_CHECKING, Any, AsyncIterator, Iterable, Iterator
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Headers
from scrapy.responsetypes import responsetypes
from scrapy_playwright.page import PageMethod

from detectors import needs_rendering

from .browserpage import CONTEXT_NAME, PageSetup, RouteGuard, close_page, context_kwargs, settle, settle_navigation
from .config import EcwatchConfig
from .items import PageSnapshotItem
from .recorder import DocumentRecorder
from .rendermode import RenderMode, RenderPolicy

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

BROWSER_KINDS = frozenset({"discovery", "evidence", "visit"})
STATIC_FALLBACK_FLAG = "ecwatch:static-fallback"


def spider_policy(config: EcwatchConfig, crawler: Crawler) -> RenderPolicy:
    """The settings' policy with the spider's seed-file modes (``render`` column) under it."""
    return config.browser.render.with_sites(getattr(crawler.spider, "render_sites", None) or {})


@dataclass(frozen=True)
class StaticCopy:
    """The plain response a discovery render replaces, for when the render fails."""

    url: str
    status: int
    headers: dict[bytes, list[bytes]]
    body: bytes
    ip: str | None

    @classmethod
    def of(cls, response: Response) -> StaticCopy:
        return cls(response.url, response.status, dict(response.headers), response.body,
                   str(response.ip_address) if response.ip_address else None)

    def response(self, request: Request) -> Response:
        headers = Headers(self.headers)
        cls = responsetypes.from_args(headers=headers, url=self.url, body=self.body)
        return cls(url=self.url, status=self.status, headers=headers, body=self.body, request=request,
                   flags=[STATIC_FALLBACK_FLAG], ip_address=ip_address(self.ip) if self.ip else None)


class RenderOnDemandMiddleware:
    def __init__(self, config: EcwatchConfig, crawler: Crawler) -> None:
        self.config = config
        self.crawler = crawler
        self._policy: RenderPolicy | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RenderOnDemandMiddleware:
        return cls(EcwatchConfig.from_settings(crawler.settings), crawler)

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        for output in result:
            yield self._render_if_needed(response, output)

    async def process_spider_output_async(self, response: Response, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for output in result:
            yield self._render_if_needed(response, output)

    def _render_if_needed(self, response: Response, output: Any) -> Any:
        if not isinstance(output, PageSnapshotItem) or output.page is None or output.rendered:
            return output
        if response.meta.get("ecwatch_render") is not None:
            return output  # rendered already, tried and failed, or explicitly static
        if self._mode(output.final_url) is not RenderMode.AUTO or not needs_rendering(output.page):
            return output
        stats = self.crawler.stats
        if not self.config.browser.found:
            stats.inc_value("ecwatch/render/unavailable")
            return output
        if response.request is None:
            return output
        stats.inc_value("ecwatch/render/on_demand")
        logger.debug("Rendering %s: the detectors say the browser may show more", response.url)
        meta = {**response.meta, "ecwatch_render": "discovery", "ecwatch_static": StaticCopy.of(response)}
        return response.request.replace(url=response.url, meta=meta, dont_filter=True)

    def _mode(self, url: str) -> RenderMode:
        if self._policy is None:
            self._policy = spider_policy(self.config, self.crawler)
        return self._policy.mode_for(url)


class BrowserRequestMiddleware:
    def __init__(self, config: EcwatchConfig, crawler: Crawler) -> None:
        self.config = config
        self.browser = config.browser
        self.crawler = crawler
        self.stats = crawler.stats
        self.guard = RouteGuard(config.allow_private_targets, config.host_map, crawler.stats)
        self.context_kwargs = context_kwargs(str(crawler.settings.get("USER_AGENT") or ""))
        self._policy: RenderPolicy | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BrowserRequestMiddleware:
        return cls(EcwatchConfig.from_settings(crawler.settings), crawler)

    def process_request(self, request: Request) -> None:
        kind = self._kind(request)
        if kind is None or request.meta.get("playwright"):
            return None  # plain HTTP, or already prepared (a retry)
        if not self.browser.found:
            self.stats.inc_value("ecwatch/render/unavailable")
            if kind != "discovery":
                raise IgnoreRequest("no Chromium for Playwright: this request needs the browser")
            request.meta["ecwatch_render"] = False
            return None
        request.meta.update(self._browser_meta(kind))
        self.stats.inc_value(f"ecwatch/render/{kind}")
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        if request.meta.get("ecwatch_render") == "discovery" and "playwright" in response.flags:
            self.stats.inc_value("ecwatch/render/pages")
            methods = request.meta.get("playwright_page_methods") or []
            if methods and methods[0].result is False:
                self.stats.inc_value("ecwatch/render/settle_timeout")
                logger.info("%s did not settle within %.1fs; its content was taken as it was",
                            request.url, self.browser.settle_timeout)
        return response

    async def process_exception(self, request: Request, exception: BaseException) -> Response | None:
        kind = request.meta.get("ecwatch_render")
        if kind not in BROWSER_KINDS or not request.meta.get("playwright") or isinstance(exception, IgnoreRequest):
            return None  # not ours, or refused before the browser was asked (robots.txt, private target)
        self.stats.inc_value("ecwatch/render/failed")
        self.stats.inc_value(f"ecwatch/render/failed/{type(exception).__name__}")
        message = (str(exception).splitlines() or [repr(exception)])[0]
        logger.warning("Browser %s of %s failed: %s", kind, request.url, message)
        if request.meta.get("playwright_include_page"):
            await close_page(request.meta.get("playwright_page"))  # errbacks close it too; twice is harmless
        static: StaticCopy | None = request.meta.get("ecwatch_static")
        if static is None:
            return None
        self.stats.inc_value("ecwatch/render/static_fallback")
        return static.response(request)

    def _kind(self, request: Request) -> str | None:
        kind = request.meta.get("ecwatch_render")
        if kind in BROWSER_KINDS:
            return str(kind)
        if kind is not None or _never_rendered(request):
            return None
        if self._mode(request.url) is RenderMode.ALWAYS:
            request.meta["ecwatch_render"] = "discovery"
            return "discovery"
        return None

    def _mode(self, url: str) -> RenderMode:
        if self._policy is None:
            self._policy = spider_policy(self.config, self.crawler)
        return self._policy.mode_for(url)

    def _browser_meta(self, kind: str) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "playwright": True,
            "playwright_context": CONTEXT_NAME,
            "playwright_context_kwargs": self.context_kwargs,
            "playwright_page_init_callback": "crawler.browserpage.setup_page",
            "playwright_page_goto_kwargs": {"wait_until": "load"},
            "dont_redirect": True,  # Chromium follows redirects and meta refreshes itself
            # A render's latency is mostly Chromium's work, not the server's: AutoThrottle would
            # slow the whole site down for it.
            "autothrottle_dont_adjust_delay": True,
        }
        if kind == "discovery":
            meta["ecwatch_page_setup"] = PageSetup(self.guard, True, None, self.stats)
            meta["playwright_page_methods"] = [PageMethod(settle, self.browser.settle_timeout)]
            return meta
        recorder = DocumentRecorder()
        meta.update({
            "ecwatch_page_setup": PageSetup(self.guard, False, recorder, self.stats),
            "ecwatch_recorder": recorder,
            "playwright_include_page": True,
            # Whatever the status, the receiver must get the response, and with it the page to close:
            # a retry or an HTTP-error filter in between would drop the page open.
            "handle_httpstatus_all": True,
            "dont_retry": True,
            "playwright_page_methods": [],
        })
        if kind == "visit":
            meta["playwright_page_methods"] = [
                PageMethod(settle_navigation, recorder, self.browser.redirect_wait, self.browser.navigation_timeout)]
        return meta


def _never_rendered(request: Request) -> bool:
    # robots.txt and portal record lookups are data, not pages to look at.
    return (bool(request.meta.get("ecwatch_portal") or request.meta.get("dont_obey_robotstxt"))
            or urlsplit(request.url).path == "/robots.txt")
