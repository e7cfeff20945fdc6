"""Outbound safety: which addresses a crawl may connect to, and the one place names become addresses.

Public addresses are always allowed; private, loopback, link-local and other non-public ones only
as ``ECWATCH_ALLOW_PRIVATE_TARGETS`` says: ``0`` (none, the default), ``1`` (all), or a list of
exceptions, ``127.0.0.1:8080,10.0.0.0/8,intranet.example:8443`` (an address or host name with its
port, or a network).

``TargetChecker`` resolves each host once per crawl (``ECWATCH_HOST_MAP`` first, then the system
resolver), judges every address against the policy with the port asked for, and returns the
addresses a connection may use. The code that opens connections uses exactly those addresses:
Scrapy's resolver (``crawler.netguard.PolicyResolver``) and the browser's proxy
(``crawler.browserproxy.BrowserProxy``). So a name cannot answer a public address to the check
and a private one to the connection (DNS rebinding), and a failed lookup connects nowhere.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from dataclasses import dataclass, field
from functools import partial
from typing import Awaitable, Callable, Mapping
from urllib.parse import urlsplit

from scrapy.utils.datatypes import LocalCache

from .pairs import split_pairs

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Lookup = Callable[[str], Awaitable[list[IPAddress]]]

SETTING = "ECWATCH_ALLOW_PRIVATE_TARGETS"
_EXAMPLE = "e.g. 127.0.0.1:8080,10.0.0.0/8"
_NONE = frozenset({"", "0", "false", "no", "off"})
_ALL = frozenset({"1", "true", "yes", "on"})
_HOST_NAME = re.compile(r"^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*$")
_PINNED_HOSTS = 10_000  # host names whose first answer a crawl keeps
DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
ALLOW_HINT = f"{SETTING}=HOST:PORT allows one target"


class HostMapError(ValueError):
    pass


class PrivateTargetsError(ValueError):
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


def _plain(address: IPAddress) -> IPAddress:
    """``::ffff:127.0.0.1`` is 127.0.0.1."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_forbidden_address(address: IPAddress) -> bool:
    address = _plain(address)
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def url_target(url: str) -> tuple[str, int] | None:
    """``(host, port)`` of a network URL; None for ``data:``, ``about:`` and the like."""
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    try:
        return parts.hostname, parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError:  # a port out of range: nothing can connect there
        return parts.hostname, 0


def normal_host(host: str) -> str:
    """A host as the policy compares it: lower case, no brackets, no trailing dot."""
    return host.strip().strip("[]").rstrip(".").lower()


@dataclass(frozen=True)
class PrivateTargets:
    """The non-public targets a crawl may reach (``ECWATCH_ALLOW_PRIVATE_TARGETS``)."""

    everything: bool = False
    networks: tuple[IPNetwork, ...] = ()
    endpoints: frozenset[tuple[IPAddress, int]] = frozenset()  # an address with its port
    named: frozenset[tuple[str, int]] = frozenset()  # a host name with its port, whatever it resolves to

    def allows(self, host: str, port: int, address: IPAddress) -> bool:
        if self.everything or not is_forbidden_address(address):
            return True
        address = _plain(address)
        return ((address, port) in self.endpoints or (normal_host(host), port) in self.named
                or any(address in network for network in self.networks))


def parse_private_targets(value: object) -> PrivateTargets:
    """``0``/``1`` (or a bool), or a comma-separated list of ``HOST:PORT`` and networks."""
    if isinstance(value, bool):
        return PrivateTargets(everything=value)
    text = str(value if value is not None else "").strip()
    if text.lower() in _NONE:
        return PrivateTargets()
    if text.lower() in _ALL:
        return PrivateTargets(everything=True)
    networks: list[IPNetwork] = []
    endpoints: set[tuple[IPAddress, int]] = set()
    named: set[tuple[str, int]] = set()
    for entry in (item.strip() for item in text.replace(";", ",").split(",")):
        if not entry:
            continue
        if "/" in entry or _is_address(entry):
            networks.append(_network(entry))
            continue
        host, port = _host_and_port(entry)
        try:
            endpoints.add((_plain(ipaddress.ip_address(host)), port))
        except ValueError:
            named.add((host, port))
    return PrivateTargets(False, tuple(networks), frozenset(endpoints), frozenset(named))


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _network(entry: str) -> IPNetwork:
    try:
        return ipaddress.ip_network(entry, strict=True)
    except ValueError as exc:
        if "host bits set" in str(exc):
            meant = ipaddress.ip_network(entry, strict=False)
            raise PrivateTargetsError(f"{SETTING}: {entry!r} has host bits set (did you mean {meant}?)") from None
        raise _not_an_entry(entry) from None


def _host_and_port(entry: str) -> tuple[str, int]:
    bracketed = re.fullmatch(r"\[([^\]]+)\]:(.*)", entry)
    if bracketed:
        host, port = bracketed.group(1), bracketed.group(2)
        if not _is_address(host):
            raise _not_an_entry(entry)
    else:
        host, sep, port = entry.rpartition(":")
        host = normal_host(host)
        if not sep or not (_is_address(host) or _HOST_NAME.match(host)) or ":" in host:
            raise _not_an_entry(entry)
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise PrivateTargetsError(f"{SETTING}: {entry!r}: the port must be a number from 1 to 65535")
    return normal_host(host), int(port)


def _not_an_entry(entry: str) -> PrivateTargetsError:
    return PrivateTargetsError(f"{SETTING}: {entry!r} is not 0, 1, HOST:PORT or a network ({_EXAMPLE})")


async def system_lookup(host: str) -> list[IPAddress]:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))


@dataclass(frozen=True)
class Verdict:
    host: str
    port: int
    addresses: tuple[IPAddress, ...] = ()  # to connect to, in order; empty when refused
    refusal: str | None = None  # why nothing may connect
    resolved: bool = True  # False: the lookup failed (which is a refusal too)

    @property
    def allowed(self) -> bool:
        return self.refusal is None


@dataclass
class TargetChecker:
    """Resolves a host once and says which of its addresses a connection to ``host:port`` may use.

    Every address must be allowed: a name answering one public and one private address is refused.
    """

    targets: PrivateTargets
    host_map: Mapping[str, str] = field(default_factory=dict)
    lookup: Lookup = system_lookup
    timeout: float = 30.0
    _pins: LocalCache[str, tuple[IPAddress, ...]] = field(
        init=False, repr=False, default_factory=lambda: LocalCache(_PINNED_HOSTS))
    _pending: dict[str, asyncio.Future[tuple[IPAddress, ...]]] = field(init=False, repr=False, default_factory=dict)

    async def check(self, host: str, port: int) -> Verdict:
        name = normal_host(host)
        try:
            addresses = await self.addresses(name)
        except (OSError, ValueError, UnicodeError, asyncio.TimeoutError) as exc:
            return Verdict(name, port, refusal=f"the lookup of {name} failed: {exc or type(exc).__name__}",
                           resolved=False)
        if not addresses:
            return Verdict(name, port, refusal=f"the lookup of {name} gave no address", resolved=False)
        forbidden = [str(a) for a in addresses if not self.targets.allows(name, port, a)]
        if forbidden:
            shown = ", ".join(forbidden)
            why = f"{shown} is not a public address" if forbidden == [name] else f"{name} resolves to non-public {shown}"
            return Verdict(name, port, refusal=why)
        return Verdict(name, port, addresses)

    async def addresses(self, name: str) -> tuple[IPAddress, ...]:
        mapped = self.host_map.get(name)
        if mapped is not None:
            return (ipaddress.ip_address(mapped),)
        if _is_address(name):
            return (ipaddress.ip_address(name),)
        pinned = self._pins.get(name)
        if pinned is not None:
            return pinned
        pending = self._pending.get(name)
        if pending is None:  # one lookup at a time per name: every caller gets the same answer
            pending = asyncio.ensure_future(self._resolve(name))
            self._pending[name] = pending
            pending.add_done_callback(partial(self._done, name))
        return await asyncio.shield(pending)

    def _done(self, name: str, lookup: asyncio.Future[tuple[IPAddress, ...]]) -> None:
        self._pending.pop(name, None)
        if not lookup.cancelled():
            lookup.exception()  # retrieved here too: its callers may all have gone

    async def _resolve(self, name: str) -> tuple[IPAddress, ...]:
        addresses = tuple(await asyncio.wait_for(self.lookup(name), self.timeout))
        if addresses:
            self._pins[name] = addresses
        return addresses
