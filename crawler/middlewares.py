"""Browser requests: which requests go to the browser, and how.

Rendering on demand (the detectors signal, the crawler decides) is decided by the judge pipeline
(``crawler.pipelines.JudgePipeline``): on an ``auto`` site, a page fetched over plain HTTP whose
judgement says a browser may show more (commerce signals but no readable price, or an empty
application shell) is not stored: ``rerender_request`` sends the same request out again marked
``ecwatch_render="discovery"``, and its rendered response goes through the same callback, so links
are taken from the rendered DOM too.

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
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Headers
from scrapy.responsetypes import responsetypes
from scrapy_playwright.page import PageMethod

from .browserpage import CONTEXT_NAME, PageSetup, RouteGuard, close_page, context_kwargs, settle, settle_navigation
from .items import PageSnapshotItem
from .recorder import DocumentRecorder
from .rendermode import RenderMode
from .runtime import CrawlRuntime

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

BROWSER_KINDS = frozenset({"discovery", "evidence", "visit"})
STATIC_FALLBACK_FLAG = "ecwatch:static-fallback"


@dataclass(frozen=True)
class StaticCopy:
    """The plain response a discovery render replaces, for when the render fails."""

    url: str
    status: int
    headers: dict[bytes, list[bytes]]
    body: bytes
    ip: str | None

    @classmethod
    def of(cls, item: PageSnapshotItem) -> StaticCopy:
        headers = {key.encode("latin-1"): [v.encode("latin-1") for v in values] for key, values in item.headers.items()}
        return cls(item.final_url, item.status, headers, item.body, item.server_ip)

    def response(self, request: Request) -> Response:
        headers = Headers(self.headers)
        cls = responsetypes.from_args(headers=headers, url=self.url, body=self.body)
        return cls(url=self.url, status=self.status, headers=headers, body=self.body, request=request,
                   flags=[STATIC_FALLBACK_FLAG], ip_address=ip_address(self.ip) if self.ip else None)


def rerender_request(item: PageSnapshotItem) -> Request | None:
    """The request of ``item`` again, for the browser; its plain response is kept for a failed render."""
    request = item.request
    if request is None:
        return None
    meta = {**request.meta, "ecwatch_render": "discovery", "ecwatch_static": StaticCopy.of(item)}
    return request.replace(url=item.final_url, meta=meta, dont_filter=True)


class BrowserRequestMiddleware:
    def __init__(self, runtime: CrawlRuntime, crawler: Crawler) -> None:
        config = runtime.config
        self.runtime = runtime
        self.browser = config.browser
        self.crawler = crawler
        self.stats = crawler.stats
        self.guard = RouteGuard(config.allow_private_targets, config.host_map, crawler.stats)
        self.context_kwargs = context_kwargs(str(crawler.settings.get("USER_AGENT") or ""))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BrowserRequestMiddleware:
        return cls(CrawlRuntime.of(crawler), crawler)

    def process_request(self, request: Request) -> None:
        kind = self._kind(request)
        if kind is None or request.meta.get("playwright"):
            return None  # plain HTTP, or already prepared (a retry)
        if not self.runtime.browser_found:
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
        if self.runtime.render_policy(self.crawler).mode_for(request.url) is RenderMode.ALWAYS:
            request.meta["ecwatch_render"] = "discovery"
            return "discovery"
        return None

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
