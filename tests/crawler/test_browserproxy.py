"""The browser's proxy, spoken to as Chromium speaks to it, with real sockets on loopback addresses."""

from __future__ import annotations

import asyncio
import ipaddress
from typing import Any, Awaitable, Callable

import pytest

from crawler.browserproxy import BrowserProxy, closing_response_head, parse_request_head
from crawler.netpolicy import TargetChecker, parse_private_targets


class _Stats:
    def __init__(self) -> None:
        self.values: dict[str, int] = {}

    def inc_value(self, key: str, count: int = 1) -> None:
        self.values[key] = self.values.get(key, 0) + count


class Server:
    """A TCP server that counts its connections, keeps what it reads and answers with ``answer``."""

    def __init__(self, answer: Callable[[Server, asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
                 | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.answer = answer
        self.host = host
        self.port = port
        self.connections = 0
        self.received: list[bytes] = []
        self._server: asyncio.AbstractServer | None = None

    async def __aenter__(self) -> Server:
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def __aexit__(self, *exc: Any) -> None:
        assert self._server is not None
        self._server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            if self.answer is not None:
                await self.answer(self, reader, writer)
        finally:
            writer.close()


async def http_ok(server: Server, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    head = await reader.readuntil(b"\r\n\r\n")
    lengths = [int(line.split(b":")[1]) for line in head.lower().split(b"\r\n") if line.startswith(b"content-length:")]
    server.received.append(head + await reader.readexactly(lengths[0] if lengths else 0))
    writer.write(b"HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nContent-Length: 2\r\n\r\nok")
    await writer.drain()


async def echo(server: Server, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while data := await reader.read(1024):
        writer.write(data.upper())
        await writer.drain()


async def start_proxy(targets: str, max_connections: int = 256, **checker: Any) -> BrowserProxy:
    proxy = BrowserProxy(TargetChecker(parse_private_targets(targets), **checker), max_connections=max_connections)
    await proxy.start(_Stats())
    return proxy


async def ask(proxy: BrowserProxy, head: bytes) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
    writer.write(head)
    await writer.drain()
    return reader, writer


async def read_to_close(reader: asyncio.StreamReader) -> bytes:
    try:
        return await asyncio.wait_for(reader.read(), 10)
    except ConnectionResetError:
        return b""


async def answer_to(proxy: BrowserProxy, head: bytes) -> bytes:
    reader, writer = await ask(proxy, head)
    try:
        return await read_to_close(reader)
    finally:
        writer.close()


async def tunnel_reply(proxy: BrowserProxy, head: bytes) -> bytes:
    """The proxy's answer to a CONNECT; the tunnel is then closed."""
    reader, writer = await ask(proxy, head)
    try:
        return await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    finally:
        writer.close()


def test_a_plain_request_goes_to_the_allowed_server_as_one_closing_exchange() -> None:
    async def scenario() -> tuple[bytes, bytes, str | None]:
        async with Server(http_ok) as shop:
            proxy = await start_proxy(f"127.0.0.1:{shop.port}", host_map={"shop.vn": "127.0.0.1"})
            answer = await answer_to(proxy, (
                f"POST http://shop.vn:{shop.port}/gio-hang?x=1 HTTP/1.1\r\nHost: shop.vn:{shop.port}\r\n"
                "Proxy-Connection: keep-alive\r\nContent-Length: 8\r\n\r\nsecret=1").encode())
            await proxy.close()
        return answer, shop.received[0], proxy.address_of(f"http://shop.vn:{shop.port}/p/1")

    answer, sent, address = asyncio.run(scenario())
    # The next request, perhaps for another host, must come on a new connection, to be checked again.
    assert answer == b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
    assert sent.startswith(b"POST /gio-hang?x=1 HTTP/1.1\r\nHost: shop.vn:")
    assert b"Proxy-Connection" not in sent and sent.endswith(b"Connection: close\r\n\r\nsecret=1")
    assert address == "127.0.0.1"  # what the evidence records as the server's address


def test_a_tunnel_to_an_allowed_target_carries_bytes_both_ways() -> None:
    async def scenario() -> bytes:
        async with Server(echo) as shop:
            proxy = await start_proxy(f"127.0.0.1:{shop.port}")
            reader, writer = await ask(proxy, f"CONNECT 127.0.0.1:{shop.port} HTTP/1.1\r\n\r\n".encode())
            established = await reader.readuntil(b"\r\n\r\n")
            writer.write(b"hello")
            echoed = await reader.readexactly(5)
            writer.close()
            await proxy.close()
        return established + echoed

    assert asyncio.run(scenario()) == b"HTTP/1.1 200 Connection Established\r\n\r\nHELLO"


@pytest.mark.parametrize("head", [
    "CONNECT 127.0.0.1:{port} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n",  # wss://, ws://, TURN over TCP
    "GET http://127.0.0.1:{port}/admin HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n",  # a redirect hop, an image
    "POST http://localhost:{port}/api HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\n\r\nx=1",
    "GET http://internal.vn:{port}/ HTTP/1.1\r\nHost: internal.vn\r\n\r\n",  # a public-looking name
])
def test_other_local_targets_are_refused_without_a_connection(head: str) -> None:
    async def scenario() -> tuple[bytes, int, dict[str, int]]:
        async with Server() as allowed, Server() as trap:
            proxy = await start_proxy(f"127.0.0.1:{allowed.port}", host_map={"internal.vn": "127.0.0.1"})
            answer = await answer_to(proxy, head.format(port=trap.port).encode())
            await proxy.close()
        return answer, trap.connections, proxy.stats.values

    answer, connections, stats = asyncio.run(scenario())
    assert connections == 0 and stats["ecwatch/refused_private_target"] == 1
    # A refused tunnel is a proxy error; a refused plain request gets nothing that could pass for the site's.
    assert answer == (b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                      if head.startswith("CONNECT") else b"")


def test_a_name_that_answers_differently_later_is_connected_where_it_was_checked(second_loopback: str) -> None:
    answers = iter(["127.0.0.1", second_loopback])

    async def rebinding(host: str) -> list[Any]:
        return [ipaddress.ip_address(next(answers))]

    async def scenario() -> tuple[int, int, list[bytes]]:
        async with Server(echo) as checked, Server(echo, host=second_loopback, port=checked.port) as second:
            proxy = await start_proxy(f"127.0.0.1:{checked.port}", lookup=rebinding)
            head = f"CONNECT rebind.vn:{checked.port} HTTP/1.1\r\n\r\n".encode()
            replies = [await tunnel_reply(proxy, head) for _ in range(2)]
            await proxy.close()
        return checked.connections, second.connections, replies

    checked, second, replies = asyncio.run(scenario())
    assert (checked, second) == (2, 0)
    assert all(reply.startswith(b"HTTP/1.1 200 Connection Established") for reply in replies)


def test_an_unresolvable_name_is_not_connected() -> None:
    async def fails(host: str) -> list[Any]:
        raise OSError(-2, "Name or service not known")

    async def scenario() -> tuple[bytes, dict[str, int]]:
        proxy = await start_proxy("1", lookup=fails)
        answer = await answer_to(proxy, b"CONNECT gone.vn:443 HTTP/1.1\r\n\r\n")
        await proxy.close()
        return answer, proxy.stats.values

    answer, stats = asyncio.run(scenario())
    assert answer.startswith(b"HTTP/1.1 403") and stats["ecwatch/browser_proxy/unresolved"] == 1


def test_the_proxy_never_connects_to_itself() -> None:
    async def scenario() -> tuple[bytes, dict[str, int]]:
        proxy = await start_proxy("1")
        answer = await answer_to(proxy, f"CONNECT 127.0.0.1:{proxy.port} HTTP/1.1\r\n\r\n".encode())
        await proxy.close()
        return answer, proxy.stats.values

    answer, stats = asyncio.run(scenario())
    assert answer.startswith(b"HTTP/1.1 403") and stats["ecwatch/browser_proxy/connections"] == 1


@pytest.mark.parametrize("head", [b"GET / HTTP/1.1\r\nHost: x.vn\r\n\r\n", b"CONNECT x.vn HTTP/1.1\r\n\r\n",
                                  b"GET ftp://x.vn/ HTTP/1.1\r\n\r\n", b"GET http://x.vn/ HTTP/2\r\n\r\n",
                                  b"GET http://x.vn/ HTTP/1.1\r\nbroken header\r\n\r\n"])
def test_what_is_not_a_proxy_request_gets_a_400(head: bytes) -> None:
    async def scenario() -> bytes:
        proxy = await start_proxy("1")
        answer = await answer_to(proxy, head)
        await proxy.close()
        return answer

    assert asyncio.run(scenario()).startswith(b"HTTP/1.1 400 Bad Request")


def test_connections_beyond_the_limit_and_endless_heads_are_closed() -> None:
    async def scenario() -> tuple[bytes, bytes, dict[str, int]]:
        proxy = await start_proxy("0", max_connections=1)
        reader, holding = await ask(proxy, b"GET http://x.vn/ HTTP/1.1\r\n")  # a head still coming

        async def accepted() -> None:
            while proxy.stats.values.get("ecwatch/browser_proxy/connections") != 1:
                await asyncio.sleep(0.01)

        await asyncio.wait_for(accepted(), 10)
        over_limit = await answer_to(proxy, b"CONNECT x.vn:443 HTTP/1.1\r\n\r\n")
        holding.write(b"X-Padding: " + b"a" * 70_000)  # longer than any head may be
        endless = await read_to_close(reader)
        holding.close()
        await proxy.close()
        return over_limit, endless, proxy.stats.values

    over_limit, endless, stats = asyncio.run(scenario())
    assert over_limit == endless == b"" and stats["ecwatch/browser_proxy/over_limit"] == 1


def test_parsing_and_rewriting_heads() -> None:
    request = parse_request_head(b"GET http://[::1]:8080/a HTTP/1.1\r\nHost: [::1]:8080\r\nUpgrade: websocket\r\n"
                                 b"Connection: Upgrade\r\n\r\n")
    assert request is not None and (request.host, request.port, request.tunnel) == ("::1", 8080, False)
    assert request.forward.endswith(b"Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n")  # a WebSocket stays one
    tunnel = parse_request_head(b"CONNECT [2405:4800::1]:443 HTTP/1.1\r\n\r\n")
    assert tunnel is not None and (tunnel.host, tunnel.port, tunnel.tunnel) == ("2405:4800::1", 443, True)
    assert closing_response_head(b"HTTP/1.1 302 Found\r\nKeep-Alive: timeout=5\r\nLocation: /x\r\n"
                                 b"connection: keep-alive\r\n\r\n") == (
        b"HTTP/1.1 302 Found\r\nLocation: /x\r\nConnection: close\r\n\r\n")
