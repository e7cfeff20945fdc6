"""Outbound safety: never fetch private, loopback or link-local addresses unless allowed.

The check runs on every request after DNS resolution (so a public name that resolves to
10.0.0.1 is refused), on every redirect hop (redirects re-enter the downloader
middlewares), and again on the address a response actually came from.

``ECWATCH_HOST_MAP`` maps host names to addresses for Scrapy's resolver and for Chromium,
so the bundled demo shops can carry realistic host names while being served on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from typing import TYPE_CHECKING, Any, Mapping, Sequence
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest
from scrapy.resolver import CachingThreadedResolver
from twisted.internet import defer

from .pairs import split_pairs

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.internet.base import ReactorBase

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class HostMapError(ValueError):
    pass


def parse_host_map(value: str | Mapping[str, str] | None) -> dict[str, str]:
    """``"shop.vn=127.0.0.1,portal.vn=127.0.0.1"`` (or a dict) -> ``{host: ip}``."""
    if not value:
        return {}
    if isinstance(value, Mapping):
        pairs = list(value.items())
    else:
        pairs = split_pairs(value, "ECWATCH_HOST_MAP entry", "HOST=IP", HostMapError)
    result = {}
    for host, address in pairs:
        try:
            ipaddress.ip_address(address.strip())
        except ValueError as exc:
            raise HostMapError(f"ECWATCH_HOST_MAP: {address.strip()!r} for {host.strip()!r} is not an IP address") from exc
        result[host.strip().lower()] = address.strip()
    return result


def format_host_map(host_map: Mapping[str, str]) -> str:
    return ",".join(f"{host}={ip}" for host, ip in sorted(host_map.items()))


def is_forbidden_address(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


class HostMapResolver(CachingThreadedResolver):
    """Scrapy's caching resolver, answering mapped host names without asking DNS."""

    host_map: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: ReactorBase) -> HostMapResolver:
        resolver = super().from_crawler(crawler, reactor)
        resolver.host_map = parse_host_map(crawler.settings.get("ECWATCH_HOST_MAP"))
        return resolver

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> defer.Deferred[str]:
        mapped = self.host_map.get(name.lower())
        if mapped is not None:
            return defer.succeed(mapped)
        return super().getHostByName(name, timeout)


async def resolve(host: str, host_map: Mapping[str, str]) -> list[IPAddress]:
    mapped = host_map.get(host.lower())
    if mapped is not None:
        return [ipaddress.ip_address(mapped)]
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(info[4][0]) for info in infos]


class PrivateTargetGuard:
    """Downloader middleware refusing non-public targets (``ECWATCH_ALLOW_PRIVATE_TARGETS``)."""

    def __init__(self, allow_private: bool, host_map: Mapping[str, str], stats: Any) -> None:
        self.allow_private = allow_private
        self.host_map = dict(host_map)
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PrivateTargetGuard:
        settings = crawler.settings
        return cls(
            allow_private=settings.getbool("ECWATCH_ALLOW_PRIVATE_TARGETS"),
            host_map=parse_host_map(settings.get("ECWATCH_HOST_MAP")),
            stats=crawler.stats,
        )

    async def process_request(self, request: Request) -> None:
        if self.allow_private:
            return None
        parts = urlsplit(request.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return None
        try:
            addresses = await resolve(parts.hostname, self.host_map)
        except OSError:
            return None  # unresolvable: the download fails on its own with a DNS error
        forbidden = [str(a) for a in addresses if is_forbidden_address(a)]
        if forbidden:
            self._refuse(request, f"{parts.hostname} resolves to non-public {', '.join(forbidden)}")
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        if not self.allow_private and response.ip_address is not None and is_forbidden_address(response.ip_address):
            self._refuse(request, f"the response came from non-public {response.ip_address}")
        return response

    def _refuse(self, request: Request, why: str) -> None:
        self.stats.inc_value("ecwatch/refused_private_target")
        logger.warning(
            "Refused %s: %s (set ECWATCH_ALLOW_PRIVATE_TARGETS=1 to allow)", request.url, why
        )
        raise IgnoreRequest(f"private target refused: {why}")
