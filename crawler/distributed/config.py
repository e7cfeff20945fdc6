"""The shared mode's settings, read once (``ECWATCH_REDIS_URL``, ``ECWATCH_REDIS_PREFIX``,
``ECWATCH_LEASE_SECONDS``, ``ECWATCH_SITE_DELAY``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..config import ConfigError


@dataclass(frozen=True)
class SharedConfig:
    redis_url: str
    prefix: str
    lease_seconds: float
    site_delay: float

    @classmethod
    def from_settings(cls, settings: Any) -> SharedConfig:
        return cls(redis_url=str(settings.get("ECWATCH_REDIS_URL") or "redis://127.0.0.1:6379/0"),
                   prefix=str(settings.get("ECWATCH_REDIS_PREFIX") or "ecwatch"),
                   lease_seconds=_seconds(settings, "ECWATCH_LEASE_SECONDS", minimum=1.0),
                   site_delay=_seconds(settings, "ECWATCH_SITE_DELAY", minimum=0.0))


def _seconds(settings: Any, name: str, minimum: float) -> float:
    raw = settings.get(name)
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number of seconds, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum:g} seconds, got {raw!r}")
    return value
