"""Records every main-frame document a browser page receives: redirect hops, meta refreshes,
JavaScript navigations and the final page, with their bytes as they came off the network.

Why CDP and not Playwright's ``response.body()``: a page that leaves by JavaScript (an ad
tracker's ``location.href = ...``) is gone before an event handler can ask for its body, and
asking for it while holding the next navigation in ``page.route`` deadlocks Chromium. Pausing
document responses at the *response* stage (``Fetch.enable``, in a CDP session of our own, next
to Playwright's routing) hands us each body before the renderer sees it. Chromium only.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import urldefrag

from w3lib.encoding import html_to_unicode
from w3lib.html import get_meta_refresh

if TYPE_CHECKING:
    from playwright.async_api import CDPSession, Page
    from playwright.async_api import Request as BrowserRequest
    from playwright.async_api import Response as BrowserResponse

logger = logging.getLogger(__name__)

DRAIN_TIMEOUT = 5.0  # seconds to wait for the last bodies and addresses


@dataclass
class Exchange:
    """One main-frame document response: a redirect hop or a page."""

    url: str
    method: str
    request_headers: list[tuple[str, str]]
    status: int
    status_text: str
    headers: list[tuple[str, str]]
    at: datetime
    body: bytes | None = None  # None: it could not be read
    ip: str | None = None
    tls: dict[str, Any] | None = None

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((value for key, value in self.headers if key.lower() == lowered), None)

    @property
    def is_redirect(self) -> bool:
        return 300 <= self.status < 400 and self.header("location") is not None


@dataclass
class DocumentRecorder:
    # The server address behind a URL, from the browser proxy: Chromium itself only knows the proxy's.
    address_of: Callable[[str], str | None] | None = None
    exchanges: list[Exchange] = field(default_factory=list)
    changes: int = 0  # every main-frame navigation event; the ad chain has landed when it stops moving
    _page: Page | None = None
    _cdp: CDPSession | None = None
    _main_frame: str | None = None
    _inflight: set[BrowserRequest] = field(default_factory=set)
    _tasks: set[asyncio.Future[Any]] = field(default_factory=set)
    _addresses: list[tuple[str, int, asyncio.Future[tuple[str | None, dict[str, Any] | None]]]] = field(
        default_factory=list)

    async def attach(self, page: Page) -> None:
        self._page = page
        self._cdp = await page.context.new_cdp_session(page)
        tree = await self._cdp.send("Page.getFrameTree")
        self._main_frame = tree["frameTree"]["frame"]["id"]
        self._cdp.on("Fetch.requestPaused", self._on_paused)
        page.on("request", self._on_request)
        page.on("response", self._on_response)
        page.on("requestfailed", self._on_done)
        page.on("requestfinished", self._on_done)
        page.on("framenavigated", self._on_navigated)
        patterns = [{"urlPattern": "*", "resourceType": "Document", "requestStage": "Response"}]
        await self._cdp.send("Fetch.enable", {"patterns": patterns})

    @property
    def navigating(self) -> bool:
        return bool(self._inflight)

    def final(self) -> Exchange | None:
        """The page the chain ended on (the last document that is not a redirect)."""
        return next((e for e in reversed(self.exchanges) if not e.is_redirect), None)

    async def drain(self) -> None:
        """Wait for bodies still being read, then give each exchange its server address and TLS."""
        pending = [t for t in self._tasks if not t.done()] + [f for _, _, f in self._addresses]
        if pending:
            await asyncio.wait(pending, timeout=DRAIN_TIMEOUT)
        unmatched = list(self._addresses)
        for exchange in self.exchanges:
            for index, (url, status, future) in enumerate(unmatched):
                if url == exchange.url and status == exchange.status:
                    if future.done() and not future.cancelled() and future.exception() is None:
                        exchange.ip, exchange.tls = future.result()
                    del unmatched[index]
                    break
            if self.address_of is not None:
                exchange.ip = self.address_of(exchange.url)

    def hops(self, final_url: str) -> list[dict[str, Any]]:
        """The chain in order: each document that was left, how, and for where."""
        hops = []
        for exchange, following in zip(self.exchanges, self.exchanges[1:]):
            hops.append(_hop(exchange, following.url, _how_left(exchange, following.url)))
        last = self.exchanges[-1] if self.exchanges else None
        if last is not None and not _same(last.url, final_url) and not last.is_redirect:
            hops.append(_hop(last, final_url, "javascript"))  # history API: no new document
        return hops

    # --- events ------------------------------------------------------------------------------

    def _is_main_document(self, request: BrowserRequest) -> bool:
        try:
            return request.is_navigation_request() and self._page is not None and request.frame == self._page.main_frame
        except Exception:  # noqa: BLE001 - service-worker requests have no frame
            return False

    def _on_request(self, request: BrowserRequest) -> None:
        if self._is_main_document(request):
            self._inflight.add(request)
            self.changes += 1

    def _on_response(self, response: BrowserResponse) -> None:
        if self._is_main_document(response.request):
            self._inflight.discard(response.request)
            self.changes += 1
            future = asyncio.ensure_future(_address_and_tls(response))
            self._addresses.append((response.url, response.status, future))

    def _on_done(self, request: BrowserRequest) -> None:
        self._inflight.discard(request)

    def _on_navigated(self, frame: Any) -> None:
        if self._page is not None and frame == self._page.main_frame:
            self.changes += 1

    def _on_paused(self, event: dict[str, Any]) -> None:
        task = asyncio.ensure_future(self._record(event))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _record(self, event: dict[str, Any]) -> None:
        request_id = event["requestId"]
        try:
            if event.get("frameId") == self._main_frame and event.get("responseStatusCode") is not None:
                exchange = _exchange(event)
                self.exchanges.append(exchange)  # before awaiting: keeps the order of arrival
                exchange.body = await self._body(request_id)
        except Exception:  # noqa: BLE001 - a recording failure must never hold the page
            logger.debug("Could not record %s", event.get("request", {}).get("url"), exc_info=True)
        finally:
            if self._cdp is not None:
                with suppress(Exception):
                    await self._cdp.send("Fetch.continueRequest", {"requestId": request_id})

    async def _body(self, request_id: str) -> bytes | None:
        assert self._cdp is not None
        try:
            result = await self._cdp.send("Fetch.getResponseBody", {"requestId": request_id})
        except Exception:  # noqa: BLE001 - e.g. a 204 or an aborted response has no body
            return None
        data = result.get("body", "")
        return base64.b64decode(data) if result.get("base64Encoded") else data.encode("utf-8")


def _exchange(event: dict[str, Any]) -> Exchange:
    request = event.get("request", {})
    return Exchange(
        url=request.get("url", ""),
        method=request.get("method", "GET"),
        request_headers=[(str(k), str(v)) for k, v in (request.get("headers") or {}).items()],
        status=int(event["responseStatusCode"]),
        status_text=str(event.get("responseStatusText") or ""),
        headers=[(h["name"], h["value"]) for h in event.get("responseHeaders") or []],
        at=datetime.now(timezone.utc),
    )


async def _address_and_tls(response: BrowserResponse) -> tuple[str | None, dict[str, Any] | None]:
    ip = tls = None
    with suppress(Exception):
        address = await response.server_addr()
        ip = address["ipAddress"] if address else None
    with suppress(Exception):
        details = await response.security_details()
        tls = dict(details) if details else None
    return ip, tls


def _how_left(exchange: Exchange, next_url: str) -> str:
    if exchange.is_redirect:
        return "http"
    if exchange.body:
        _, text = html_to_unicode(exchange.header("content-type"), exchange.body)
        _, refresh_url = get_meta_refresh(text, exchange.url)
        if refresh_url and _same(refresh_url, next_url):
            return "meta-refresh"
    return "javascript"


def _hop(exchange: Exchange, to: str, via: str) -> dict[str, Any]:
    return {"url": exchange.url, "status": exchange.status, "via": via, "to": to,
            "at": exchange.at.isoformat().replace("+00:00", "Z")}


def _same(a: str, b: str) -> bool:
    return urldefrag(a)[0] == urldefrag(b)[0]
