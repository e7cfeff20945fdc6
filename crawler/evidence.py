"""Evidence of a snapshot with findings, taken in one browser visit with nothing blocked:
the main document as served (``html``), the DOM after scripts (``dom``), a full-page PNG after
scrolling to the bottom and letting the page settle (``screenshot``), and a WARC of every
document the visit received, redirect hops included (``warc``).

``EvidenceCollector`` decides whether a snapshot needs a visit: at least one of its findings is
new, or its stored finding has no screenshot yet. A site-wide finding (one per site) is captured
once, not on every page of the site. A failed visit (timeout, no browser) never loses the snapshot
or its findings: they are stored with the ``html`` artifact only and counted in
``ecwatch/evidence/failed``.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Sequence

import scrapy
from playwright.async_api import Error as PlaywrightError

from detectors import registrable_domain
from storage.db import session_scope
from storage.findings import finding_key
from storage.repository import findings_needing_evidence

from .adapters import tls_from_browser
from .browserpage import close_page, scroll_through, settle
from .items import PageSnapshotItem
from .rendermode import RenderMode
from .warc import build_warc

if TYPE_CHECKING:
    from playwright.async_api import Page
    from scrapy.crawler import Crawler

    from .config import BrowserConfig
    from .recorder import DocumentRecorder
    from .runtime import CrawlRuntime

logger = logging.getLogger(__name__)


class CaptureError(Exception):
    """An evidence visit that did not produce a page to capture."""


@dataclass(frozen=True)
class CaptureOptions:
    settle_timeout: float
    screenshot_max_height: int
    timeout: float  # the whole capture once the page is open

    @classmethod
    def from_config(cls, config: BrowserConfig) -> CaptureOptions:
        return cls(config.settle_timeout, config.screenshot_max_height,
                   timeout=config.navigation_timeout + config.settle_timeout + 10.0)


@dataclass
class Evidence:
    final_url: str
    dom: bytes
    screenshot: bytes
    warc: bytes
    captured_at: datetime
    settled: bool
    html: bytes | None = None  # the final document as served; None if Chromium could not give it
    status: int | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    server_ip: str | None = None
    tls: dict[str, Any] | None = None
    redirect_chain: list[dict[str, Any]] = field(default_factory=list)
    element_boxes: dict[str, dict[str, float]] = field(default_factory=dict)

    def artifacts(self) -> dict[str, bytes]:
        # The document as the browser received it is in the WARC; the snapshot's "html" file stays the
        # body that was judged, so a finding's snippet is always in the file it points to.
        return {"dom": self.dom, "screenshot": self.screenshot, "warc": self.warc}

    def apply_to(self, item: PageSnapshotItem) -> None:
        item.artifacts.update(self.artifacts())
        item.captured_at = self.captured_at
        item.server_ip = self.server_ip or item.server_ip
        item.tls = self.tls or item.tls
        item.element_boxes = self.element_boxes or None


async def capture_page(page: Page, recorder: DocumentRecorder, options: CaptureOptions,
                       css_paths: Sequence[str] = ()) -> Evidence:
    await scroll_through(page, options.screenshot_max_height)
    settled = await settle(page, options.settle_timeout)
    screenshot = await page.screenshot(**await _screenshot_options(page, options))
    boxes = await element_boxes(page, css_paths)
    captured_at = datetime.now(timezone.utc)
    dom = await _content(page)
    await recorder.drain()
    final = recorder.final()
    return Evidence(
        final_url=page.url, dom=dom.encode("utf-8"), screenshot=screenshot, captured_at=captured_at,
        warc=build_warc(recorder.exchanges, captured_at), settled=settled,
        html=final.body if final else None, status=final.status if final else None,
        headers=final.headers if final else [], server_ip=final.ip if final else None,
        tls=tls_from_browser(final.tls) if final else None, redirect_chain=recorder.hops(page.url),
        element_boxes=boxes,
    )


# Page coordinates (the full-page screenshot's pixels at scale 1) of the first element each CSS path
# selects; a path the live DOM does not have (or that is not valid CSS) is left out.
_BOXES_SCRIPT = """(paths) => {
  const boxes = {};
  for (const path of paths) {
    let element = null;
    try { element = document.querySelector(path); } catch (e) { continue; }
    if (!element) continue;
    const r = element.getBoundingClientRect();
    if (r.width <= 0 && r.height <= 0) continue;
    boxes[path] = {x: r.left + window.scrollX, y: r.top + window.scrollY, width: r.width, height: r.height};
  }
  return boxes;
}"""


async def element_boxes(page: Page, css_paths: Sequence[str]) -> dict[str, dict[str, float]]:
    """Where each finding's element is in the screenshot, for the reviewer's outline."""
    paths = sorted({path for path in css_paths if path})
    if not paths:
        return {}
    try:
        boxes = await page.evaluate(_BOXES_SCRIPT, paths)
    except PlaywrightError as exc:  # the page navigated away: the screenshot stands without outlines
        logger.debug("No element boxes for %s: %s", page.url, exc)
        return {}
    return {path: {k: round(float(v), 1) for k, v in box.items()} for path, box in boxes.items()}


async def _screenshot_options(page: Page, options: CaptureOptions) -> dict[str, Any]:
    shot: dict[str, Any] = {"full_page": True, "type": "png", "timeout": options.timeout * 1000}
    try:
        height = int(await page.evaluate("document.documentElement.scrollHeight"))
    except PlaywrightError:
        return shot
    if height > options.screenshot_max_height:
        width = (page.viewport_size or {"width": 1366})["width"]
        shot["clip"] = {"x": 0, "y": 0, "width": width, "height": options.screenshot_max_height}
    return shot


async def _content(page: Page) -> str:
    try:
        return await page.content()
    except PlaywrightError:
        await asyncio.sleep(0.5)  # "the page is navigating": once more, as scrapy-playwright does
        return await page.content()


async def visit_and_capture(crawler: Crawler, url: str, options: CaptureOptions,
                            css_paths: Sequence[str] = ()) -> Evidence:
    """Open ``url`` in the browser outside the scheduler, capture it, always close the page."""
    request = scrapy.Request(url, meta={"ecwatch_render": "evidence", "handle_httpstatus_all": True},
                             dont_filter=True)
    try:
        assert crawler.engine is not None
        response = await crawler.engine.download_async(request)
        page = response.meta.get("playwright_page")
        recorder = response.meta.get("ecwatch_recorder")
        if page is None or recorder is None:
            raise CaptureError("the response did not come from the browser")
        return await asyncio.wait_for(capture_page(page, recorder, options, css_paths), options.timeout)
    finally:
        await close_page(request.meta.get("playwright_page"))


class EvidenceCollector:
    """Used by ``JudgePipeline`` once a snapshot is judged."""

    def __init__(self, runtime: CrawlRuntime, crawler: Crawler) -> None:
        self.runtime = runtime
        self.browser = runtime.config.browser
        self.crawler = crawler
        self.stats = crawler.stats
        self.options = CaptureOptions.from_config(runtime.config.browser)
        # Keys captured (or tried) in this crawl: pages arriving while a capture is under way,
        # and later pages of a site with a site-wide finding, do not start another one.
        self._attempted: set[str] = set()

    async def collect(self, item: PageSnapshotItem) -> None:
        if not self.browser.evidence or not item.findings or "screenshot" in item.artifacts:
            return
        if self.runtime.render_policy(self.crawler).mode_for(item.final_url) is RenderMode.NEVER:
            self.stats.inc_value("ecwatch/evidence/skipped/render_never")
            return
        keys = self._needing(item)
        if not keys:
            return
        self._attempted |= keys
        if not self.runtime.browser_found:
            self._failed(item, "no_browser", "no Chromium for Playwright")
            return
        try:
            css_paths = [str(f.evidence.get("css_path") or "") for f in item.findings]
            evidence = await visit_and_capture(self.crawler, item.final_url, self.options, css_paths)
        except Exception as exc:  # noqa: BLE001 - any failure: keep the snapshot with its html
            self._failed(item, type(exc).__name__, str(exc).splitlines()[0] if str(exc) else repr(exc))
            return
        evidence.apply_to(item)
        self.stats.inc_value("ecwatch/evidence/captured")
        if not evidence.settled:
            self.stats.inc_value("ecwatch/evidence/settle_timeout")

    def _needing(self, item: PageSnapshotItem) -> set[str]:
        domain = registrable_domain(item.final_url)
        keys = {finding_key(f.rule, domain, f.subject) for f in item.findings} - self._attempted
        if not keys:
            self.stats.inc_value("ecwatch/evidence/skipped/seen_in_crawl")
            return set()
        with session_scope(self.runtime.engine) as session:
            needing = findings_needing_evidence(session, keys)
        if not needing:
            self.stats.inc_value("ecwatch/evidence/skipped/stored")
            self._attempted |= keys
        return needing

    def _failed(self, item: PageSnapshotItem, reason: str, message: str) -> None:
        self.stats.inc_value("ecwatch/evidence/failed")
        self.stats.inc_value(f"ecwatch/evidence/failed/{reason}")
        # Without a browser every page with findings would say the same: once is enough.
        quiet = reason == "no_browser" and self.stats.get_value("ecwatch/evidence/failed/no_browser", 0) > 1
        logger.log(logging.DEBUG if quiet else logging.WARNING,
                   "No browser evidence for %s (%s); stored with its HTML only", item.final_url, message)
