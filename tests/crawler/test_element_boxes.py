"""Where a finding's element is in the full-page screenshot: the box the review app outlines."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import async_playwright

from crawler.browser import CHROMIUM_ARGS, choose_browser
from crawler.evidence import element_boxes

pytestmark = pytest.mark.browser

PAGE = """<!doctype html><html><body style="margin:0">
<div style="height:1500px">tall banner</div>
<section class="deal"><p class="price" style="margin:0 0 0 120px;width:300px;height:40px">-60% 790.000đ</p></section>
<p class="hidden" style="display:none">hidden</p>
</body></html>"""


async def _boxes(paths: list[str]) -> dict[str, dict[str, float]]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=choose_browser().executable_path,
                                                   args=list(CHROMIUM_ARGS))
        page = await browser.new_page(viewport={"width": 1366, "height": 768})
        await page.set_content(PAGE)
        await page.evaluate("window.scrollTo(0, 900)")  # boxes are in page pixels wherever the page is scrolled
        try:
            return await element_boxes(page, paths)
        finally:
            await browser.close()


def test_boxes_are_in_page_pixels_and_paths_the_dom_lacks_are_left_out(chromium: str) -> None:
    boxes = asyncio.run(_boxes(["html > body > section.deal > p.price", "div.nowhere", "p.hidden",
                                "div:nth-of-type(", ""]))
    assert boxes == {"html > body > section.deal > p.price": {"x": 120.0, "y": 1500.0, "width": 300.0,
                                                                "height": 40.0}}
