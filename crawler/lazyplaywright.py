"""scrapy-playwright's download handler, with Playwright started only when a page needs the browser.

The stock handler starts Playwright (a node driver process, about 280 MB and 3 ms of overhead a page in
our measurements) when the engine starts, even for a crawl that renders nothing. This one serves plain
requests with Scrapy's own HTTP handler, as the stock one does, and starts Playwright on the first
request marked ``playwright=True``: a render, an evidence visit or an ad's visit.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response


class LazyPlaywrightHandler(ScrapyPlaywrightDownloadHandler):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._started = False
        self._start_lock = asyncio.Lock()

    async def _maybe_launch_in_thread(self) -> None:
        """Connected to ``engine_started`` by the stock handler: nothing to start yet."""

    async def download_request(self, request: Request) -> Response:  # type: ignore[override]
        if request.meta.get("playwright") and not self._started:
            async with self._start_lock:
                if not self._started:
                    await self._maybe_future_from_coro(self._launch())
                    self._started = True
        return await super().download_request(request)
