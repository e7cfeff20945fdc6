"""A site that does not want to be crawled: every page a kind of hostile or broken answer.

Served on 127.0.0.1 as ``hostile.vn``; the home page links to every case (``CASES``: path -> what it
is). Counts every request by path, so tests can check what the crawler asked for, and how often.
"""

from __future__ import annotations

import functools
import os
import socket
import threading
import time
import unicodedata
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOST = "hostile.vn"
DISCOUNT = "<h1>Nồi cơm điện cao tần</h1><div class='price-box'><del>2.000.000 đ</del> <b>790.000 đ</b></div>"
SHOP_FOOTER = "<p>Giỏ hàng · Thanh toán khi nhận hàng · Giao hàng toàn quốc</p>"
CASES = {
    "/san-pham/malformed": "unclosed tags, stray closing tags, attributes without quotes",
    "/san-pham/windows-1258": "Vietnamese in windows-1258, declared in a meta tag only",
    "/san-pham/utf8-bom-wrong-header": "UTF-8 with a BOM, served as ISO-8859-1",
    "/san-pham/no-charset": "UTF-8 with no charset anywhere",
    "/san-pham/huge": "a 24 MB page",
    "/san-pham/gzip-bomb": "a small gzip body that inflates to 256 MB",
    "/san-pham/binary": "random bytes served as text/html",
    "/san-pham/redirect-loop": "redirects to itself through a second URL, forever",
    "/danh-muc/trap": "infinite pagination: every page links to the next",
    "/san-pham/overloaded": "503 with Retry-After twice, then the page",
    "/san-pham/too-many": "429 with Retry-After twice, then the page",
    "/san-pham/slow-drip": "a byte every half second",
    "/san-pham/many-badges": "300 links to portal records",
}


class HostileSite:
    def __init__(self) -> None:
        self.requests: dict[str, int] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._tls = socket.socket()
        self._tls.bind(("127.0.0.1", 0))
        self._tls.listen(8)
        self.tls_attempts = 0
        threading.Thread(target=self._answer_tls_with_garbage, daemon=True).start()

    def _answer_tls_with_garbage(self) -> None:
        """An "https" port that answers a TLS handshake with plain text: a broken or hostile TLS server."""
        while True:
            try:
                connection, _ = self._tls.accept()
            except OSError:
                return
            with connection:
                self.tls_attempts += 1
                connection.recv(4096)
                connection.sendall(b"HTTP/1.1 200 OK\r\n\r\nthis is not TLS")

    @property
    def tls_port(self) -> int:
        return int(self._tls.getsockname()[1])

    @property
    def tls_url(self) -> str:
        return f"https://{HOST}:{self.tls_port}/san-pham/tls"

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, path: str = "/") -> str:
        return f"http://{HOST}:{self.port}{path}"

    def count(self, path: str) -> int:
        with self._lock:
            return sum(n for p, n in self.requests.items() if p.split("?")[0] == path)

    def __enter__(self) -> HostileSite:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._tls.close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                with site._lock:
                    site.requests[self.path] = site.requests.get(self.path, 0) + 1
                    seen = site.requests[self.path]
                path, _, query = self.path.partition("?")
                answer = getattr(self, "_" + path.strip("/").replace("/", "_").replace("-", "_") or "_home", None)
                if path == "/":
                    answer = self._home
                if answer is None:
                    self._send(404, b"<html><body>404</body></html>")
                else:
                    answer(query, seen)

            def _send(self, status: int, body: bytes, content_type: str = "text/html; charset=utf-8",
                      headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def _page(self, body: str) -> bytes:
                return f"<!doctype html><html lang='vi'><head><meta charset='utf-8'><title>T</title></head>" \
                       f"<body>{body}{SHOP_FOOTER}</body></html>".encode()

            def _home(self, query: str, seen: int) -> None:
                links = "".join(f'<a href="{path}">{what}</a>' for path, what in CASES.items())
                links += f'<a href="{site.tls_url}">a TLS server that answers in plain text</a>'
                self._send(200, self._page(links))

            def _robots_txt(self, query: str, seen: int) -> None:
                self._send(200, b"User-agent: *\nAllow: /\n", "text/plain")

            def _san_pham_malformed(self, query: str, seen: int) -> None:
                self._send(200, (b"<html><body><div><p>" + DISCOUNT.encode() + b"</span></div></td><div class=a b=c"
                                 b"<p><b><i>text</b></i><table><tr><td>" + SHOP_FOOTER.encode()))

            def _san_pham_windows_1258(self, query: str, seen: int) -> None:
                body = f"<html><head><meta charset='windows-1258'></head><body>{DISCOUNT}{SHOP_FOOTER}</body></html>"
                self._send(200, to_cp1258(body), "text/html")

            def _san_pham_utf8_bom_wrong_header(self, query: str, seen: int) -> None:
                self._send(200, b"\xef\xbb\xbf" + self._page(DISCOUNT), "text/html; charset=iso-8859-1")

            def _san_pham_no_charset(self, query: str, seen: int) -> None:
                body = f"<html><body>{DISCOUNT}{SHOP_FOOTER}</body></html>".encode()
                self._send(200, body, "text/html")

            def _san_pham_huge(self, query: str, seen: int) -> None:
                filler = ("<p>" + "Mô tả sản phẩm rất dài. " * 40 + "</p>").encode()
                head = self._page(DISCOUNT)[:-len(b"</body></html>")]
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(head) + 24_000_000))
                self.end_headers()
                try:
                    self.wfile.write(head)
                    sent = 0
                    while sent < 24_000_000:
                        chunk = filler[: 24_000_000 - sent]
                        self.wfile.write(chunk)
                        sent += len(chunk)
                except OSError:
                    pass  # the crawler stopped reading: as it should

            def _san_pham_gzip_bomb(self, query: str, seen: int) -> None:
                self._send(200, gzip_bomb(), headers={"Content-Encoding": "gzip"})

            def _san_pham_binary(self, query: str, seen: int) -> None:
                self._send(200, os.urandom(50_000))

            def _san_pham_redirect_loop(self, query: str, seen: int) -> None:
                target = "/san-pham/redirect-loop-b" if "b" not in query else "/san-pham/redirect-loop"
                self._send(302, b"", headers={"Location": target + "?x=" + query})

            def _san_pham_redirect_loop_b(self, query: str, seen: int) -> None:
                self._send(302, b"", headers={"Location": "/san-pham/redirect-loop?b=1"})

            def _danh_muc_trap(self, query: str, seen: int) -> None:
                page = int(query.split("=")[1]) if query.startswith("page=") else 1
                self._send(200, self._page(f"{DISCOUNT}<a href='/danh-muc/trap?page={page + 1}'>Trang sau</a>"))

            def _san_pham_overloaded(self, query: str, seen: int) -> None:
                if seen <= 2:
                    self._send(503, b"busy", headers={"Retry-After": "1"})
                else:
                    self._send(200, self._page(DISCOUNT))

            def _san_pham_too_many(self, query: str, seen: int) -> None:
                if seen <= 2:
                    self._send(429, b"slow down", headers={"Retry-After": "1"})
                else:
                    self._send(200, self._page(DISCOUNT))

            def _san_pham_slow_drip(self, query: str, seen: int) -> None:
                body = self._page(DISCOUNT)
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    for byte in body:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(0.5)
                except OSError:
                    pass

            def _san_pham_dialogs(self, query: str, seen: int) -> None:
                script = ("<script>for (let i = 0; i < 5; i++) { alert('Khuyến mãi ' + i); confirm('Ở lại?'); }"
                          "window.open('/san-pham/no-charset'); window.open('about:blank');"
                          "window.onbeforeunload = () => 'Bạn chắc chắn rời trang?';"
                          "setInterval(() => fetch('/api/poll?' + Date.now()), 100);</script>")
                self._send(200, self._page(DISCOUNT + script))

            def _san_pham_many_badges(self, query: str, seen: int) -> None:
                links = "".join(f'<a href="http://online.gov.vn/Home/WebDetails/{100000 + i}">'
                                f'<img src="/logoSaleNoti{i}.png" alt="Đã thông báo Bộ Công Thương"></a>' for i in range(300))
                self._send(200, self._page(DISCOUNT + links))

            def log_message(self, *args: object) -> None:
                pass

        return Handler


@functools.lru_cache(maxsize=1)
def gzip_bomb() -> bytes:
    """256 MiB of zeros, gzipped: about 250 KB on the wire."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # gzip framing
    zeros = bytes(1 << 20)
    return b"".join([*(packer.compress(zeros) for _ in range(256)), packer.flush()])


def to_cp1258(text: str) -> bytes:
    """Vietnamese as windows-1258 writes it: letters with their vowel marks precomposed (ơ, ư, â...) where
    the code page has them, tone marks as separate combining characters."""
    out = []
    for char in unicodedata.normalize("NFC", text):
        try:
            out.append(char.encode("cp1258"))
            continue
        except UnicodeEncodeError:
            pass
        base, *marks = unicodedata.normalize("NFD", char)
        for i in range(len(marks), -1, -1):  # the longest precomposed start the code page has
            head = unicodedata.normalize("NFC", base + "".join(marks[:i]))
            try:
                out.append(head.encode("cp1258") + "".join(marks[i:]).encode("cp1258"))
                break
            except UnicodeEncodeError:
                continue
    return b"".join(out)


def closed_port() -> int:
    """A local port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
