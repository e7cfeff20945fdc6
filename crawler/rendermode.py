"""Which pages a crawl renders in the browser: ``always``, ``never`` or ``auto`` per site.

``auto`` (the default) fetches every page over plain HTTP first and renders it only when the
detectors say a browser may show more (``detectors.needs_rendering``): about 150 plain pages a
second against about 4 rendered ones on one machine, so the browser is kept for the pages that
need it. Pure: no Scrapy, no Playwright, so the parsing is testable with tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Mapping
from urllib.parse import urlsplit

from detectors import registrable_domain

from .pairs import split_pairs


class RenderMode(str, Enum):
    ALWAYS = "always"
    """Every page of the site is fetched with the browser."""
    NEVER = "never"
    """No page of the site is ever opened in the browser, evidence captures included."""
    AUTO = "auto"
    """Plain HTTP first; the browser only where the detectors ask for it."""


class RenderModeError(ValueError):
    """A bad render mode in a setting or a seed file; the message names where."""


def parse_render_mode(value: object, where: str) -> RenderMode:
    text = str(value or "").strip().lower()
    try:
        return RenderMode(text)
    except ValueError:
        choices = ", ".join(mode.value for mode in RenderMode)
        raise RenderModeError(f"{where}: {value!r} is not a render mode ({choices})") from None


def parse_render_sites(value: str | Mapping[str, str] | None,
                       where: str = "ECWATCH_RENDER_SITES") -> dict[str, RenderMode]:
    """``"shop.vn=always,other.vn=never"`` (or a dict) -> ``{site: mode}``."""
    if not value:
        return {}
    if isinstance(value, Mapping):
        pairs = list(value.items())
    else:
        pairs = split_pairs(value, f"{where}: entry", "SITE=MODE", RenderModeError)
    result: dict[str, RenderMode] = {}
    for site, mode in pairs:
        key = _site_key(site)
        if not key:
            raise RenderModeError(f"{where}: empty site name in {site}={mode}")
        result[key] = parse_render_mode(mode, f"{where} {key}")
    return result


def _site_key(site_or_url: str) -> str:
    text = site_or_url.strip().lower()
    host = urlsplit(text).hostname if "://" in text else text.split("/")[0].split(":")[0]
    return (host or "").removeprefix("www.")


@dataclass(frozen=True)
class RenderPolicy:
    default: RenderMode = RenderMode.AUTO
    sites: Mapping[str, RenderMode] = field(default_factory=dict)

    def mode_for(self, url: str) -> RenderMode:
        """The mode of the exact host if one is given, else of its registrable domain, else the default."""
        host = _site_key(url)
        if host in self.sites:
            return self.sites[host]
        return self.sites.get(registrable_domain(host), self.default) if host else self.default

    def with_sites(self, extra: Mapping[str, RenderMode]) -> RenderPolicy:
        """``extra`` (seed-file modes) under this policy's own per-site modes, which win."""
        if not extra:
            return self
        return RenderPolicy(self.default, {**extra, **self.sites})

    def may_render(self) -> bool:
        return self.default is not RenderMode.NEVER or any(m is not RenderMode.NEVER for m in self.sites.values())
