"""The ecwatch settings of a crawl, parsed and checked once."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from storage.config import StorageConfig

from .netpolicy import PrivateTargets, PrivateTargetsError, parse_host_map, parse_private_targets
from .rendermode import RenderModeError, RenderPolicy, parse_render_mode, parse_render_sites

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def default_judge_workers() -> int:
    return max(1, os.cpu_count() or 1)


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class BrowserConfig:
    """How and when pages are opened in the browser (docs/rendering.md)."""

    render: RenderPolicy
    evidence: bool  # screenshot, DOM and WARC for snapshots with findings
    pages: int  # open pages at once (PLAYWRIGHT_MAX_PAGES_PER_CONTEXT)
    navigation_timeout: float  # seconds, each page.goto / navigation
    settle_timeout: float  # seconds to wait for the network to go quiet after load
    redirect_wait: float  # seconds an ad landing page must stay put to count as landed
    screenshot_max_height: int  # pixels; taller pages are cut there

    @property
    def wanted(self) -> bool:
        """Whether this crawl may open a page in a browser at all."""
        return self.render.may_render() or self.evidence

    def usable_with(self, chromium_found: bool) -> bool:
        return chromium_found and self.wanted

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> BrowserConfig:
        try:
            render = RenderPolicy(parse_render_mode(settings.get("ECWATCH_RENDER", "auto"), "ECWATCH_RENDER"),
                                  parse_render_sites(settings.get("ECWATCH_RENDER_SITES")))
        except RenderModeError as exc:
            raise ConfigError(str(exc)) from None
        return cls(
            render=render,
            evidence=settings.getbool("ECWATCH_EVIDENCE", True),
            pages=_positive(settings, "ECWATCH_BROWSER_PAGES", 4, int),
            navigation_timeout=_positive(settings, "ECWATCH_NAVIGATION_TIMEOUT", 20.0, float),
            settle_timeout=_positive(settings, "ECWATCH_SETTLE_TIMEOUT", 3.0, float),
            redirect_wait=_positive(settings, "ECWATCH_REDIRECT_WAIT", 1.0, float),
            screenshot_max_height=_positive(settings, "ECWATCH_SCREENSHOT_MAX_HEIGHT", 16384, int),
        )


@dataclass(frozen=True)
class EcwatchConfig:
    storage: StorageConfig
    portal_url: str
    resolve_badges: bool
    detect_on: date | None
    max_pages_per_site: int
    depth_limit: int  # links followed from each seed (0: no limit); Scrapy's DEPTH_LIMIT setting
    host_map: dict[str, str]
    private_targets: PrivateTargets  # ECWATCH_ALLOW_PRIVATE_TARGETS
    browser: BrowserConfig
    progress_interval: float  # seconds between progress lines on stderr; 0: none
    judge_workers: int  # processes judging pages; 0: judge on the crawl's own thread
    judge_budget: float  # seconds a page may take to judge; 0: no limit
    judge_max_bytes: int  # larger pages are stored but not judged
    write_batch: int  # snapshots per database transaction
    write_patience: float  # seconds a refused write is tried again before the crawl stops
    backoff_max_delay: float  # seconds: the most an overloaded site's requests are spaced out
    portal_max_lookups: int  # portal record pages fetched per crawl at most
    max_page_bytes: int  # a longer response is read this far, stored and marked truncated

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> EcwatchConfig:
        data_dir = Path(settings.get("ECWATCH_DATA_DIR") or "var").expanduser().resolve()
        url = settings.get("ECWATCH_DATABASE_URL") or f"sqlite:///{data_dir / 'ecwatch.db'}"
        return cls(
            storage=StorageConfig(data_dir=data_dir, database_url=url),
            portal_url=str(settings.get("ECWATCH_PORTAL_URL") or "https://online.gov.vn").rstrip("/"),
            resolve_badges=settings.getbool("ECWATCH_RESOLVE_BADGES", True),
            detect_on=_parse_date(settings.get("ECWATCH_DETECT_ON")),
            max_pages_per_site=_positive(settings, "ECWATCH_MAX_PAGES_PER_SITE", 200, int),
            depth_limit=_non_negative_int(settings, "DEPTH_LIMIT", 4),
            progress_interval=_non_negative(settings, "ECWATCH_PROGRESS_INTERVAL", 5.0),
            judge_workers=_non_negative_int(settings, "ECWATCH_JUDGE_WORKERS", default_judge_workers()),
            judge_budget=_non_negative(settings, "ECWATCH_JUDGE_BUDGET", 20.0),
            judge_max_bytes=_positive(settings, "ECWATCH_JUDGE_MAX_BYTES", 8 * 1024 * 1024, int),
            write_batch=_positive(settings, "ECWATCH_WRITE_BATCH", 100, int),
            write_patience=_non_negative(settings, "ECWATCH_WRITE_PATIENCE", 120.0),
            backoff_max_delay=_non_negative(settings, "ECWATCH_BACKOFF_MAX_DELAY", 120.0),
            portal_max_lookups=_non_negative_int(settings, "ECWATCH_PORTAL_MAX_LOOKUPS", 200),
            max_page_bytes=_positive(settings, "ECWATCH_MAX_PAGE_BYTES", 16 * 1024 * 1024, int),
            host_map=parse_host_map(settings.get("ECWATCH_HOST_MAP")),
            private_targets=_private_targets(settings.get("ECWATCH_ALLOW_PRIVATE_TARGETS")),
            browser=BrowserConfig.from_settings(settings),
        )

    def judged_on(self) -> date:
        return self.detect_on or datetime.now(VIETNAM).date()


def _private_targets(value: object) -> PrivateTargets:
    try:
        return parse_private_targets(value)
    except PrivateTargetsError as exc:
        raise ConfigError(str(exc)) from None


def _parse_date(value: object) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise ConfigError(f"ECWATCH_DETECT_ON must be YYYY-MM-DD, got {value!r}") from exc


def _non_negative(settings: BaseSettings, name: str, default: float) -> float:
    value = settings.get(name, default)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number of seconds (0 or more), got {value!r}") from None
    if number < 0:
        raise ConfigError(f"{name} must be a number of seconds (0 or more), got {value!r}")
    return number


def _non_negative_int(settings: BaseSettings, name: str, default: int) -> int:
    value = settings.get(name, default)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a whole number (0 or more), got {value!r}") from None
    if number < 0:
        raise ConfigError(f"{name} must be a whole number (0 or more), got {value!r}")
    return number


def _positive(settings: BaseSettings, name: str, default: float, kind: type[float] | type[int]) -> Any:
    value = settings.get(name, default)
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a positive number, got {value!r}") from None
    if number <= 0:
        raise ConfigError(f"{name} must be a positive number, got {value!r}")
    return number
