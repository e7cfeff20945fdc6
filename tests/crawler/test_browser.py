"""Choosing the browser, wiring scrapy-playwright in, and the render decisions (no browser runs)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from crawler.adapters import snapshot_item
from crawler.browser import BrowserAddon, BrowserNotFound, choose_browser, missing_browser_hint
from crawler.browserpage import RouteGuard
from crawler.config import EcwatchConfig
from crawler.middlewares import STATIC_FALLBACK_FLAG, BrowserRequestMiddleware, StaticCopy
from crawler.pipelines import JudgePipeline
from crawler.runtime import CrawlRuntime
from detectors import Context, judge_page

SHELL = (b'<html><head><title>Shop</title></head><body><div id="app"></div>'
         b'<script src="/static/app.js"></script></body></html>')
PLAIN = "<html><body><h1>Giới thiệu</h1><p>Cửa hàng gia dụng.</p></body></html>".encode()


@pytest.fixture
def fake_chromium(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    binary = tmp_path / "chromium"
    binary.write_text("#!/bin/sh\n", encoding="utf-8")
    binary.chmod(0o755)
    monkeypatch.setenv("ECWATCH_CHROMIUM", str(binary))
    return str(binary)


def _addon_settings(values: dict[str, Any] | None = None) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.setdict(values or {}, priority="cmdline")
    BrowserAddon().update_settings(settings)
    return settings


def test_an_explicit_chromium_that_is_not_there_says_how_to_get_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECWATCH_CHROMIUM", "/nonexistent/chromium")
    with pytest.raises(BrowserNotFound, match="ECWATCH_CHROMIUM=/nonexistent/chromium"):
        choose_browser()
    hint = missing_browser_hint()
    assert hint is not None and "\n" not in hint and "without screenshots" in hint


def test_the_addon_wires_playwright_in_when_a_chromium_is_found(fake_chromium: str) -> None:
    settings = _addon_settings({"ECWATCH_HOST_MAP": "shop.vn=127.0.0.1", "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": 2})
    assert settings.getdict("DOWNLOAD_HANDLERS")["https"] == "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
    options = settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS")
    assert options["executable_path"] == fake_chromium and options["headless"] is True
    assert "--no-sandbox" in options["args"] and "--host-resolver-rules=MAP shop.vn 127.0.0.1" in options["args"]
    assert settings.getint("PLAYWRIGHT_MAX_CONTEXTS") == 1
    assert settings.getint("PLAYWRIGHT_MAX_PAGES_PER_CONTEXT") == 2  # -s wins over the add-on
    assert settings.getfloat("PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT") == 20000
    assert settings["PLAYWRIGHT_PROCESS_REQUEST_HEADERS"] is None


def test_without_a_chromium_or_any_use_for_one_the_crawl_keeps_scrapys_handler(
        fake_chromium: str, monkeypatch: pytest.MonkeyPatch) -> None:
    off = _addon_settings({"ECWATCH_RENDER": "never", "ECWATCH_EVIDENCE": False})
    assert not off.getdict("DOWNLOAD_HANDLERS")
    monkeypatch.setenv("ECWATCH_CHROMIUM", "/nonexistent/chromium")
    missing = _addon_settings()
    assert not missing.getdict("DOWNLOAD_HANDLERS")


class _Engine:
    """Takes the requests a component injects into the crawl."""

    def __init__(self) -> None:
        self.crawled: list[Request] = []

    def crawl(self, request: Request) -> None:
        self.crawled.append(request)


def _crawler(browser: bool = True, **settings: Any) -> Any:
    """A crawler whose runtime knows whether a Chromium was found, as ``crawler.run`` binds it."""
    crawler = get_crawler(settings_dict=settings)
    runtime = CrawlRuntime.from_config(EcwatchConfig.from_settings(crawler.settings))
    runtime.browser_found = browser
    runtime.bind(crawler)
    crawler.engine = _Engine()
    return crawler


def _render_instead(crawler: Any, response: HtmlResponse) -> bool:
    item = snapshot_item(response)
    judgement, _page = judge_page(item.body, item.final_url, Context(on=item.fetched_at.date()),
                                  content_type=item.content_type)
    return JudgePipeline.from_crawler(crawler)._render_instead(item, judgement)


def _response(url: str, body: bytes, request: Request | None = None) -> HtmlResponse:
    request = request or Request(url)
    return HtmlResponse(url, body=body, request=request, headers={"Content-Type": "text/html; charset=utf-8"})


def test_an_app_shell_on_an_auto_site_is_asked_again_with_the_browser() -> None:
    crawler = _crawler()
    assert _render_instead(crawler, _response("https://js.vn/p/1", SHELL)) is True
    [again] = crawler.engine.crawled
    assert isinstance(again, Request) and again.url == "https://js.vn/p/1" and again.dont_filter
    assert again.meta["ecwatch_render"] == "discovery"
    assert again.meta["ecwatch_static"].body == SHELL


@pytest.mark.parametrize(("browser", "settings", "body", "meta"), [
    (True, {"ECWATCH_RENDER_SITES": "js.vn=never"}, SHELL, {}),  # the site says never
    (True, {}, PLAIN, {}),  # nothing to gain from a browser
    (True, {}, SHELL, {"ecwatch_render": "discovery"}),  # this is the rendered (or fallen-back) answer
    (False, {}, SHELL, {}),  # no browser: stored as served
])
def test_other_pages_are_stored_as_they_came(browser: bool, settings: dict[str, Any], body: bytes,
                                             meta: dict[str, Any]) -> None:
    crawler = _crawler(browser, **settings)
    response = _response("https://js.vn/p/1", body, Request("https://js.vn/p/1", meta=meta))
    assert _render_instead(crawler, response) is False
    assert crawler.engine.crawled == []


def test_an_always_site_goes_to_the_browser_but_robots_txt_and_other_sites_do_not() -> None:
    middleware = BrowserRequestMiddleware.from_crawler(_crawler(ECWATCH_RENDER_SITES="js.vn=always"))
    page = Request("https://js.vn/p/1")
    middleware.process_request(page)
    assert page.meta["playwright"] is True and page.meta["ecwatch_render"] == "discovery"
    assert page.meta["playwright_page_goto_kwargs"] == {"wait_until": "load"}
    assert page.meta["ecwatch_page_setup"].block_heavy is True
    assert "playwright_include_page" not in page.meta  # scrapy-playwright closes discovery pages itself
    for plain in (Request("https://js.vn/robots.txt"), Request("https://plain.vn/")):
        middleware.process_request(plain)
        assert "playwright" not in plain.meta


def test_evidence_visits_record_documents_and_hand_the_page_over() -> None:
    middleware = BrowserRequestMiddleware.from_crawler(_crawler())
    request = Request("https://shop.vn/p/1", meta={"ecwatch_render": "evidence"})
    middleware.process_request(request)
    assert request.meta["playwright_include_page"] is True and request.meta["handle_httpstatus_all"] is True
    assert request.meta["ecwatch_page_setup"].block_heavy is False  # evidence is never stripped
    assert request.meta["ecwatch_recorder"] is request.meta["ecwatch_page_setup"].recorder
    assert request.meta["playwright_context_kwargs"]["user_agent"].startswith("Scrapy")  # the crawl's own
    no_browser = BrowserRequestMiddleware.from_crawler(_crawler(browser=False))
    with pytest.raises(IgnoreRequest, match="no Chromium"):
        no_browser.process_request(Request("https://shop.vn/p/1", meta={"ecwatch_render": "evidence"}))


def test_a_failed_render_falls_back_to_the_page_as_served() -> None:
    asyncio.run(_failed_render_falls_back())


async def _failed_render_falls_back() -> None:
    middleware = BrowserRequestMiddleware.from_crawler(_crawler())
    static = _response("https://js.vn/p/1", SHELL)
    meta = {"ecwatch_render": "discovery", "ecwatch_static": StaticCopy.of(snapshot_item(static))}
    request = Request("https://js.vn/p/1", meta=meta)
    middleware.process_request(request)
    fallback = await middleware.process_exception(request, TimeoutError("Timeout 20000ms exceeded."))
    assert fallback is not None and fallback.body == SHELL and STATIC_FALLBACK_FLAG in fallback.flags
    assert fallback.request is request
    without_copy = Request("https://js.vn/p/2", meta={"ecwatch_render": "discovery"})
    middleware.process_request(without_copy)
    assert await middleware.process_exception(without_copy, TimeoutError("x")) is None


class _Stats:
    def __init__(self) -> None:
        self.values: dict[str, int] = {}

    def inc_value(self, key: str, count: int = 1) -> None:
        self.values[key] = self.values.get(key, 0) + count


def test_browser_requests_to_private_addresses_are_refused_unless_allowed() -> None:
    host_map = {"shop.vn": "93.184.216.34", "tracker.vn": "10.0.0.7"}
    stats = _Stats()
    guard = RouteGuard(False, host_map, stats)

    async def verdicts() -> list[bool]:
        urls = ["https://shop.vn/p/1", "http://tracker.vn/c/1", "http://127.0.0.1:8080/", "http://[::1]/",
                "data:image/png;base64,AAAA", "https://tracker.vn/again"]
        return [await guard.allows(url) for url in urls]

    assert asyncio.run(verdicts()) == [True, False, False, False, True, False]
    assert stats.values["ecwatch/refused_private_target"] == 4
    assert asyncio.run(RouteGuard(True, host_map, stats).allows("http://tracker.vn/")) is True
