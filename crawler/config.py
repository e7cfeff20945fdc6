"""The ecwatch settings of a crawl, parsed and checked once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from storage.config import StorageConfig

from .netpolicy import parse_host_map

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class EcwatchConfig:
    storage: StorageConfig
    portal_url: str
    resolve_badges: bool
    detect_on: date | None
    run_id: int | None
    run_trigger: str
    max_pages_per_site: int
    host_map: dict[str, str]

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> EcwatchConfig:
        data_dir = Path(settings.get("ECWATCH_DATA_DIR") or "var").expanduser().resolve()
        url = settings.get("ECWATCH_DATABASE_URL") or f"sqlite:///{data_dir / 'ecwatch.db'}"
        return cls(
            storage=StorageConfig(data_dir=data_dir, database_url=url),
            portal_url=str(settings.get("ECWATCH_PORTAL_URL") or "https://online.gov.vn").rstrip("/"),
            resolve_badges=settings.getbool("ECWATCH_RESOLVE_BADGES", True),
            detect_on=_parse_date(settings.get("ECWATCH_DETECT_ON")),
            run_id=_parse_int("ECWATCH_RUN_ID", settings.get("ECWATCH_RUN_ID")),
            run_trigger=str(settings.get("ECWATCH_RUN_TRIGGER") or "adhoc"),
            max_pages_per_site=settings.getint("ECWATCH_MAX_PAGES_PER_SITE", 200),
            host_map=parse_host_map(settings.get("ECWATCH_HOST_MAP")),
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


def _parse_int(name: str, value: object) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(str(value))
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {value!r}") from exc
