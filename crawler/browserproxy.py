"""The browser's only way out: an HTTP forward proxy of ours, on the crawl's event loop.

Chromium is launched with ``--proxy-server`` pointing here and ``--proxy-bypass-list=<-loopback>``
(without it Chromium goes direct to loopback addresses), so every connection a page makes comes
here, whatever made it: the document and each redirect hop, images, scripts, frames, fetch and
XHR, WebSockets, workers, prefetches. Chromium sends ``CONNECT host:port`` for https and
WebSockets and an absolute-URI request for plain http. For each, the proxy asks the
``TargetChecker`` (which applies ``ECWATCH_HOST_MAP`` and the private-target policy to the
addresses it resolved once) and connects to exactly one of the addresses it allowed. A refused
tunnel gets a 403; a refused plain request gets no answer (the page sees a network error rather
than a response that looks like the site's).

Plain-http exchanges are one request per connection (``Connection: close`` both ways): the next
request, perhaps for another host, comes on a new connection and is checked again.

Bounded so a hostile page cannot exhaust it: at most ``MAX_CONNECTIONS`` browser connections at
once, each with at most one onward connection (more are closed at once), request and response heads
of at most ``HEAD_LIMIT`` bytes, ``CONNECT_TIMEOUT`` seconds to reach a server, and a connection
with no traffic either way for ``IDLE_TIMEOUT`` seconds is closed.
"""

from __future__ import annotations

import asyncio
import logging
import re
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy.utils.datatypes import LocalCache

from .netpolicy import ALLOW_HINT, Verdict, url_target

if TYPE_CHECKING:
    from .netpolicy import IPAddress, TargetChecker

logger = logging.getLogger(__name__)

MAX_CONNECTIONS = 256
HEAD_LIMIT = 64 * 1024
IDLE_TIMEOUT = 60.0
CONNECT_TIMEOUT = 20.0  # seconds for all the addresses of a name together
CHUNK = 64 * 1024
MAX_INTERIM_RESPONSES = 8  # 100 Continue, 103 Early Hints... before the real one
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-connection", "proxy-authorization"})
_AUTHORITY = re.compile(r"^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9._-]+)):(\d{1,5})$")
_STATUS_LINE = re.compile(rb"^HTTP/1\.[01] (\d{3})")
_REFUSED_TUNNEL = b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
_BAD_GATEWAY = b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
_BAD_REQUEST = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
_TUNNEL_OPEN = b"HTTP/1.1 200 Connection Established\r\n\r\n"


@dataclass(frozen=True)
class ProxyRequest:
    host: str
    port: int
    tunnel: bool  # CONNECT
    target: str  # for logs: host:port of a tunnel, the URL of a plain request
    forward: bytes = b""  # plain http: the head to send the server


def parse_request_head(head: bytes) -> ProxyRequest | None:
    """A proxy request's head (up to the blank line), or None when it is not one."""
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or parts[2] not in ("HTTP/1.1", "HTTP/1.0"):
        return None
    method, target, version = parts
    headers = [line for line in lines[1:] if line]
    if any(":" not in line or line[0] in " \t" for line in headers):
        return None
    if method == "CONNECT":
        match = _AUTHORITY.match(target)
        if match is None or not 0 < int(match.group(3)) < 65536:
            return None
        host = match.group(1) or match.group(2)
        return ProxyRequest(host, int(match.group(3)), True, f"{host}:{match.group(3)}")
    url = urlsplit(target)
    where = url_target(target)
    if url.scheme not in ("http", "ws") or where is None or not 0 < where[1] < 65536 or not method.isalpha():
        return None
    path = (url.path or "/") + (f"?{url.query}" if url.query else "")
    names = [line.split(":", 1)[0].strip().lower() for line in headers]
    kept = [line for line, name in zip(headers, names) if name not in _HOP_BY_HOP]
    if "upgrade" in names:  # a WebSocket handshake keeps its Connection: Upgrade
        kept += [line for line, name in zip(headers, names) if name == "connection"]
    else:
        kept.append("Connection: close")
    if "host" not in names:
        kept.insert(0, f"Host: {url.netloc.rpartition('@')[2]}")
    forward = "\r\n".join([f"{method} {path} {version}", *kept, "", ""]).encode("latin-1")
    return ProxyRequest(where[0], where[1], False, target, forward)


def closing_response_head(head: bytes) -> bytes:
    """The response head with its hop-by-hop headers replaced by ``Connection: close``."""
    lines = head.split(b"\r\n")
    kept = [line for line in lines[1:] if line and line.split(b":", 1)[0].strip().lower().decode("latin-1")
            not in _HOP_BY_HOP]
    return b"\r\n".join([lines[0], *kept, b"Connection: close", b"", b""])


class _Clock:
    """When either direction of a relay last moved a byte."""

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.last = self.loop.time()

    def touch(self) -> None:
        self.last = self.loop.time()

    def idle_for(self) -> float:
        return self.loop.time() - self.last


class BrowserProxy:
    """``bind()`` when the launch options are built, ``start()`` once the loop runs, ``close()`` at the end."""

    def __init__(self, checker: TargetChecker, max_connections: int = MAX_CONNECTIONS,
                 idle_timeout: float = IDLE_TIMEOUT) -> None:
        self.checker = checker
        self.max_connections = max_connections
        self.idle_timeout = idle_timeout
        self.stats: Any = None
        self.port = 0
        self._socket: socket.socket | None = None
        self._server: asyncio.AbstractServer | None = None
        self._clients: set[asyncio.StreamWriter] = set()
        self._servers: set[asyncio.StreamWriter] = set()
        self._connected: LocalCache[tuple[str, int], str] = LocalCache(10_000)
        self._logged: LocalCache[tuple[str, int], bool] = LocalCache(10_000)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def bind(self) -> int:
        """Listen on a free loopback port now; connections wait in the backlog until ``start()``."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        listener.listen(128)
        listener.setblocking(False)
        self._socket = listener
        self.port = listener.getsockname()[1]
        return self.port

    async def start(self, stats: Any = None) -> None:
        if self._socket is None:
            self.bind()
        self.stats = stats
        self._server = await asyncio.start_server(self._serve, sock=self._socket, limit=HEAD_LIMIT)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        elif self._socket is not None:
            self._socket.close()
        for writer in [*self._clients, *self._servers]:
            writer.close()
        self._socket = self._server = None

    def address_of(self, url: str) -> str | None:
        """The address the proxy last connected to for ``url``'s host and port (not the proxy's own)."""
        target = url_target(url)
        return self._connected.get((target[0].lower(), target[1])) if target else None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if len(self._clients) >= self.max_connections:
            self._count("ecwatch/browser_proxy/over_limit")
            writer.close()
            return
        self._clients.add(writer)
        self._count("ecwatch/browser_proxy/connections")
        try:
            await self._exchange(reader, writer)
        except (OSError, EOFError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError):
            pass  # a client or server that hung up, sent too much or too little, or went quiet
        except Exception:  # noqa: BLE001 - one bad exchange must never stop the proxy
            logger.exception("Browser proxy: an exchange failed")
        finally:
            self._clients.discard(writer)
            writer.close()

    async def _exchange(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), self.idle_timeout)
        request = parse_request_head(head)
        if request is None:
            self._count("ecwatch/browser_proxy/bad_request")
            writer.write(_BAD_REQUEST)
            return
        verdict = await self._verdict(request)
        if not verdict.allowed:
            self._refused(request, verdict)
            if request.tunnel:
                writer.write(_REFUSED_TUNNEL)
            return
        connected = await self._connect(verdict)
        if connected is None:
            if request.tunnel:
                writer.write(_BAD_GATEWAY)
            return
        upstream_reader, upstream_writer = connected
        self._servers.add(upstream_writer)
        try:
            if request.tunnel:
                writer.write(_TUNNEL_OPEN)
                await self._relay(reader, writer, upstream_reader, upstream_writer, rewrite_response=False)
            else:
                upstream_writer.write(request.forward)
                await self._relay(reader, writer, upstream_reader, upstream_writer, rewrite_response=True)
        finally:
            self._servers.discard(upstream_writer)
            upstream_writer.close()

    async def _verdict(self, request: ProxyRequest) -> Verdict:
        verdict = await self.checker.check(request.host, request.port)
        if verdict.allowed and request.port == self.port and any(
                a.is_loopback or a.is_unspecified for a in verdict.addresses):
            return Verdict(verdict.host, verdict.port, refusal="that is the browser proxy itself")
        return verdict

    async def _connect(self, verdict: Verdict) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + CONNECT_TIMEOUT
        for address in verdict.addresses:  # each one checked; never a fresh lookup
            try:
                opened = await asyncio.wait_for(asyncio.open_connection(str(address), verdict.port, limit=HEAD_LIMIT),
                                                max(deadline - loop.time(), 0.001))
            except (OSError, asyncio.TimeoutError):
                continue
            self._remember(verdict, address)
            return opened
        self._count("ecwatch/browser_proxy/connect_failed")
        return None

    def _remember(self, verdict: Verdict, address: IPAddress) -> None:
        self._connected[(verdict.host, verdict.port)] = str(address)

    async def _relay(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter,
                     upstream_reader: asyncio.StreamReader, upstream_writer: asyncio.StreamWriter,
                     rewrite_response: bool) -> None:
        """Both directions until either side closes or neither moves for ``idle_timeout``."""
        clock = _Clock()
        downstream = self._response(upstream_reader, client_writer, clock) if rewrite_response else \
            self._pipe(upstream_reader, client_writer, clock)
        tasks = {asyncio.ensure_future(self._pipe(client_reader, upstream_writer, clock)),
                 asyncio.ensure_future(downstream)}
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _response(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, clock: _Clock) -> None:
        for _ in range(MAX_INTERIM_RESPONSES):
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), self.idle_timeout)
            clock.touch()
            status = _STATUS_LINE.match(head)
            if status is None:
                return  # not HTTP/1.x: nothing to pass on
            code = int(status.group(1))
            interim = 100 <= code < 200 and code != 101
            writer.write(head if interim or code == 101 else closing_response_head(head))
            await asyncio.wait_for(writer.drain(), self.idle_timeout)
            if not interim:
                await self._pipe(reader, writer, clock)
                return

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, clock: _Clock) -> None:
        while True:
            try:
                data = await asyncio.wait_for(reader.read(CHUNK), self.idle_timeout)
            except asyncio.TimeoutError:
                if clock.idle_for() >= self.idle_timeout:
                    return
                continue  # the other direction is busy (a download while the upload is done)
            if not data:
                return
            clock.touch()
            writer.write(data)
            await asyncio.wait_for(writer.drain(), self.idle_timeout)

    def _refused(self, request: ProxyRequest, verdict: Verdict) -> None:
        self._count("ecwatch/refused_private_target" if verdict.resolved else "ecwatch/browser_proxy/unresolved")
        key = (verdict.host, verdict.port)
        if key in self._logged:
            return
        self._logged[key] = True  # once per target: a page may ask for dozens of files there
        if verdict.resolved:
            logger.warning("Refused browser connections to %s:%d (first: %s): %s (%s)", verdict.host, verdict.port,
                           request.target, verdict.refusal, ALLOW_HINT)
        else:
            logger.debug("Browser request to %s not sent: %s", request.target, verdict.refusal)

    def _count(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)
