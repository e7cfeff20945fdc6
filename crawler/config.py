"""The ecwatch settings of a crawl, parsed and checked once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from storage.config import StorageConfig

from .netpolicy import parse_host_map
from .rendermode import RenderModeError, RenderPolicy, parse_render_mode, parse_render_sites

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


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
    host_map: dict[str, str]
    allow_private_targets: bool
    browser: BrowserConfig
    progress_interval: float  # seconds between progress lines on stderr; 0: none

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
            progress_interval=_non_negative(settings, "ECWATCH_PROGRESS_INTERVAL", 5.0),
            host_map=parse_host_map(settings.get("ECWATCH_HOST_MAP")),
            allow_private_targets=settings.getbool("ECWATCH_ALLOW_PRIVATE_TARGETS", False),
            browser=BrowserConfig.from_settings(settings),
        )

    def judged_on(self) -> date:
        return self.detect_on or datetime.now(VIETNAM).date()


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


def _positive(settings: BaseSettings, name: str, default: float, kind: type[float] | type[int]) -> Any:
    value = settings.get(name, default)
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a positive number, got {value!r}") from None
    if number <= 0:
        raise ConfigError(f"{name} must be a positive number, got {value!r}")
    return number
