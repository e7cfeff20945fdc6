"""The request handler of the tests' small shops: GET a path, get the HTML the shop makes for it tonight."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler
from typing import Callable


def html_handler(page: Callable[[str], bytes | None]) -> type[BaseHTTPRequestHandler]:
    """A handler serving ``page(path)`` (query left out) as UTF-8 HTML, or a 404 when it gives None."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            body = page(self.path.split("?")[0])
            status = 200 if body is not None else 404
            body = body if body is not None else b"<html><body>Not found</body></html>"
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    return Handler
