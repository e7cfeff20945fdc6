"""A shared run in Redis: its meta (database run id, spider, settings, seeds' render modes), the sites it may
crawl, and its state: requests queued, requests in flight (leased), done (neither).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterable

import redis

from .keys import RunKeys


class RedisUnavailable(RuntimeError):
    """The Redis server named by ECWATCH_REDIS_URL cannot be reached; one line."""


class RunNotFound(ValueError):
    """No such shared run on this Redis (or a choice to make among several); one line."""


def connect(url: str) -> Any:
    """A client for ``url``, checked with a PING so a wrong URL is one line, not a traceback later."""
    try:
        server = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=30, retry_on_timeout=True)
        server.ping()
    except ValueError as exc:
        raise RedisUnavailable(f"ECWATCH_REDIS_URL {url!r}: {exc}") from None
    except redis.RedisError as exc:
        raise RedisUnavailable(f"cannot reach Redis at {url} (ECWATCH_REDIS_URL): {exc}") from None
    return server


@dataclass(frozen=True)
class RunState:
    queued: int
    in_flight: int

    @property
    def done(self) -> bool:
        return self.queued == 0 and self.in_flight == 0


class SharedRun:
    def __init__(self, server: Any, keys: RunKeys) -> None:
        self.server = server
        self.keys = keys

    @property
    def name(self) -> str:
        return self.keys.name

    def exists(self) -> bool:
        return bool(self.server.exists(self.keys.meta))

    def create(self, *, run_id: int, spider: str, settings: dict[str, Any], render: dict[str, str]) -> None:
        self.server.hset(self.keys.meta, mapping={"run_id": run_id, "spider": spider, "settings": json.dumps(settings),
                                                  "render": json.dumps(render), "status": "open"})
        self.server.sadd(self.keys.runs, self.name)

    def meta(self) -> dict[str, Any]:
        raw = {k.decode(): v.decode() for k, v in self.server.hgetall(self.keys.meta).items()}
        if not raw:
            raise RunNotFound(f"no shared run {self.name!r} on this Redis (start one with 'ecwatch enqueue')")
        return {"run_id": int(raw["run_id"]), "spider": raw["spider"], "settings": json.loads(raw["settings"]),
                "render": json.loads(raw["render"]), "status": raw.get("status", "open")}

    def add_sites(self, sites: Iterable[str]) -> None:
        sites = list(sites)
        if sites:
            self.server.sadd(self.keys.sites, *sites)

    def has_site(self, site: str) -> bool:
        return bool(self.server.sismember(self.keys.sites, site))

    def state(self) -> RunState:
        pipe = self.server.pipeline()
        pipe.zcard(self.keys.requests).zcard(self.keys.lease_expiry)
        queued, in_flight = pipe.execute()
        return RunState(int(queued), int(in_flight))

    def claim_finish(self) -> bool:
        """True for exactly one caller: the worker that records the run's end."""
        return bool(self.server.set(self.keys.finisher, "1", nx=True))

    def close(self) -> None:
        """The run is over: its queue, fingerprints and counters go; its meta stays (a name is used once)."""
        k = self.keys
        self.server.hset(k.meta, "status", "finished")
        self.server.delete(k.requests, k.seen, k.pages, k.lease_expiry, k.lease_data, k.lease_score, k.sites)
        self.server.srem(k.runs, self.name)


def open_runs(server: Any, prefix: str, spider: str) -> list[str]:
    """The names of the open shared runs of ``spider`` on this Redis."""
    names = sorted(name.decode() for name in server.smembers(RunKeys("_", prefix).runs))
    return [name for name in names if SharedRun(server, RunKeys(name, prefix)).meta()["spider"] == spider]
