"""What happens inside one browser page: request routing, settling, scrolling.

Which addresses a page may reach is not decided here but where its connections are made, in the
crawl's browser proxy (``crawler.browserproxy``): routing does not see redirect hops, WebSockets
or everything a worker asks for.

scrapy-playwright calls ``setup_page`` (``playwright_page_init_callback``) before it navigates;
``crawler.middlewares.BrowserRequestMiddleware`` puts the ``PageSetup`` in the request's meta.
Routing lives here rather than in ``PLAYWRIGHT_ABORT_REQUEST`` because that setting is one
function for the whole crawl, while a discovery render and an evidence capture must differ:
only discovery renders drop images, fonts and media.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from .recorder import DocumentRecorder

if TYPE_CHECKING:
    from playwright.async_api import Dialog, Page, Route
    from playwright.async_api import Request as BrowserRequest
    from scrapy import Request

logger = logging.getLogger(__name__)

HEAVY_RESOURCES = frozenset({"image", "font", "media"})
CONTEXT_NAME = "ecwatch"  # one context for the crawl (PLAYWRIGHT_MAX_CONTEXTS = 1)


def context_kwargs(user_agent: str) -> dict[str, Any]:
    """The browser context every page opens in (``playwright_context_kwargs``)."""
    return {
        # Our own User-Agent, as on the HTTP path: in the browser it stays on every request and
        # redirect hop, and the WARC's request records show what was really sent.
        "user_agent": user_agent,
        "viewport": {"width": 1366, "height": 768},  # the most common laptop screen in Vietnam
        "locale": "vi-VN",
        "timezone_id": "Asia/Ho_Chi_Minh",
        # Scrapy's HTTP path does not verify certificates either; a shop with a bad one is still evidence.
        "ignore_https_errors": True,
    }
_SCROLL_SCRIPT = """async ({maxHeight, pause}) => {
  const step = Math.max(window.innerHeight, 200);
  for (let y = step; y < Math.min(document.documentElement.scrollHeight, maxHeight); y += step) {
    window.scrollTo(0, y);
    await new Promise(resolve => setTimeout(resolve, pause));
  }
  window.scrollTo(0, 0);
  return document.documentElement.scrollHeight;
}"""


@dataclass
class PageSetup:
    block_heavy: bool  # discovery renders: the text is wanted, not the pictures
    recorder: DocumentRecorder | None  # evidence captures and ad visits
    stats: Any


async def setup_page(page: Page, request: Request) -> None:
    """``playwright_page_init_callback``: routing first, so no heavy resource slips out."""
    setup: PageSetup | None = request.meta.get("ecwatch_page_setup")
    if setup is None:
        return
    try:
        # A page that opens alerts or pop-up windows must not hold the visit: dismissed and closed at once.
        page.on("dialog", partial(_dismiss, setup))
        page.on("popup", partial(_close_popup, setup))
        if setup.block_heavy:
            await page.route("**", partial(_route, setup))
        if setup.recorder is not None:
            await setup.recorder.attach(page)
    except Exception:
        # scrapy-playwright only logs a failing init callback; a page we could not prepare must not navigate.
        logger.exception("Could not prepare the browser page for %s; closing it", request.url)
        await page.close()
        raise


async def _dismiss(setup: PageSetup, dialog: Dialog) -> None:
    setup.stats.inc_value("ecwatch/browser/dialogs_dismissed")
    with suppress(PlaywrightError):
        await dialog.dismiss()


async def _close_popup(setup: PageSetup, popup: Page) -> None:
    setup.stats.inc_value("ecwatch/browser/popups_closed")
    with suppress(PlaywrightError):
        await popup.close()


async def _route(setup: PageSetup, route: Route, request: BrowserRequest) -> None:
    if request.resource_type in HEAVY_RESOURCES:
        setup.stats.inc_value("ecwatch/render/aborted_resources")
        await route.abort("blockedbyclient")
        return
    await route.fallback()  # on to scrapy-playwright's own route (headers)


async def settle(page: Page, timeout: float) -> bool:
    """Wait until the network has been quiet for 500 ms, at most ``timeout`` seconds.

    False when it never went quiet (a page polling forever): the content is taken as it is.
    """
    try:
        await page.wait_for_load_state("networkidle", timeout=timeout * 1000)
        return True
    except PlaywrightTimeoutError:
        return False


async def settle_navigation(page: Page, recorder: DocumentRecorder, quiet: float, timeout: float) -> bool:
    """Wait until the main frame has stopped navigating (redirect hops, meta refresh, JavaScript)
    for ``quiet`` seconds, at most ``timeout`` seconds in all. False when it kept moving."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        seen = recorder.changes
        try:
            await page.wait_for_load_state("load", timeout=max(deadline - loop.time(), 0.001) * 1000)
        except PlaywrightTimeoutError:
            return False
        await asyncio.sleep(min(quiet, max(deadline - loop.time(), 0)))
        if recorder.changes == seen and not recorder.navigating:
            return True
    return False


async def scroll_through(page: Page, max_height: int, pause_ms: int = 60) -> None:
    """Scroll to the bottom and back so lazy images and infinite lists load before a screenshot."""
    try:
        await page.evaluate(_SCROLL_SCRIPT, {"maxHeight": max_height, "pause": pause_ms})
    except PlaywrightError as exc:  # a page navigating away mid-scroll; the screenshot still follows
        logger.debug("Could not scroll %s: %s", page.url, exc)


async def close_page(page: Page | None) -> None:
    if page is None:
        return
    try:
        if not page.is_closed():
            await page.close()
    except PlaywrightError:
        pass  # the browser or context went first
