"""Backing off a server that says it is overloaded: ``429 Too Many Requests`` and ``503`` (honouring
``Retry-After``), and storms of other 5xx answers.

Scrapy retries such responses (``RetryMiddleware``) but not later; AutoThrottle slows a site down by its
latency, not by its errors. This downloader middleware raises the delay of the site's download slot:
to the ``Retry-After`` the server asked for, else twice the current delay (at least one second),
capped at ``ECWATCH_BACKOFF_MAX_DELAY``. AutoThrottle lowers it again once the site answers 200.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from .runtime import CrawlRuntime

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

OVERLOADED = frozenset({429, 503})
SERVER_ERRORS = range(500, 600)


def retry_after(value: bytes | None, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` value: a number of seconds or an HTTP date; None if unreadable."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max((when - (now or datetime.now(timezone.utc))).total_seconds(), 0.0)


class BackoffMiddleware:
    def __init__(self, crawler: Crawler, max_delay: float) -> None:
        self.crawler = crawler
        self.max_delay = max_delay

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffMiddleware:
        return cls(crawler, CrawlRuntime.of(crawler).config.backoff_max_delay)

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status not in SERVER_ERRORS and response.status != 429:
            return response
        engine = self.crawler.engine
        slot = engine.downloader.slots.get(request.meta.get("download_slot")) if engine is not None else None
        if slot is None:
            return response
        asked = retry_after(response.headers.get(b"Retry-After")) if response.status in OVERLOADED else None
        delay = min(asked if asked is not None else max(slot.delay * 2, 1.0), self.max_delay)
        if delay > slot.delay:
            logger.info("%s answered %d: waiting %.1f s between its requests%s", request.meta.get("download_slot"),
                        response.status, delay, " (Retry-After)" if asked is not None else "")
            slot.delay = delay
            self.crawler.stats.inc_value("ecwatch/backoff")
        return response
