"""The ecwatch settings of a crawl, parsed and checked once.

``checked_overrides`` checks ``-s NAME=VALUE`` before a crawl starts: an unknown name gets the
closest known one ("did you mean"), and a value is converted to the type of the setting it
overrides (a yes/no, a number), so a typo is one line instead of a silent default or a traceback
from deep inside Scrapy. ``check_environment`` does the same for the environment variables
that feed settings.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Iterable, Mapping
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
    """A setting or environment variable with a bad name or value; the message is one line naming it."""


TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")
# Settings some components read without a project default (scrapy-playwright's, set by crawler.browser).
OPEN_PREFIXES = ("PLAYWRIGHT_",)
# Settings read with a default computed at run time, so crawler/settings.py cannot give them a value.
COMPUTED_DEFAULTS = ("ECWATCH_JUDGE_WORKERS",)
# Environment variables people pass to -s by mistake: the setting each one feeds.
ENVIRONMENT_NAMES = {"ECWATCH_OBEY_ROBOTS": "ROBOTSTXT_OBEY", "ECWATCH_LOG_LEVEL": "LOG_LEVEL"}
ENVIRONMENT_BOOLS = ("ECWATCH_OBEY_ROBOTS", "ECWATCH_EVIDENCE")
LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


def parse_bool(value: object, name: str) -> bool:
    """A yes/no value as people write it; anything else is a ``ConfigError`` naming ``name``."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ConfigError(f"{name}: {value!r} is not a yes/no value; use 1/0, true/false, yes/no or on/off")


def check_setting_name(name: str, known: Iterable[str]) -> None:
    if name.startswith(OPEN_PREFIXES) or name in known:
        return
    if name in ENVIRONMENT_NAMES:
        raise ConfigError(f"-s {name}: that is an environment variable; the setting is {ENVIRONMENT_NAMES[name]}")
    close = difflib.get_close_matches(name.upper(), sorted(known), n=1, cutoff=0.75)
    hint = f"did you mean {close[0]}?" if close else "see 'Crawler settings' in the README (any Scrapy setting works)"
    raise ConfigError(f"-s {name}: unknown setting; {hint}")


def known_settings(settings: BaseSettings) -> set[str]:
    """Every setting name ``-s`` takes: Scrapy's, the project's, and those with a computed default."""
    return set(settings) | set(COMPUTED_DEFAULTS)


def checked_overrides(overrides: Mapping[str, Any], settings: BaseSettings) -> dict[str, Any]:
    """``overrides`` with known names only, each value converted to the type of the setting's current
    value: bools from 1/0, true/false, yes/no, on/off; numbers from digits. Strings pass as given."""
    known = known_settings(settings)
    checked = {}
    for name, value in overrides.items():
        check_setting_name(name, known)
        checked[name] = _like(settings.get(name), value, name)
    if "LOG_LEVEL" in checked:
        checked["LOG_LEVEL"] = _log_level(checked["LOG_LEVEL"], "-s LOG_LEVEL")
    return checked


def _like(current: object, value: object, name: str) -> object:
    if isinstance(current, bool):
        return parse_bool(value, f"-s {name}")
    if isinstance(current, (int, float)) and not isinstance(value, (int, float)):
        try:
            number = float(str(value).strip())
        except ValueError:
            raise ConfigError(f"-s {name}: {value!r} is not a number") from None
        return int(number) if isinstance(current, int) and number.is_integer() else number
    return value


def check_environment(environ: Mapping[str, str]) -> None:
    """The environment variables that feed yes/no settings and the log level hold valid values."""
    for name in ENVIRONMENT_BOOLS:
        if environ.get(name):
            parse_bool(environ[name], name)
    if environ.get("ECWATCH_LOG_LEVEL"):
        _log_level(environ["ECWATCH_LOG_LEVEL"], "ECWATCH_LOG_LEVEL")


def _log_level(value: object, name: str) -> str:
    level = str(value).strip().upper()
    if level not in LOG_LEVELS:
        raise ConfigError(f"{name}: {value!r} is not a log level; use one of {', '.join(LOG_LEVELS)}")
    return level


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
            evidence=parse_bool(settings.get("ECWATCH_EVIDENCE", True), "ECWATCH_EVIDENCE"),
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
        return cls(
            storage=StorageConfig.from_values(settings.get("ECWATCH_DATA_DIR"), settings.get("ECWATCH_DATABASE_URL")),
            portal_url=str(settings.get("ECWATCH_PORTAL_URL") or "https://online.gov.vn").rstrip("/"),
            resolve_badges=parse_bool(settings.get("ECWATCH_RESOLVE_BADGES", True), "ECWATCH_RESOLVE_BADGES"),
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
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a whole number (0 or more), got {value!r}") from None
    if number < 0 or not number.is_integer():
        raise ConfigError(f"{name} must be a whole number (0 or more), got {value!r}")
    return int(number)


def _positive(settings: BaseSettings, name: str, default: float, kind: type[float] | type[int]) -> Any:
    value = settings.get(name, default)
    problem = f"{name} must be a positive number, got {value!r}" + (" (whole numbers only)" if kind is int else "")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(problem) from None
    if number <= 0 or (kind is int and not number.is_integer()):
        raise ConfigError(problem)
    return kind(number)
