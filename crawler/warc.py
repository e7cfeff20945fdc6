"""A WARC file (gzip, WARC/1.1, warcio) of the documents a browser visit received.

One request and one response record per main-frame document, redirect hops included, in the
order they arrived; readable by any WARC tool (``warcio index``, pywb, replayweb.page).

The bodies are those Chromium handed over, with any Content-Encoding already undone, so the
records carry ``Content-Encoding``/``Transfer-Encoding`` renamed to ``X-Ecwatch-Original-*`` and a
Content-Length of the stored bytes: a replay tool must not try to decompress them again.
"""

from __future__ import annotations

from datetime import datetime, timezone
from http import HTTPStatus
from io import BytesIO
from typing import Iterable
from urllib.parse import urlsplit

from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from .recorder import Exchange

SOFTWARE = "ecwatch/0.1 (warcio; https://github.com/ecwatch/ecwatch)"
_REWRITTEN = ("content-encoding", "transfer-encoding")
_UNREADABLE_BODY = "unspecified"  # WARC-Truncated value when Chromium could not give the body


def build_warc(exchanges: Iterable[Exchange], captured_at: datetime) -> bytes:
    out = BytesIO()
    writer = WARCWriter(out, gzip=True, warc_version="WARC/1.1")
    info = {"software": SOFTWARE, "format": "WARC File Format 1.1",
            "description": "main-frame documents of one ecwatch browser visit, in order",
            "captured-at": _warc_date(captured_at)}
    writer.write_record(writer.create_warcinfo_record("ecwatch-capture.warc.gz", info))
    for exchange in exchanges:
        response = _response_record(writer, exchange)
        request = _request_record(writer, exchange, response.rec_headers.get_header("WARC-Record-ID"))
        writer.write_record(request)
        writer.write_record(response)
    return out.getvalue()


def _response_record(writer: WARCWriter, exchange: Exchange) -> ArcWarcRecord:
    body = exchange.body or b""
    headers = _stored_headers(exchange.headers, len(body))
    status_line = f"{exchange.status} {exchange.status_text or _reason(exchange.status)}".strip()
    warc_headers = {"WARC-Date": _warc_date(exchange.at)}
    if exchange.ip:
        warc_headers["WARC-IP-Address"] = exchange.ip
    if exchange.body is None:
        warc_headers["WARC-Truncated"] = _UNREADABLE_BODY
    return writer.create_warc_record(
        exchange.url, "response", payload=BytesIO(body), length=len(body),
        http_headers=StatusAndHeaders(status_line, headers, protocol="HTTP/1.1"),
        warc_headers_dict=warc_headers,
    )


def _request_record(writer: WARCWriter, exchange: Exchange, concurrent_to: str | None) -> ArcWarcRecord:
    parts = urlsplit(exchange.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = [(k, v) for k, v in exchange.request_headers if not k.startswith(":")]
    if not any(k.lower() == "host" for k, _ in headers):
        headers.insert(0, ("Host", parts.netloc))
    warc_headers = {"WARC-Date": _warc_date(exchange.at)}
    if concurrent_to:
        warc_headers["WARC-Concurrent-To"] = concurrent_to
    return writer.create_warc_record(
        exchange.url, "request", payload=BytesIO(b""), length=0,
        http_headers=StatusAndHeaders(f"{exchange.method} {target} HTTP/1.1", headers, is_http_request=True),
        warc_headers_dict=warc_headers,
    )


def _stored_headers(headers: list[tuple[str, str]], length: int) -> list[tuple[str, str]]:
    stored = []
    for name, value in headers:
        lowered = name.lower()
        if lowered.startswith(":") or lowered == "content-length":
            continue
        if lowered in _REWRITTEN:
            name = "X-Ecwatch-Original-" + "-".join(part.capitalize() for part in lowered.split("-"))
        stored.append((name, value))
    stored.append(("Content-Length", str(length)))
    return stored


def _warc_date(moment: datetime) -> str:
    # warcio formats naive datetimes as UTC; an aware one would come out as "...+00:00Z".
    naive = moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment
    return str(datetime_to_iso_date(naive, use_micros=True))


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
