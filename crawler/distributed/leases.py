"""scrapy-redis's priority queue, with leases: a popped request stays in Redis until it is acknowledged.

``pop`` moves the request, in one Lua script, from the queue into the run's leases with an expiry (Redis's own
clock, the same for every machine) and puts the lease id in ``request.meta``. The worker acknowledges it once the
page is stored (or its failure counted) and renews the leases it holds while it works on them. ``reap``, run by
any worker now and then, puts every expired lease back into the queue at its old priority: a worker killed with
SIGKILL loses no URL, it only delays it by a lease.
"""

from __future__ import annotations

import threading
from typing import Any, Iterable

from scrapy_redis.queue import PriorityQueue

from .config import SharedConfig
from .keys import RunKeys

LEASE_META = "ecwatch_lease"
# A page's lease is acknowledged once both are done: its snapshot is stored (or dropped on purpose), and the
# spider's output for it has been read and every request in it scheduled (the links it found are in the queue).
STORED, READ = "stored", "read"
PARENT_META = "ecwatch_parent_lease"  # on a request the spider yielded, until the scheduler has it

_NOW = "local t = redis.call('TIME') local now = tonumber(t[1]) + tonumber(t[2]) / 1000000 "

POP = _NOW + """
local item = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #item == 0 then return false end
redis.call('ZREM', KEYS[1], item[1])
local id = redis.call('INCR', KEYS[5])
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[1]), id)
redis.call('HSET', KEYS[3], id, item[1])
redis.call('HSET', KEYS[4], id, item[2])
return {id, item[1]}
"""

REAP = _NOW + """
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
for _, id in ipairs(ids) do
  local data = redis.call('HGET', KEYS[3], id)
  if data then redis.call('ZADD', KEYS[1], redis.call('HGET', KEYS[4], id), data) end
  redis.call('ZREM', KEYS[2], id)
  redis.call('HDEL', KEYS[3], id)
  redis.call('HDEL', KEYS[4], id)
end
return #ids
"""

RENEW = _NOW + """
local renewed = 0
for i = 2, #ARGV do
  renewed = renewed + redis.call('ZADD', KEYS[1], 'XX', 'CH', now + tonumber(ARGV[1]), ARGV[i])
end
return renewed
"""

ACK = """
local acked = redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
return acked
"""


class Leases:
    """The leases of one run: take, renew, acknowledge, reap; and those this worker holds."""

    def __init__(self, server: Any, keys: RunKeys, seconds: float) -> None:
        self.server = server
        self.keys = keys
        self.seconds = seconds
        self._pop = server.register_script(POP)
        self._reap = server.register_script(REAP)
        self._renew = server.register_script(RENEW)
        self._ack = server.register_script(ACK)
        self._held: dict[int, set[str]] = {}  # lease -> parts done (STORED, READ)
        self._unscheduled: dict[int, int] = {}  # lease -> requests its page yielded that are not scheduled yet
        self._read: set[int] = set()  # leases whose page's output has been read to its end
        self._lock = threading.Lock()  # the writer's thread settles leases too
        self.lost = 0  # leases that had expired when acknowledged: their page was (or will be) fetched again

    def take(self) -> tuple[int, bytes] | None:
        k = self.keys
        taken = self._pop(keys=[k.requests, k.lease_expiry, k.lease_data, k.lease_score, k.lease_ids],
                          args=[self.seconds])
        if not taken:
            return None
        with self._lock:
            self._held[int(taken[0])] = set()
        return int(taken[0]), taken[1]

    @property
    def held(self) -> list[int]:
        with self._lock:
            return list(self._held)

    def settle(self, lease: int, part: str) -> None:
        """``part`` of the work on a leased request is done; acknowledged once all is."""
        with self._lock:
            parts = self._held.get(lease)
            if parts is None:
                return
            parts.add(part)
            if parts != {STORED, READ}:
                return
            del self._held[lease]
        self._acknowledge(lease)

    def child_yielded(self, lease: int) -> None:
        with self._lock:
            self._unscheduled[lease] = self._unscheduled.get(lease, 0) + 1

    def child_scheduled(self, lease: int) -> None:
        with self._lock:
            if lease not in self._unscheduled:  # released meanwhile (its request failed)
                return
            left = self._unscheduled[lease] - 1
            self._unscheduled[lease] = left
            done = left <= 0 and lease in self._read
        if done:
            self._output_done(lease)

    def output_read(self, lease: int) -> None:
        with self._lock:
            self._read.add(lease)
            done = self._unscheduled.get(lease, 0) <= 0
        if done:
            self._output_done(lease)

    def _output_done(self, lease: int) -> None:
        with self._lock:
            self._read.discard(lease)
            self._unscheduled.pop(lease, None)
        self.settle(lease, READ)

    def release(self, lease: int) -> None:
        """The request failed (its failure counted) or was dropped: acknowledged now."""
        with self._lock:
            self._unscheduled.pop(lease, None)
            self._read.discard(lease)
            if self._held.pop(lease, None) is None:
                return
        self._acknowledge(lease)

    def renew_held(self) -> int:
        return self.renew(self.held)

    def _acknowledge(self, lease: int) -> None:
        if not self.acknowledge(lease):
            self.lost += 1

    def acknowledge(self, lease: int) -> bool:
        """False when the lease had expired already (and its request went back to the queue)."""
        k = self.keys
        return bool(self._ack(keys=[k.lease_expiry, k.lease_data, k.lease_score], args=[lease]))

    def renew(self, leases: Iterable[int]) -> int:
        ids = list(leases)
        return int(self._renew(keys=[self.keys.lease_expiry], args=[self.seconds, *ids])) if ids else 0

    def reap(self) -> int:
        """Put every expired lease back into the queue; how many."""
        k = self.keys
        return int(self._reap(keys=[k.requests, k.lease_expiry, k.lease_data, k.lease_score]))

    def in_flight(self) -> int:
        return int(self.server.zcard(self.keys.lease_expiry))


class LeasedPriorityQueue(PriorityQueue):
    """``SCHEDULER_QUEUE_CLASS`` of a worker: scrapy-redis's priority queue whose ``pop`` leases
    (``ECWATCH_RUN_NAME``, ``ECWATCH_LEASE_SECONDS``)."""

    def __init__(self, server: Any, spider: Any, key: str, serializer: Any = None) -> None:
        super().__init__(server, spider, key, serializer)
        settings = spider.settings
        self.leases = Leases(server, RunKeys(settings["ECWATCH_RUN_NAME"], SharedConfig.from_settings(settings).prefix),
                             settings.getfloat("ECWATCH_LEASE_SECONDS"))

    def pop(self, timeout: int = 0) -> Any:
        taken = self.leases.take()
        if taken is None:
            return None
        lease, data = taken
        request = self._decode_request(data)
        request.meta[LEASE_META] = lease
        return request
