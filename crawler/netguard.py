"""The outbound policy (``crawler.netpolicy``) in Scrapy's own downloads.

``PolicyResolver`` (``TWISTED_DNS_RESOLVER``) is where it is enforced: every connection Scrapy's
HTTP handler opens (pages, robots.txt, portal record lookups) asks it for the addresses of
``host:port``, and it hands over only addresses the policy allows, exactly those it checked, so
the connection goes nowhere else. A refused target or a failed lookup gets no address, which
Twisted reports as a ``DNSLookupError``.

``PrivateTargetGuard`` (downloader middleware) asks the same question before the download, so a
refusal is said clearly, once, and counted (``ecwatch/refused_private_target``) and the request is
not retried; a failed lookup becomes a ``DNSLookupError`` there, handled as any DNS error. It also
checks the address each response came from.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import TYPE_CHECKING, Any, Sequence

from scrapy.exceptions import IgnoreRequest
from scrapy.resolver import HostResolution
from scrapy.utils.defer import deferred_from_coro
from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import IHostnameResolver
from zope.interface import implementer

from .config import EcwatchConfig
from .netpolicy import ALLOW_HINT, TargetChecker, Verdict, url_target

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.settings import BaseSettings
    from twisted.internet.base import ReactorBase
    from twisted.internet.interfaces import IAddress, IHostResolution, IResolutionReceiver
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

def target_checker(settings: BaseSettings) -> TargetChecker:
    """The crawl's policy and host map, with Scrapy's ``DNS_TIMEOUT`` for each lookup."""
    config = EcwatchConfig.from_settings(settings)
    return TargetChecker(config.private_targets, config.host_map, timeout=settings.getfloat("DNS_TIMEOUT", 60.0))


@implementer(IHostnameResolver)
class PolicyResolver:
    def __init__(self, reactor: ReactorBase, checker: TargetChecker) -> None:
        self.reactor = reactor
        self.checker = checker

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: ReactorBase) -> PolicyResolver:
        # Scrapy builds the resolver with the CrawlerProcess: its settings, no stats.
        return cls(reactor, target_checker(crawler.settings))

    def install_on_reactor(self) -> None:
        self.reactor.installNameResolver(self)

    def resolveHostName(self, resolutionReceiver: IResolutionReceiver, hostName: str, portNumber: int = 0,
                        addressTypes: Sequence[type[IAddress]] | None = None,
                        transportSemantics: str = "TCP") -> IHostResolution:
        resolution = HostResolution(hostName)
        resolutionReceiver.resolutionBegan(resolution)
        checked = deferred_from_coro(self.checker.check(hostName, portNumber))
        checked.addCallback(self._deliver, resolutionReceiver, addressTypes)
        checked.addErrback(self._failed, resolutionReceiver, hostName)
        return resolution

    def _deliver(self, verdict: Verdict, receiver: IResolutionReceiver,
                 address_types: Sequence[type[IAddress]] | None) -> None:
        if not verdict.allowed and verdict.resolved:
            logger.warning("Refused a connection to %s:%d: %s (%s)", verdict.host, verdict.port, verdict.refusal,
                           ALLOW_HINT)
        for address in verdict.addresses:
            if isinstance(address, ipaddress.IPv4Address):
                twisted_address: IAddress = IPv4Address("TCP", str(address), verdict.port)
            else:
                twisted_address = IPv6Address("TCP", str(address), verdict.port)
            if address_types is None or type(twisted_address) in address_types:
                receiver.addressResolved(twisted_address)
        receiver.resolutionComplete()

    def _failed(self, failure: Failure, receiver: IResolutionReceiver, host: str) -> None:
        logger.error("Could not check %s: %s", host, failure.getErrorMessage())
        receiver.resolutionComplete()  # no address: no connection


class PrivateTargetGuard:
    def __init__(self, checker: TargetChecker, stats: Any) -> None:
        self.checker = checker
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PrivateTargetGuard:
        return cls(target_checker(crawler.settings), crawler.stats)

    async def process_request(self, request: Request) -> None:
        target = url_target(request.url)
        if target is None:
            return None
        verdict = await self.checker.check(*target)
        if not verdict.resolved:
            raise DNSLookupError(verdict.refusal)
        if not verdict.allowed:
            self._refuse(request, str(verdict.refusal))
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        target = url_target(response.url)
        address = response.ip_address
        if target is not None and address is not None and not self.checker.targets.allows(*target, address):
            self._refuse(request, f"the response came from non-public {address}")
        return response

    def _refuse(self, request: Request, why: str) -> None:
        self.stats.inc_value("ecwatch/refused_private_target")
        logger.warning("Refused %s: %s (%s)", request.url, why, ALLOW_HINT)
        raise IgnoreRequest(f"private target refused: {why}")
