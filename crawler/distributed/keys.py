"""The Redis keys of one shared run, all under ``<prefix>:run:<name>:``."""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_PREFIX = "ecwatch"
RUN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


class RunNameError(ValueError):
    """A run name that cannot be a key: the message says what is accepted."""


def check_run_name(name: str) -> str:
    if not RUN_NAME.match(name):
        raise RunNameError(f"--run {name!r}: use letters, digits, '.', '_' and '-' (at most 100), starting with a "
                           "letter or digit")
    return name


@dataclass(frozen=True)
class RunKeys:
    name: str
    prefix: str = DEFAULT_PREFIX

    def _key(self, part: str) -> str:
        return f"{self.prefix}:run:{self.name}:{part}"

    @property
    def runs(self) -> str:
        """The set of runs on this Redis (``ecwatch worker`` without ``--run`` picks the one open there)."""
        return f"{self.prefix}:runs"

    @property
    def meta(self) -> str:  # hash: run id, spider, settings, render modes
        return self._key("meta")

    @property
    def sites(self) -> str:  # set: the registrable domains its seeds name (the sites it may crawl)
        return self._key("sites")

    @property
    def requests(self) -> str:  # scrapy-redis's priority queue (a sorted set)
        return self._key("requests")

    @property
    def seen(self) -> str:  # scrapy-redis's dupefilter (a set of request fingerprints)
        return self._key("seen")

    @property
    def pages(self) -> str:  # hash: site -> pages scheduled
        return self._key("pages")

    @property
    def lease_expiry(self) -> str:  # sorted set: lease id -> when it expires (Redis time)
        return self._key("leases:expiry")

    @property
    def lease_data(self) -> str:  # hash: lease id -> the encoded request
        return self._key("leases:data")

    @property
    def lease_score(self) -> str:  # hash: lease id -> its score in the queue, to put it back where it was
        return self._key("leases:score")

    @property
    def lease_ids(self) -> str:
        return self._key("leases:seq")

    @property
    def finisher(self) -> str:  # set once, by the worker that records the run's end
        return self._key("finished")

    def next_fetch(self, site: str) -> str:  # the next time a request to ``site`` may start (politeness)
        return self._key(f"next:{site}")
