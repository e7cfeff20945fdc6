"""Choosing the browser, wiring scrapy-playwright in, and the render decisions (no browser runs)."""

from __future__ import annotations

import asyncio
import re
from ipaddress import ip_address
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
    addon = BrowserAddon(get_crawler())
    addon.update_settings(settings)
    if addon.proxy is not None:
        asyncio.run(addon.proxy.close())
    return settings


def test_an_explicit_chromium_that_is_not_there_says_how_to_get_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECWATCH_CHROMIUM", "/nonexistent/chromium")
    with pytest.raises(BrowserNotFound, match="ECWATCH_CHROMIUM=/nonexistent/chromium"):
        choose_browser()
    hint = missing_browser_hint()
    assert hint is not None and "\n" not in hint and "without screenshots" in hint


def test_the_addon_wires_playwright_in_when_a_chromium_is_found(fake_chromium: str) -> None:
    settings = _addon_settings({"ECWATCH_HOST_MAP": "shop.vn=127.0.0.1", "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": 2})
    assert settings.getdict("DOWNLOAD_HANDLERS")["https"] == "crawler.lazyplaywright.LazyPlaywrightHandler"
    options = settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS")
    assert options["executable_path"] == fake_chromium and options["headless"] is True
    # Every connection through the crawl's proxy (which applies the host map), loopback included; no UDP.
    [proxy] = [arg for arg in options["args"] if arg.startswith("--proxy-server=")]
    assert re.fullmatch(r"--proxy-server=http://127\.0\.0\.1:\d+", proxy)
    assert {"--no-sandbox", "--proxy-bypass-list=<-loopback>",
            "--webrtc-ip-handling-policy=disable_non_proxied_udp"} <= set(options["args"])
    assert not [arg for arg in options["args"] if arg.startswith("--host-resolver-rules")]
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


class _Proxy:
    """Where the crawl's browser proxy connected for each host and port."""

    def address_of(self, url: str) -> str | None:
        return "203.113.131.1" if url.startswith("https://shop.vn/") else None


def test_a_rendered_page_carries_the_servers_address_not_the_proxys() -> None:
    middleware = BrowserRequestMiddleware.from_crawler(_crawler())
    middleware.proxy = _Proxy()  # type: ignore[assignment]
    request = Request("https://shop.vn/p/1", meta={"ecwatch_render": "discovery"})
    middleware.process_request(request)
    rendered = HtmlResponse("https://shop.vn/p/1", body=PLAIN, request=request, flags=["playwright"],
                            ip_address=ip_address("127.0.0.1"))  # what Chromium reports: the proxy
    assert middleware.process_response(request, rendered).ip_address == ip_address("203.113.131.1")
    assert request.meta["ecwatch_page_setup"].recorder is None
    evidence = Request("https://shop.vn/p/1", meta={"ecwatch_render": "evidence"})
    middleware.process_request(evidence)
    assert evidence.meta["ecwatch_recorder"].address_of("https://shop.vn/") == "203.113.131.1"
