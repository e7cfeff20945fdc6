"""All crawler settings. Environment variables feed the ``ECWATCH_*`` ones; every one can
be overridden per run with ``ecwatch crawl -s NAME=VALUE`` (as ``scrapy crawl -s``).

README lists each with its type and default.
"""

from __future__ import annotations

import os


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


BOT_NAME = "ecwatch"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# --- identity and politeness --------------------------------------------------------------
USER_AGENT = (
    "ecwatch/0.1 (+https://github.com/ecwatch/ecwatch; e-commerce compliance monitoring for "
    "Vietnam's Ministry of Industry and Trade)"
)
ROBOTSTXT_OBEY = _env_bool("ECWATCH_OBEY_ROBOTS", True)
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.0
DOWNLOAD_TIMEOUT = 60
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024  # hostile pages may stream forever
RETRY_TIMES = 2
DEPTH_LIMIT = 4
COOKIES_ENABLED = True

# --- quiet, local-only process -------------------------------------------------------------
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
LOG_LEVEL = os.environ.get("ECWATCH_LOG_LEVEL", "INFO")

# --- components ----------------------------------------------------------------------------
# The add-on wires scrapy-playwright in (DOWNLOAD_HANDLERS, PLAYWRIGHT_*) only when a Chromium is
# found, so a crawl that renders nothing never needs a browser (crawler/browser.py).
ADDONS = {
    "crawler.browser.BrowserAddon": 0,
}
TWISTED_DNS_RESOLVER = "crawler.netpolicy.HostMapResolver"
DOWNLOADER_MIDDLEWARES = {
    "crawler.netpolicy.PrivateTargetGuard": 50,
    "crawler.middlewares.BrowserRequestMiddleware": 60,
}
ITEM_PIPELINES = {
    "crawler.pipelines.JudgePipeline": 300,
    "crawler.pipelines.StoragePipeline": 800,
}
EXTENSIONS = {
    "crawler.extensions.RunRecorder": 10,
    "crawler.extensions.ProgressReporter": 20,
}

# --- ecwatch -------------------------------------------------------------------------------
ECWATCH_DATA_DIR = os.environ.get("ECWATCH_DATA_DIR", "var")
ECWATCH_DATABASE_URL = os.environ.get("ECWATCH_DATABASE_URL", "")  # "" = SQLite in the data dir
ECWATCH_ALLOW_PRIVATE_TARGETS = _env_bool("ECWATCH_ALLOW_PRIVATE_TARGETS", False)
ECWATCH_HOST_MAP = os.environ.get("ECWATCH_HOST_MAP", "")
ECWATCH_PORTAL_URL = os.environ.get("ECWATCH_PORTAL_URL", "https://online.gov.vn")
ECWATCH_RESOLVE_BADGES = True
ECWATCH_MAX_PAGES_PER_SITE = 200
ECWATCH_DETECT_ON = ""  # YYYY-MM-DD; "" = today in Asia/Ho_Chi_Minh
ECWATCH_PROGRESS_INTERVAL = 5.0  # seconds; 0 disables progress lines

# --- browser: rendering and evidence (docs/rendering.md) -------------------------------------
ECWATCH_BROWSER_PAGES = 4  # browser pages open at once (one context); measured best on 2 cores
ECWATCH_EVIDENCE = _env_bool("ECWATCH_EVIDENCE", True)  # screenshot + DOM + WARC of pages with findings
ECWATCH_NAVIGATION_TIMEOUT = 20.0  # seconds for each browser navigation
ECWATCH_REDIRECT_WAIT = 1.0  # seconds an ad landing page must stay put before it counts as landed
ECWATCH_RENDER = os.environ.get("ECWATCH_RENDER", "auto")  # always | never | auto
ECWATCH_RENDER_SITES = os.environ.get("ECWATCH_RENDER_SITES", "")  # "shop.vn=always,other.vn=never"
ECWATCH_SCREENSHOT_MAX_HEIGHT = 16384  # pixels; an endless page is cut there
ECWATCH_SETTLE_TIMEOUT = 3.0  # seconds to wait for the network to go quiet after the page loaded
