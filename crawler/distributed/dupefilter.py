"""scrapy-redis's dupefilter keyed by the run, which also counts pages per site across all workers.

A storefront page request (one the frontier admitted: it has a ``depth``) is new only if its fingerprint is not
in the run's set *and* its site has had fewer than ``ECWATCH_MAX_PAGES_PER_SITE`` pages scheduled; both are
checked and counted in one Lua script, so two workers can never take the last place of a site together.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy_redis.connection import get_redis_from_settings
from scrapy_redis.dupefilter import RFPDupeFilter

from detectors import registrable_domain

from .config import SharedConfig
from .keys import RunKeys

logger = logging.getLogger(__name__)

ADMIT = """
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 0 end
if ARGV[2] ~= '' then
  local pages = tonumber(redis.call('HGET', KEYS[2], ARGV[2]) or '0')
  if pages >= tonumber(ARGV[3]) then return -1 end
  redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
end
redis.call('SADD', KEYS[1], ARGV[1])
return 1
"""

NEW, SEEN, SITE_FULL = 1, 0, -1


class SiteLimitDupeFilter(RFPDupeFilter):
    def __init__(self, server: Any, keys: RunKeys, max_pages_per_site: int, debug: bool = False) -> None:
        super().__init__(server, keys.seen, debug=debug)
        self.keys = keys
        self.max_pages_per_site = max_pages_per_site
        self.limit_reached = 0
        self._admit = server.register_script(ADMIT)

    @classmethod
    def from_spider(cls, spider: Any) -> SiteLimitDupeFilter:
        settings = spider.settings
        keys = RunKeys(settings["ECWATCH_RUN_NAME"], SharedConfig.from_settings(settings).prefix)
        return cls(get_redis_from_settings(settings), keys, settings.getint("ECWATCH_MAX_PAGES_PER_SITE"),
                   debug=settings.getbool("DUPEFILTER_DEBUG"))

    def admit(self, request: Any) -> int:
        """``NEW`` (counted), ``SEEN`` (scheduled before, by any worker) or ``SITE_FULL``."""
        site = registrable_domain(request.url) if "depth" in request.meta else ""
        verdict = int(self._admit(keys=[self.keys.seen, self.keys.pages],
                                  args=[self.request_fingerprint(request), site, self.max_pages_per_site]))
        if verdict == SITE_FULL:
            self.limit_reached += 1
        return verdict

    def request_seen(self, request: Any) -> bool:
        return self.admit(request) != NEW

    def close(self, reason: str = "") -> None:
        """Keep the fingerprints: the run goes on in the other workers (scrapy-redis would delete them)."""
