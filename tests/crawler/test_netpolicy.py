"""The outbound policy: the allow-list, the checker, Scrapy's guard and resolver (no network)."""

from __future__ import annotations

import asyncio
import ipaddress
from typing import Any, Iterator

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.settings import Settings
from scrapy.statscollectors import MemoryStatsCollector
from twisted.internet.endpoints import HostnameEndpoint
from twisted.internet.error import DNSLookupError
from twisted.internet.protocol import Factory, Protocol
from twisted.internet.testing import MemoryReactorClock

from crawler.config import ConfigError, EcwatchConfig
from crawler.netguard import PolicyResolver, PrivateTargetGuard
from crawler.netpolicy import (
    HostMapError,
    PrivateTargets,
    PrivateTargetsError,
    TargetChecker,
    is_forbidden_address,
    parse_host_map,
    parse_private_targets,
)

ip = ipaddress.ip_address
PUBLIC = "203.113.131.1"


class _Stats(MemoryStatsCollector):
    def __init__(self) -> None:
        self._stats = {}


class Answers:
    """A resolver that gives each lookup the next answer (a DNS-rebinding name), or fails."""

    def __init__(self, *answers: str | OSError) -> None:
        self.answers: Iterator[str | OSError] = iter(answers)
        self.asked = 0

    async def __call__(self, host: str) -> list[Any]:
        self.asked += 1
        answer = next(self.answers)
        if isinstance(answer, OSError):
            raise answer
        return [ip(answer)]


@pytest.mark.parametrize(("address", "forbidden"), [
    ("127.0.0.1", True), ("10.1.2.3", True), ("192.168.1.1", True), ("172.16.0.9", True),
    ("169.254.169.254", True), ("0.0.0.0", True), ("::1", True), ("fe80::1", True), ("::ffff:127.0.0.1", True),
    ("100.64.0.1", False),  # carrier-grade NAT is shared, not private, in Python's table
    (PUBLIC, False), ("2405:4800::1", False),
])
def test_forbidden_addresses(address: str, forbidden: bool) -> None:
    assert is_forbidden_address(ip(address)) is forbidden


def test_host_map_parsing_and_errors() -> None:
    assert parse_host_map("Shop.vn=127.0.0.1, portal.vn=127.0.0.1") == {"shop.vn": "127.0.0.1",
                                                                         "portal.vn": "127.0.0.1"}
    with pytest.raises(HostMapError, match="not HOST=IP"):
        parse_host_map("shop.vn")
    with pytest.raises(HostMapError, match="not an IP"):
        parse_host_map("shop.vn=localhost")


@pytest.mark.parametrize(("value", "expected"), [
    ("", PrivateTargets()), ("0", PrivateTargets()), ("off", PrivateTargets()), (False, PrivateTargets()),
    (None, PrivateTargets()), ("1", PrivateTargets(everything=True)), ("True", PrivateTargets(everything=True)),
    (True, PrivateTargets(everything=True)),
    ("127.0.0.1:8080", PrivateTargets(endpoints=frozenset({(ip("127.0.0.1"), 8080)}))),
    ("127.0.0.1:8080, 10.0.0.0/8", PrivateTargets(networks=(ipaddress.ip_network("10.0.0.0/8"),),
                                                  endpoints=frozenset({(ip("127.0.0.1"), 8080)}))),
    ("[::1]:443;192.168.1.7", PrivateTargets(networks=(ipaddress.ip_network("192.168.1.7/32"),),
                                             endpoints=frozenset({(ip("::1"), 443)}))),
    ("Intranet.Example.:8443,", PrivateTargets(named=frozenset({("intranet.example", 8443)}))),
    ("fd00::/8", PrivateTargets(networks=(ipaddress.ip_network("fd00::/8"),))),
])
def test_the_allow_list_reads_switches_targets_and_networks(value: object, expected: PrivateTargets) -> None:
    assert parse_private_targets(value) == expected


@pytest.mark.parametrize(("value", "error"), [
    ("2", "'2' is not 0, 1, HOST:PORT or a network (e.g. 127.0.0.1:8080,10.0.0.0/8)"),
    ("intranet", "'intranet' is not 0, 1, HOST:PORT or a network (e.g. 127.0.0.1:8080,10.0.0.0/8)"),
    ("127.0.0.1:8080,1", "'1' is not 0, 1, HOST:PORT or a network (e.g. 127.0.0.1:8080,10.0.0.0/8)"),
    ("fe80::1:99999", "'fe80::1:99999' is not 0, 1, HOST:PORT or a network (e.g. 127.0.0.1:8080,10.0.0.0/8)"),
    ("shop vn:80", "'shop vn:80' is not 0, 1, HOST:PORT or a network (e.g. 127.0.0.1:8080,10.0.0.0/8)"),
    ("10.0.0.0/33", "'10.0.0.0/33' is not 0, 1, HOST:PORT or a network (e.g. 127.0.0.1:8080,10.0.0.0/8)"),
    ("10.1.2.3/8", "'10.1.2.3/8' has host bits set (did you mean 10.0.0.0/8?)"),
    ("127.0.0.1:0", "'127.0.0.1:0': the port must be a number from 1 to 65535"),
    ("127.0.0.1:http", "'127.0.0.1:http': the port must be a number from 1 to 65535"),
    ("[::1]:70000", "'[::1]:70000': the port must be a number from 1 to 65535"),
])
def test_a_bad_allow_list_entry_is_one_line_naming_it(value: str, error: str) -> None:
    with pytest.raises(PrivateTargetsError) as raised:
        parse_private_targets(value)
    assert str(raised.value) == f"ECWATCH_ALLOW_PRIVATE_TARGETS: {error}"


@pytest.mark.parametrize(("host", "port", "address", "allowed"), [
    ("shop.vn", 80, PUBLIC, True),  # public is always allowed
    ("127.0.0.1", 8080, "127.0.0.1", True),
    ("127.0.0.1", 8081, "127.0.0.1", False),  # the same address, another port
    ("shop.vn", 8080, "::ffff:127.0.0.1", True),  # the same address spelled as IPv6
    ("db.lan", 5432, "10.9.8.7", True),
    ("db.lan", 5432, "192.168.0.1", False),
    ("intranet.example", 8443, "172.16.0.1", True),
    ("other.example", 8443, "172.16.0.1", False),
])
def test_exceptions_allow_exactly_their_targets(host: str, port: int, address: str, allowed: bool) -> None:
    targets = parse_private_targets("127.0.0.1:8080,10.0.0.0/8,intranet.example:8443")
    assert targets.allows(host, port, ip(address)) is allowed


def _check(checker: TargetChecker, host: str, port: int = 80) -> Any:
    return asyncio.run(checker.check(host, port))


def test_a_name_is_resolved_once_and_keeps_its_first_answer() -> None:
    answers = Answers(PUBLIC, "127.0.0.1")
    checker = TargetChecker(PrivateTargets(), lookup=answers)

    async def twice() -> list[Any]:
        return [await checker.check("rebind.example", 80), await checker.check("rebind.example", 443)]

    first, second = asyncio.run(twice())
    assert first.addresses == second.addresses == (ip(PUBLIC),) and answers.asked == 1


@pytest.mark.parametrize(("answer", "reason"), [
    (OSError(-2, "Name or service not known"), "the lookup of gone.example failed"),
    ("10.0.0.5", "gone.example resolves to non-public 10.0.0.5"),
])
def test_a_failed_or_private_lookup_gives_no_address(answer: str | OSError, reason: str) -> None:
    verdict = _check(TargetChecker(PrivateTargets(), lookup=Answers(answer)), "gone.example")
    assert verdict.addresses == () and verdict.refusal.startswith(reason)


def test_a_name_with_one_private_address_among_public_ones_is_refused() -> None:
    async def both(host: str) -> list[Any]:
        return [ip(PUBLIC), ip("127.0.0.1")]

    assert not _check(TargetChecker(PrivateTargets(), lookup=both), "mixed.example").allowed


def _guard(targets: str, host_map: dict[str, str] | None = None, lookup: Any = None) -> PrivateTargetGuard:
    checker = TargetChecker(parse_private_targets(targets), host_map or {}, **({"lookup": lookup} if lookup else {}))
    return PrivateTargetGuard(checker, _Stats())


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/", "http://[::1]/", "http://169.254.169.254/latest/meta-data",
                                 "http://localhost/", "http://demo-giadung.vn:8081/", "http://127.0.0.1:8081/"])
def test_private_targets_are_refused_after_resolution(url: str) -> None:
    guard = _guard("127.0.0.1:8080", {"demo-giadung.vn": "127.0.0.1"})
    with pytest.raises(IgnoreRequest, match="private target refused"):
        asyncio.run(guard.process_request(Request(url)))
    assert guard.stats.get_value("ecwatch/refused_private_target") == 1


@pytest.mark.parametrize(("targets", "url"), [("1", "http://127.0.0.1/"), ("127.0.0.1:8080", "http://127.0.0.1:8080/"),
                                              ("0", f"http://{PUBLIC}/"), ("0", "data:text/html,x")])
def test_allowed_and_public_targets_pass(targets: str, url: str) -> None:
    assert asyncio.run(_guard(targets).process_request(Request(url))) is None


def test_a_failed_lookup_is_a_dns_error_that_never_connects() -> None:
    guard = _guard("0", lookup=Answers(OSError(-2, "Name or service not known")))
    with pytest.raises(DNSLookupError, match="the lookup of gone.example failed"):
        asyncio.run(guard.process_request(Request("https://gone.example/")))


def test_a_response_from_a_private_address_is_refused() -> None:
    guard = _guard("127.0.0.1:8080")
    request = Request("http://shop.example/")
    with pytest.raises(IgnoreRequest, match="came from non-public 10.0.0.1"):
        guard.process_response(request, Response(request.url, request=request, ip_address=ip("10.0.0.1")))


def _connect_through_resolver(checker: TargetChecker, host: str, port: int) -> tuple[list[str], BaseException | None]:
    """Connect with Twisted's ``HostnameEndpoint`` (as Scrapy's HTTP handler does) through
    ``PolicyResolver``; returns the addresses it opened a connection to and the error, if any."""
    reactor = MemoryReactorClock()
    PolicyResolver(reactor, checker).install_on_reactor()
    outcome: list[BaseException | None] = []

    async def connect() -> None:
        connecting = HostnameEndpoint(reactor, host.encode(), port).connect(Factory.forProtocol(Protocol))
        connecting.addErrback(lambda failure: outcome.append(failure.value))
        while not reactor.tcpClients and not outcome:
            await asyncio.sleep(0)

    asyncio.run(connect())
    return [f"{client[0]}:{client[1]}" for client in reactor.tcpClients], (outcome or [None])[0]


@pytest.mark.parametrize(("answers", "connected"), [
    ((PUBLIC, "127.0.0.1"), [f"{PUBLIC}:80"]),  # the first answer, checked, and never the second
    (("127.0.0.1", PUBLIC), []),  # refused at once, whatever a second lookup would say
])
def test_scrapy_connects_to_the_address_that_was_checked(answers: tuple[str, str], connected: list[str]) -> None:
    checker = TargetChecker(PrivateTargets(), lookup=Answers(*answers))
    for _ in range(2):
        opened, error = _connect_through_resolver(checker, "rebind.example", 80)
        assert opened == connected
        assert (error is None) == bool(connected)


def test_scrapy_connects_nowhere_when_the_lookup_fails() -> None:
    checker = TargetChecker(PrivateTargets(everything=True), lookup=Answers(OSError(-3, "Temporary failure")))
    opened, error = _connect_through_resolver(checker, "gone.example", 443)
    assert opened == [] and isinstance(error, DNSLookupError)


def test_scrapy_connects_to_a_mapped_name_on_an_allowed_port_only() -> None:
    checker = TargetChecker(parse_private_targets("127.0.0.1:8080"), {"demo-giadung.vn": "127.0.0.1"})
    assert _connect_through_resolver(checker, "demo-giadung.vn", 8080)[0] == ["127.0.0.1:8080"]
    assert _connect_through_resolver(checker, "demo-giadung.vn", 8081)[0] == []


def test_a_bad_allow_list_stops_the_crawl_before_it_starts_in_one_line() -> None:
    with pytest.raises(ConfigError) as raised:
        EcwatchConfig.from_settings(Settings({"ECWATCH_ALLOW_PRIVATE_TARGETS": "127.0.0.1:8080,yes"}))
    assert str(raised.value) == ("ECWATCH_ALLOW_PRIVATE_TARGETS: 'yes' is not 0, 1, HOST:PORT or a network "
                                 "(e.g. 127.0.0.1:8080,10.0.0.0/8)")
