"""Which Chromium Playwright drives, with which flags, and the add-on that wires it into a crawl.

``ECWATCH_CHROMIUM`` if set; else Playwright's own build where ``playwright install chromium``
put one; else the system Chromium (``/usr/bin/chromium``). ``python -m crawler.browser --check``
prints the choice in one line (exit 0) or how to get one (exit 1).

``BrowserAddon`` sets scrapy-playwright's download handler and ``PLAYWRIGHT_*`` settings from the
``ECWATCH_*`` ones, only when a Chromium is found: without one the crawl keeps Scrapy's own HTTP
handler and never starts Playwright, stores JavaScript pages as served, and says once how to get
a browser. scrapy-playwright launches the browser lazily, on the first page that needs it.

Chromium reaches the network only through the crawl's ``crawler.browserproxy.BrowserProxy``,
which applies the outbound policy and ``ECWATCH_HOST_MAP``: the add-on binds the proxy's port
while it builds the launch options, serves it when the engine starts and closes it when the
engine stops.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy import signals

from .browserproxy import BrowserProxy
from .config import BrowserConfig
from .netguard import target_checker

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import Settings

logger = logging.getLogger(__name__)

# Offline and as root: no sandbox (root), no GPU, and none of Chromium's calls home,
# which this machine's closed network would refuse many at a time.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)
# Everything through our proxy, loopback too (Chromium goes direct to loopback by default), and
# no WebRTC UDP, which no HTTP proxy carries (STUN to any address and port the page names).
PROXY_ARGS = ("--proxy-server={url}", "--proxy-bypass-list=<-loopback>",
              "--webrtc-ip-handling-policy=disable_non_proxied_udp")
SYSTEM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
HOW_TO_GET_ONE = (
    "no Chromium for Playwright: run 'playwright install chromium' (with internet) "
    "or 'apt-get install -y chromium', or set ECWATCH_CHROMIUM to a Chromium binary"
)


class BrowserNotFound(RuntimeError):
    pass


@dataclass(frozen=True)
class BrowserChoice:
    executable_path: str
    description: str


def playwright_chromium() -> str | None:
    """The path of Playwright's bundled Chromium if it is installed."""
    root = Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or Path.home() / ".cache" / "ms-playwright")
    if not root.is_dir():
        return None
    for candidate in sorted(root.glob("chromium*/chrome-linux*/chrome"), reverse=True):
        if os.access(candidate, os.X_OK):
            return str(candidate)
    for candidate in sorted(root.glob("chromium_headless_shell*/chrome-*/*headless_shell"), reverse=True):
        if os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def choose_browser() -> BrowserChoice:
    explicit = os.environ.get("ECWATCH_CHROMIUM")
    if explicit:
        if not os.access(explicit, os.X_OK):
            raise BrowserNotFound(f"ECWATCH_CHROMIUM={explicit} is not an executable file")
        return BrowserChoice(explicit, f"ECWATCH_CHROMIUM ({explicit})")
    bundled = playwright_chromium()
    if bundled:
        # The path, not None: a build left by another Playwright version still launches.
        return BrowserChoice(bundled, f"Playwright's Chromium ({bundled})")
    for candidate in SYSTEM_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return BrowserChoice(found, f"system Chromium ({found})")
    raise BrowserNotFound(HOW_TO_GET_ONE)


def browser_choice() -> BrowserChoice | None:
    """The Chromium a crawl would drive, or None when there is none."""
    try:
        return choose_browser()
    except BrowserNotFound:
        return None


def launch_options(choice: BrowserChoice, proxy_url: str, headless: bool = True) -> dict[str, object]:
    args = [*CHROMIUM_ARGS, *(arg.format(url=proxy_url) for arg in PROXY_ARGS)]
    options: dict[str, object] = {"headless": headless, "args": args}
    if choice.executable_path:
        options["executable_path"] = choice.executable_path
    return options


class BrowserAddon:
    """Scrapy add-on (``ADDONS``); runs after ``-s`` overrides are applied, which win over it."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.proxy: BrowserProxy | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BrowserAddon:
        return cls(crawler)

    def update_settings(self, settings: Settings) -> None:
        config = BrowserConfig.from_settings(settings)
        if not config.wanted:
            logger.info("Rendering and evidence are off (ECWATCH_RENDER=never, ECWATCH_EVIDENCE=0): no browser")
            return
        try:
            choice = choose_browser()
        except BrowserNotFound as exc:
            logger.warning("%s; pages are stored as served, without rendering or screenshots", exc)
            return
        self.proxy = BrowserProxy(target_checker(settings))
        self.proxy.bind()
        options = launch_options(choice, self.proxy.url)
        self.crawler.signals.connect(self._serve_proxy, signals.engine_started)
        self.crawler.signals.connect(self._close_proxy, signals.engine_stopped)
        handler = "crawler.lazyplaywright.LazyPlaywrightHandler"
        playwright = {
            "DOWNLOAD_HANDLERS": {"http": handler, "https": handler},
            "PLAYWRIGHT_BROWSER_TYPE": "chromium",
            "PLAYWRIGHT_LAUNCH_OPTIONS": options,
            "PLAYWRIGHT_MAX_CONTEXTS": 1,  # more contexts cost memory and throughput (env-notes §4)
            "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": config.pages,
            "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": config.navigation_timeout * 1000,
            # None: the browser's own headers, untouched. The default would send the Scrapy request's
            # headers (its cookies too) on every navigation, also to the other hosts of an ad chain;
            # the User-Agent is set on the context instead (crawler.browserpage.context_kwargs).
            "PLAYWRIGHT_PROCESS_REQUEST_HEADERS": None,
        }
        for name, value in playwright.items():
            settings.set(name, value, priority="addon")

    async def _serve_proxy(self) -> None:
        if self.proxy is not None:
            await self.proxy.start(self.crawler.stats)

    async def _close_proxy(self) -> None:
        if self.proxy is not None:
            await self.proxy.close()


def browser_proxy(crawler: Crawler) -> BrowserProxy | None:
    """The proxy the crawl's browser goes through; None when the crawl has no browser."""
    return next((addon.proxy for addon in crawler.addons.addons if isinstance(addon, BrowserAddon)), None)


def missing_browser_hint() -> str | None:
    """One line saying how to get a browser, or None when there is one."""
    try:
        choose_browser()
    except BrowserNotFound as exc:
        return f"ecwatch: {exc}; JavaScript pages are stored as served, without screenshots"
    return None


def main(argv: list[str]) -> int:
    try:
        choice = choose_browser()
    except BrowserNotFound as exc:
        print(f"ecwatch: {exc}", file=sys.stderr)
        return 1
    if "--check" in argv:
        print(f"ecwatch: browser: {choice.description}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
