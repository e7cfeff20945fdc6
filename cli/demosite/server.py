"""The demo site: fictitious Vietnamese shops and a stand-in of the portal,
served from one local HTTP server that routes by ``Host`` header.

Pages are static files under ``sites/<host>/``; a URL path maps to the first
of ``<path>``, ``<path>.html``, ``<path>/index.html`` that exists, and
``?page=N`` (N > 1) to ``<path>.pageN.html``. Pages that must carry the
server's port or misbehave on purpose live in ``_dynamic``. Any missing
``.png`` is generated, so pages never 404 on their images.
"""

from __future__ import annotations

import csv
import socket
import socketserver
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import parse_qs, unquote, urlsplit

from cli.demosite import _dynamic
from cli.demosite._dynamic import ADS, Ask, Reply
from cli.demosite._hosts import DEMO_HOSTS, PORTAL, QUANGCAO, STOREFRONTS
from cli.demosite._png import png_for_path

if TYPE_CHECKING:
    from types import TracebackType

__all__ = ["DEMO_HOSTS", "DemoSite"]

SITES_DIR = Path(__file__).resolve().parent / "sites"

_CONTENT_TYPES: dict[str, str] = {
    ".html": "text/html; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".png": "image/png",
}
_IMAGE_SUFFIXES = (".png", ".ico")


def _page_number(query: str) -> int:
    values = parse_qs(query).get("page", ["1"])
    return int(values[0]) if values[0].isdigit() else 1


def _static_names(path: str, page: int) -> list[str]:
    rel = path.strip("/")
    suffix = f".page{page}" if page > 1 else ""
    if not rel:
        return [f"index{suffix}.html"]
    names = [f"{rel}{suffix}.html", f"{rel}/index{suffix}.html"]
    # A file named as requested (robots.txt, api/*.json) has no page 2.
    return [rel, *names] if page <= 1 else names


def _find_static(host: str, path: str, page: int) -> Path | None:
    site_dir = SITES_DIR / host
    for name in _static_names(path, page):
        candidate = (site_dir / name).resolve()
        # resolve() + is_relative_to refuses "/../" escapes out of the site.
        if candidate.is_relative_to(site_dir) and candidate.is_file():
            return candidate
    return None


def resolve(ask: Ask, query: str) -> Reply:
    """The reply for one request; dynamic routes first, then files, then images."""
    dynamic = _dynamic.route(ask)
    if dynamic is not None:
        return dynamic
    if ask.host not in DEMO_HOSTS:
        return _dynamic.not_found(f"Máy chủ demo không phục vụ tên miền {ask.host}")
    found = _find_static(ask.host, ask.path, _page_number(query))
    if found is not None:
        content_type = _CONTENT_TYPES.get(found.suffix, "application/octet-stream")
        return Reply(200, found.read_bytes(), content_type)
    if ask.path.lower().endswith(_IMAGE_SUFFIXES):
        return Reply(200, png_for_path(ask.path), "image/png")
    return _dynamic.not_found()


def _host_of(header: str | None) -> str:
    host = (header or "").strip().lower().rstrip(".")
    if host.startswith("["):  # an IPv6 literal keeps its colons
        return host.split("]", 1)[0] + "]"
    host = host.rsplit(":", 1)[0] if ":" in host else host
    return host.removeprefix("www.")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like the shops' real servers
    timeout = 30  # idle keep-alive connections end by themselves
    server: _Server

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def do_POST(self) -> None:
        # Forms (login, cart) are there to be seen, never submitted.
        self.close_connection = True
        self._send(Reply(405, b"", headers=(("Allow", "GET, HEAD"),)), send_body=False)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # tests and `ecwatch demo` would drown in access logs

    def _answer(self, send_body: bool) -> None:
        parts = urlsplit(self.path)
        ask = Ask(_host_of(self.headers.get("Host")), unquote(parts.path) or "/", self.server.server_port)
        self.server.seen.append((ask.host, self.path))  # list.append is atomic under the GIL
        self._send(resolve(ask, parts.query), send_body)

    def _send(self, reply: Reply, send_body: bool) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(reply.stall_length or len(reply.body)))
        for name, value in reply.headers:
            self.send_header(name, value)
        self.end_headers()
        if send_body:
            self.wfile.write(reply.body)
        if reply.stall_length is not None:
            self.close_connection = True
            self.server.stopping.wait(_dynamic.SLOW_HOLD_SECONDS)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], seen: list[tuple[str, str]]) -> None:
        self.stopping = threading.Event()
        self.seen = seen
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn) we don't need.
        socketserver.TCPServer.server_bind(self)
        host, port = self.socket.getsockname()[:2]
        self.server_name, self.server_port = str(host), int(port)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_open_connections(self) -> None:
        # Keep-alive and stalled connections would otherwise outlive stop().
        with self._open_lock:
            connections = list(self._open)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return  # clients hang up on purpose (timeouts, the slow page)
        super().handle_error(request, client_address)


class DemoSite:
    """The demo shops on 127.0.0.1, in a background thread.

    ``with DemoSite() as site: site.url("demo-thoitrang.vn")``
    """

    def __init__(self, port: int = 0) -> None:
        self.port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._seen: list[tuple[str, str]] = []

    def start(self) -> Self:
        if self._server is not None:
            raise RuntimeError("the demo site is already running")
        self._server = _Server(("127.0.0.1", self.port), self._seen)
        self.port = self._server.server_port
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
            name=f"demosite:{self.port}", daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.stopping.set()  # releases /slow/never before anything waits on it
        server.shutdown()
        server.close_open_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def portal_url(self) -> str:
        return self._origin(PORTAL)

    def url(self, host: str, path: str = "/") -> str:
        if host not in DEMO_HOSTS:
            raise ValueError(f"{host!r} is not a demo host; choose from {', '.join(DEMO_HOSTS)}")
        if not path.startswith("/"):
            raise ValueError(f"path must start with '/': {path!r}")
        return self._origin(host) + path

    def seeds(self) -> list[str]:
        return [self.url(host) for host in STOREFRONTS]

    def host_map(self) -> dict[str, str]:
        return {host: "127.0.0.1" for host in DEMO_HOSTS}

    def ad_links_csv(self, path: str | Path) -> Path:
        """Write the ads spider's input: one click URL per demo advertisement."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["ad_id", "source", "url", "first_seen"])
            for ad in ADS:
                writer.writerow([ad.ad_id, ad.source, self.url(QUANGCAO, f"/c/{ad.ad_id}"), ad.first_seen])
        return target

    def requests_seen(self) -> list[tuple[str, str]]:
        """``(host, path with query)`` of every request so far, for "never fetched" checks."""
        return list(self._seen)

    def _origin(self, host: str) -> str:
        if self.port == 0:
            raise RuntimeError("start() the demo site first: its port is not known yet")
        return f"http://{host}:{self.port}"
