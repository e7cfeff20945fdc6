"""A shop page that tries to reach another port on this machine, and the trap that counts whether it did.

``Trap`` owns a TCP and a UDP socket on 127.0.0.1 and counts every connection and datagram they
get. ``HostileShop`` serves, on its own address, a Vietnamese shop page (a finding, so an evidence
visit follows) whose images, script, frame, fetches, XHR, beacon, worker, prefetch, WebSocket and
WebRTC all aim at the trap: directly, or through same-site URLs that redirect there (``/r302``,
``/r307``, any method). Its badge links to a portal record, for a crawl whose portal is the trap.
It records every request it gets, bodies included.
"""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

HOST = "shop-thu.vn"  # a fictitious shop name, mapped to the server's address

_PAGE = """<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><title>Nồi chiên không dầu - Cửa hàng thử</title>
<link rel="prefetch" href="/r302?to={trap}/prefetch"></head>
<body>
<h1>Nồi chiên không dầu 5L</h1>
<div class="product"><h2>Nồi chiên 5L</h2><del>1.000.000₫</del> <span class="price">390.000₫</span>
<button>Thêm vào giỏ hàng</button></div>
<img src="/r302?to={trap}/image.png" alt=""><img src="{trap}/direct.png" alt="">
<iframe src="/r302?to={trap}/frame"></iframe>
<script src="/r307?to={trap}/script.js"></script>
<a href="/r302?to={trap}/page">Xem thêm</a>
<a href="http://online.gov.vn/Home/WebDetails/123456"><img src="/dathongbao.png" alt="Đã thông báo Bộ Công Thương"></a>
<script>
const trap = "{trap}";
const socket = new WebSocket("ws://127.0.0.1:{tcp}/");
socket.onopen = () => fetch("/seen?websocket=open");
fetch("/r302?to=" + trap + "/fetch").catch(() => 0);
fetch("/r302?to=" + trap + "/post-302", {{method: "POST", body: "secret=302"}}).catch(() => 0);
fetch("/r307?to=" + trap + "/post-307", {{method: "POST", body: "secret=307"}}).catch(() => 0);
const xhr = new XMLHttpRequest(); xhr.open("GET", "/r302?to=" + trap + "/xhr"); xhr.send();
navigator.sendBeacon("/r307?to=" + trap + "/beacon", "beacon=1");
new Worker(URL.createObjectURL(new Blob(['fetch("' + trap + '/worker").catch(() => 0)'], {{type: "text/javascript"}})));
const peer = new RTCPeerConnection({{iceServers: [{{urls: "stun:127.0.0.1:{udp}"}},
  {{urls: "turn:127.0.0.1:{tcp}?transport=tcp", username: "u", credential: "p"}}]}});
peer.createDataChannel("x");
peer.createOffer().then(offer => peer.setLocalDescription(offer));
</script>
</body></html>
"""

# What the page makes the browser ask the shop for before it may go on to the trap: each must be
# seen by the shop, or "no connection to the trap" would prove nothing. The page's load waits for
# the image, script and frame; the browser's network-idle wait for the fetches and the XHR.
REDIRECTED = (("GET", "/image.png"), ("GET", "/frame"), ("GET", "/script.js"), ("GET", "/fetch"),
              ("POST", "/post-302"), ("POST", "/post-307"), ("GET", "/xhr"))


class Trap:
    """A TCP and a UDP socket on 127.0.0.1 that count what reaches them."""

    def __init__(self) -> None:
        self.tcp = socket.create_server(("127.0.0.1", 0))
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.connections: list[tuple[str, int]] = []
        self.datagrams: list[tuple[str, int]] = []
        self._threads = [threading.Thread(target=self._accept, daemon=True),
                         threading.Thread(target=self._receive, daemon=True)]

    @property
    def tcp_port(self) -> int:
        return int(self.tcp.getsockname()[1])

    @property
    def udp_port(self) -> int:
        return int(self.udp.getsockname()[1])

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.tcp_port}"

    def _accept(self) -> None:
        while True:
            try:
                connection, address = self.tcp.accept()
            except OSError:
                return  # closed
            self.connections.append(address)
            connection.close()

    def _receive(self) -> None:
        while True:
            try:
                _, address = self.udp.recvfrom(4096)
            except OSError:
                return
            self.datagrams.append(address)

    def __enter__(self) -> Self:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        for sock in (self.tcp, self.udp):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        self.server.seen.append((self.command, self.path, body))
        if parts.path in ("/r302", "/r307"):
            target = parse_qs(parts.query).get("to", ["/"])[0]
            self._reply(int(parts.path[2:]), b"", (("Location", target),))
        elif parts.path == "/":
            self._reply(200, self.server.page, (("Content-Type", "text/html; charset=utf-8"),))
        else:
            self._reply(404, b"not here", (("Content-Type", "text/plain"),))

    def _reply(self, status: int, body: bytes, headers: tuple[tuple[str, str], ...]) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], page: bytes) -> None:
        self.page = page
        self.seen: list[tuple[str, str, bytes]] = []
        super().__init__(address, _Handler)


class HostileShop:
    def __init__(self, trap: Trap, address: str = "127.0.0.1") -> None:
        page = _PAGE.format(trap=trap.origin, tcp=trap.tcp_port, udp=trap.udp_port).encode()
        self._server = _Server((address, 0), page)
        self.address = address
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    @property
    def only_this_target(self) -> dict[str, str]:
        """The crawl settings that reach this shop and no other local address."""
        return {"ECWATCH_HOST_MAP": f"{HOST}={self.address}",
                "ECWATCH_ALLOW_PRIVATE_TARGETS": f"{self.address}:{self.port}"}

    def seen(self) -> list[tuple[str, str, bytes]]:
        return list(self._server.seen)

    def redirected_to(self, path: str) -> list[tuple[str, bytes]]:
        """``(method, body)`` of each request the shop redirected to ``<trap>{path}``."""
        return [(method, body) for method, url, body in self.seen()
                if urlsplit(url).path in ("/r302", "/r307") and parse_qs(urlsplit(url).query)["to"][0].endswith(path)]

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._server.shutdown()
        self._server.server_close()
