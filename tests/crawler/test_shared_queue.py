"""The shared run's queue on the real Redis: leases put back when they expire (at their old priority), and kept
while renewed; a page's lease acknowledged only once it is stored and its links scheduled; one politeness turn
per site for all workers."""

from __future__ import annotations

import uuid
from typing import Iterator

import pytest
import redis
from scrapy import Request
from scrapy_redis.queue import PriorityQueue

from crawler.distributed.dupefilter import NEW, SEEN, SITE_FULL, SiteLimitDupeFilter
from crawler.distributed.keys import RunKeys
from crawler.distributed.leases import READ, STORED, Leases
from crawler.distributed.politeness import SiteTurns
from crawler.distributed.spider import SharedStorefrontSpider

from ..services import redis_url_or_skip

pytestmark = pytest.mark.redis


@pytest.fixture
def keys() -> Iterator[RunKeys]:
    server = redis.Redis.from_url(redis_url_or_skip())
    keys = RunKeys("unit", prefix=f"ecwatch-test-{uuid.uuid4().hex[:10]}")
    yield keys
    for key in list(server.scan_iter(f"{keys.prefix}:*")):
        server.delete(key)


@pytest.fixture
def server() -> redis.Redis:
    return redis.Redis.from_url(redis_url_or_skip())


def _queue(server: redis.Redis, keys: RunKeys) -> PriorityQueue:
    return PriorityQueue(server, SharedStorefrontSpider(), keys.requests)


def _expire_all(server: redis.Redis, keys: RunKeys) -> None:
    """As if the lease time had passed (without waiting for it)."""
    for lease in server.zrange(keys.lease_expiry, 0, -1):
        server.zadd(keys.lease_expiry, {lease: 0})


def test_an_expired_lease_goes_back_to_the_queue_at_its_priority(server: redis.Redis, keys: RunKeys) -> None:
    queue, leases = _queue(server, keys), Leases(server, keys, seconds=60)
    queue.push(Request("https://shop.vn/a", priority=-100))
    queue.push(Request("https://shop.vn/b", priority=10))
    lease, data = leases.take()  # type: ignore[misc]
    assert b"shop.vn/b" in data and len(queue) == 1 and leases.in_flight() == 1
    assert leases.reap() == 0  # not expired: stays leased
    _expire_all(server, keys)
    assert leases.reap() == 1 and leases.in_flight() == 0 and len(queue) == 2
    _again, data = leases.take()  # type: ignore[misc]
    assert b"shop.vn/b" in data  # first again: its priority came back with it


def test_a_renewed_lease_is_kept_and_an_acknowledged_one_is_not_renewed_back(server: redis.Redis,
                                                                            keys: RunKeys) -> None:
    queue, leases = _queue(server, keys), Leases(server, keys, seconds=60)
    queue.push(Request("https://shop.vn/a"))
    lease, _data = leases.take()  # type: ignore[misc]
    _expire_all(server, keys)
    assert leases.renew_held() == 1 and leases.reap() == 0  # the worker is alive and renews: not reaped
    leases.release(lease)
    assert leases.renew([lease]) == 0 and leases.in_flight() == 0


def test_a_page_lease_waits_for_its_page_stored_and_its_links_scheduled(server: redis.Redis, keys: RunKeys) -> None:
    queue, leases = _queue(server, keys), Leases(server, keys, seconds=60)
    queue.push(Request("https://shop.vn/a"))
    lease, _data = leases.take()  # type: ignore[misc]
    leases.child_yielded(lease)
    leases.child_yielded(lease)
    leases.settle(lease, STORED)
    leases.output_read(lease)
    leases.child_scheduled(lease)
    assert leases.in_flight() == 1  # one link it found is not in the queue yet
    leases.child_scheduled(lease)
    assert leases.in_flight() == 0 and leases.held == []
    leases.settle(lease, READ)  # late news of a lease already acknowledged changes nothing
    assert leases.lost == 0


def test_the_page_limit_is_counted_once_per_page_over_all_dupefilters(server: redis.Redis, keys: RunKeys) -> None:
    first, second = SiteLimitDupeFilter(server, keys, 2), SiteLimitDupeFilter(server, keys, 2)  # two workers
    page = lambda path: Request(f"https://shop.vn{path}", meta={"depth": 1})  # noqa: E731
    assert first.admit(page("/1")) == NEW
    assert second.admit(page("/1")) == SEEN
    assert second.admit(page("/2")) == NEW
    assert first.admit(page("/3")) == SITE_FULL and second.admit(page("/4")) == SITE_FULL
    assert first.admit(Request("https://other.vn/1", meta={"depth": 1})) == NEW  # another site, its own count
    assert first.admit(Request("https://online.gov.vn/x")) == NEW  # not a frontier page: not counted


def test_workers_take_turns_on_a_site(server: redis.Redis, keys: RunKeys) -> None:
    first, second = SiteTurns(server, keys, delay=30.0), SiteTurns(server, keys, delay=30.0)
    assert first.wait_for("shop.vn") == 0.0
    assert 29.0 < second.wait_for("shop.vn") <= 30.0  # the other worker's turn comes a delay later
    assert 59.0 < first.wait_for("shop.vn") <= 60.0
    assert first.wait_for("other.vn") == 0.0
