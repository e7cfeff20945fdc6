"""One politeness delay per site for all workers: a Redis key per site holds the next time a request to it may
start (``ECWATCH_SITE_DELAY`` seconds after the previous one, whichever worker sent it). A request waits for its
turn before it enters the downloader; AutoThrottle still adapts each worker's pace to the server's latency."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import NotConfigured

from detectors import registrable_domain

from .config import SharedConfig
from .keys import RunKeys
from .sharedrun import connect

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

# Returns the seconds to wait, as a string: Redis turns a Lua number into an integer.
TAKE_TURN = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local turn = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
redis.call('SET', KEYS[1], tostring(turn + tonumber(ARGV[1])), 'PX', math.ceil(tonumber(ARGV[1]) * 1000) + 60000)
return tostring(turn - now)
"""


class SiteTurns:
    def __init__(self, server: Any, keys: RunKeys, delay: float) -> None:
        self.keys = keys
        self.delay = delay
        self._take = server.register_script(TAKE_TURN)

    def wait_for(self, site: str) -> float:
        """Take the next turn of ``site``; the seconds until it comes."""
        return float(self._take(keys=[self.keys.next_fetch(site)], args=[self.delay]))


class SharedPolitenessMiddleware:
    def __init__(self, turns: SiteTurns) -> None:
        self.turns = turns

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedPolitenessMiddleware:
        config = SharedConfig.from_settings(crawler.settings)
        if config.site_delay <= 0:
            raise NotConfigured("ECWATCH_SITE_DELAY is 0")
        keys = RunKeys(crawler.settings["ECWATCH_RUN_NAME"], config.prefix)
        return cls(SiteTurns(connect(config.redis_url), keys, config.site_delay))

    async def process_request(self, request: Request) -> None:
        wait = self.turns.wait_for(registrable_domain(request.url))
        if wait > 0:
            await asyncio.sleep(wait)
