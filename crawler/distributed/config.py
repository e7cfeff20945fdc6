"""The shared mode's settings, read once (``ECWATCH_REDIS_URL``, ``ECWATCH_REDIS_PREFIX``,
``ECWATCH_LEASE_SECONDS``, ``ECWATCH_SITE_DELAY``)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from ..config import ConfigError
from .keys import DEFAULT_PREFIX

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


@dataclass(frozen=True)
class SharedConfig:
    redis_url: str
    prefix: str
    lease_seconds: float
    site_delay: float

    @classmethod
    def from_settings(cls, settings: Any) -> SharedConfig:
        return cls(redis_url=_setting_or_env(settings, "ECWATCH_REDIS_URL", DEFAULT_REDIS_URL),
                   prefix=_setting_or_env(settings, "ECWATCH_REDIS_PREFIX", DEFAULT_PREFIX),
                   lease_seconds=_seconds(settings, "ECWATCH_LEASE_SECONDS", minimum=1.0),
                   site_delay=_seconds(settings, "ECWATCH_SITE_DELAY", minimum=0.0))


def _setting_or_env(settings: Any, name: str, default: str) -> str:
    """``-s NAME`` if given, else the environment variable (read now, not when the settings were imported)."""
    return str(settings.get(name) or os.environ.get(name) or default)


def _seconds(settings: Any, name: str, minimum: float) -> float:
    raw = settings.get(name)
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number of seconds, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum:g} seconds, got {raw!r}")
    return value
