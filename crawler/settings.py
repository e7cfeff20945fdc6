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
DOWNLOAD_TIMEOUT = 30  # the whole response, headers to last byte: a page dripping a byte a second ends here
# A response declaring more than this is refused unread, and no compressed body is inflated past it.
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024
ECWATCH_MAX_PAGE_BYTES = 16 * 1024 * 1024  # a longer page is read this far and stored marked truncated
RETRY_TIMES = 2
# Scrapy's list without timeouts and DNS failures: a page that timed out once would cost the same again,
# and a name that does not resolve will not resolve a second later.
RETRY_EXCEPTIONS = [
    "scrapy.exceptions.DownloadConnectionRefusedError",
    "scrapy.exceptions.DownloadFailedError",
    "scrapy.exceptions.ResponseDataLossError",
    "twisted.internet.error.ConnectionDone",
    "twisted.internet.error.ConnectError",
    "twisted.internet.error.ConnectionLost",
    "scrapy.core.downloader.handlers.http11.TunnelError",
]
ECWATCH_BACKOFF_MAX_DELAY = 120.0  # seconds: the most a 429/503/5xx storm slows one site down to
DEPTH_LIMIT = 4  # read by the storefront spider's frontier (crawler.frontier), not by Scrapy's DepthMiddleware
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
TWISTED_DNS_RESOLVER = "crawler.netguard.PolicyResolver"  # enforces ECWATCH_ALLOW_PRIVATE_TARGETS
DOWNLOADER_MIDDLEWARES = {
    "crawler.netguard.PrivateTargetGuard": 50,
    # Before RetryMiddleware (550) on the way back: the delay is raised before the retry is scheduled.
    "crawler.backoff.BackoffMiddleware": 560,
    "crawler.middlewares.BrowserRequestMiddleware": 60,
}
SPIDER_MIDDLEWARES = {
    # It drops a page first met deeper than the limit and never sees the shallower link that follows:
    # the frontier keeps each page's shallowest depth instead (crawler.frontier).
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
}
ITEM_PIPELINES = {
    "crawler.pipelines.JudgePipeline": 300,
    "crawler.pipelines.StoragePipeline": 800,
}
EXTENSIONS = {
    "crawler.extensions.RunRecorder": 10,
    "crawler.extensions.ResponseLimit": 15,
    "crawler.extensions.ProgressReporter": 20,
}

# --- ecwatch -------------------------------------------------------------------------------
ECWATCH_DATA_DIR = os.environ.get("ECWATCH_DATA_DIR", "")  # "" = the per-user data dir (storage.config)
ECWATCH_DATABASE_URL = os.environ.get("ECWATCH_DATABASE_URL", "")  # "" = SQLite in the data dir
ECWATCH_ALLOW_PRIVATE_TARGETS = os.environ.get("ECWATCH_ALLOW_PRIVATE_TARGETS", "0")  # 0 | 1 | "HOST:PORT,CIDR,..."
ECWATCH_HOST_MAP = os.environ.get("ECWATCH_HOST_MAP", "")
ECWATCH_PORTAL_URL = os.environ.get("ECWATCH_PORTAL_URL", "https://online.gov.vn")
ECWATCH_RESOLVE_BADGES = True
ECWATCH_PORTAL_MAX_LOOKUPS = 200  # portal record pages fetched per crawl; a page's first 5 record links only
ECWATCH_MAX_PAGES_PER_SITE = 200
ECWATCH_DETECT_ON = ""  # YYYY-MM-DD; "" = today in Asia/Ho_Chi_Minh
ECWATCH_PROGRESS_INTERVAL = 5.0  # seconds; 0 disables progress lines

# --- judging and writing (crawler/judging.py, crawler/storewriter.py) -------------------------------
# ECWATCH_JUDGE_WORKERS: processes judging pages, default one per core; 0 judges on the crawl's thread.
ECWATCH_JUDGE_BUDGET = 20.0  # seconds a page may take to judge; 0: no limit
ECWATCH_JUDGE_MAX_BYTES = 8 * 1024 * 1024  # larger pages are stored, recorded "not judged"
ECWATCH_WRITE_BATCH = 100  # snapshots per database transaction (also written at least every second)
ECWATCH_WRITE_PATIENCE = 120.0  # seconds a refused write is tried again; then the crawl stops, failed

# --- browser: rendering and evidence (docs/rendering.md) -------------------------------------
ECWATCH_BROWSER_PAGES = 4  # browser pages open at once (one context); measured best on 2 cores
ECWATCH_EVIDENCE = _env_bool("ECWATCH_EVIDENCE", True)  # screenshot + DOM + WARC of pages with findings
ECWATCH_NAVIGATION_TIMEOUT = 20.0  # seconds for each browser navigation
ECWATCH_REDIRECT_WAIT = 1.0  # seconds an ad landing page must stay put before it counts as landed
ECWATCH_RENDER = os.environ.get("ECWATCH_RENDER", "auto")  # always | never | auto
ECWATCH_RENDER_SITES = os.environ.get("ECWATCH_RENDER_SITES", "")  # "shop.vn=always,other.vn=never"
ECWATCH_SCREENSHOT_MAX_HEIGHT = 16384  # pixels; an endless page is cut there
ECWATCH_SETTLE_TIMEOUT = 3.0  # seconds to wait for the network to go quiet after the page loaded

# --- shared mode: ecwatch enqueue / ecwatch worker (crawler/distributed/) ----------------------------
# "" = the environment variable of the same name, else redis://127.0.0.1:6379/0 and "ecwatch" (crawler.distributed.config)
ECWATCH_REDIS_URL = ""
ECWATCH_REDIS_PREFIX = ""  # every key of a shared run starts with it: several installations, one Redis
ECWATCH_RUN_NAME = ""  # set by ecwatch worker
ECWATCH_LEASE_SECONDS = 60.0  # a request taken by a worker that died goes back to the queue after this
ECWATCH_SITE_DELAY = 0.25  # seconds between two requests to one site, counted over all workers; 0: none
