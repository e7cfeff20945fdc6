from __future__ import annotations

import asyncio
import ipaddress

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.statscollectors import MemoryStatsCollector

from crawler.netpolicy import HostMapError, PrivateTargetGuard, is_forbidden_address, parse_host_map


class _Stats(MemoryStatsCollector):
    def __init__(self) -> None:
        self._stats = {}


@pytest.mark.parametrize(("address", "forbidden"), [
    ("127.0.0.1", True), ("10.1.2.3", True), ("192.168.1.1", True), ("172.16.0.9", True),
    ("169.254.169.254", True), ("0.0.0.0", True), ("::1", True), ("fe80::1", True), ("::ffff:127.0.0.1", True),
    ("100.64.0.1", False),  # carrier-grade NAT is shared, not private, in Python's table
    ("203.113.131.1", False), ("2405:4800::1", False),
])
def test_forbidden_addresses(address: str, forbidden: bool) -> None:
    assert is_forbidden_address(ipaddress.ip_address(address)) is forbidden


def test_host_map_parsing_and_errors() -> None:
    assert parse_host_map("Shop.vn=127.0.0.1, portal.vn=127.0.0.1") == {"shop.vn": "127.0.0.1",
                                                                         "portal.vn": "127.0.0.1"}
    with pytest.raises(HostMapError, match="not HOST=IP"):
        parse_host_map("shop.vn")
    with pytest.raises(HostMapError, match="not an IP"):
        parse_host_map("shop.vn=localhost")


def _guard(allow: bool, host_map: dict[str, str] | None = None) -> PrivateTargetGuard:
    return PrivateTargetGuard(allow_private=allow, host_map=host_map or {}, stats=_Stats())


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/", "http://[::1]/", "http://169.254.169.254/latest/meta-data",
                                 "http://localhost/"])
def test_private_targets_are_refused_after_resolution(url: str) -> None:
    guard = _guard(allow=False)
    with pytest.raises(IgnoreRequest, match="private target refused"):
        asyncio.run(guard.process_request(Request(url)))
    assert guard.stats.get_value("ecwatch/refused_private_target") == 1


def test_a_mapped_public_looking_name_pointing_at_loopback_is_refused() -> None:
    guard = _guard(allow=False, host_map={"demo-giadung.vn": "127.0.0.1"})
    with pytest.raises(IgnoreRequest):
        asyncio.run(guard.process_request(Request("http://demo-giadung.vn:8080/")))


def test_allowing_private_targets_lets_them_through() -> None:
    assert asyncio.run(_guard(allow=True).process_request(Request("http://127.0.0.1/"))) is None


def test_public_addresses_pass() -> None:
    assert asyncio.run(_guard(allow=False).process_request(Request("http://203.113.131.1/"))) is None
