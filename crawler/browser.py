"""Which Chromium Playwright drives, with which flags, and the add-on that wires it into a crawl.

``ECWATCH_CHROMIUM`` if set; else Playwright's own build where ``playwright install chromium``
put one; else the system Chromium (``/usr/bin/chromium``). ``python -m crawler.browser --check``
prints the choice in one line (exit 0) or how to get one (exit 1).

``BrowserAddon`` sets scrapy-playwright's download handler and ``PLAYWRIGHT_*`` settings from the
``ECWATCH_*`` ones, only when a Chromium is found: without one the crawl keeps Scrapy's own HTTP
handler and never starts Playwright, stores JavaScript pages as served, and says once how to get
a browser. scrapy-playwright launches the browser lazily, on the first page that needs it.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .config import BrowserConfig
from .netpolicy import parse_host_map

if TYPE_CHECKING:
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


def launch_options(headless: bool = True, host_map: dict[str, str] | None = None) -> dict[str, object]:
    choice = choose_browser()
    args = list(CHROMIUM_ARGS)
    if host_map:
        rules = ", ".join(f"MAP {host} {ip}" for host, ip in sorted(host_map.items()))
        args.append(f"--host-resolver-rules={rules}")
    options: dict[str, object] = {"headless": headless, "args": args}
    if choice.executable_path:
        options["executable_path"] = choice.executable_path
    return options


class BrowserAddon:
    """Scrapy add-on (``ADDONS``); runs after ``-s`` overrides are applied, which win over it."""

    def update_settings(self, settings: Settings) -> None:
        config = BrowserConfig.from_settings(settings)
        if not config.wanted:
            logger.info("Rendering and evidence are off (ECWATCH_RENDER=never, ECWATCH_EVIDENCE=0): no browser")
            return
        try:
            options = launch_options(host_map=parse_host_map(settings.get("ECWATCH_HOST_MAP")))
        except BrowserNotFound as exc:
            logger.warning("%s; pages are stored as served, without rendering or screenshots", exc)
            return
        handler = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
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
