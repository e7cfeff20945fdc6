"""The WARC of a browser visit and the redirect chain read from its documents (no browser)."""

from __future__ import annotations

import gzip
from datetime import datetime, timedelta, timezone
from io import BytesIO

from warcio.archiveiterator import ArchiveIterator

from crawler.recorder import DocumentRecorder, Exchange
from crawler.warc import build_warc

T0 = datetime(2026, 11, 20, 3, 0, tzinfo=timezone.utc)


def _exchange(url: str, status: int, body: bytes | None, headers: list[tuple[str, str]] | None = None,
              seconds: int = 0) -> Exchange:
    return Exchange(url=url, method="GET", request_headers=[("User-Agent", "ecwatch/0.1")], status=status,
                    status_text="", headers=headers or [("Content-Type", "text/html; charset=utf-8")],
                    at=T0 + timedelta(seconds=seconds), body=body, ip="203.0.113.7")


def _ad_chain() -> list[Exchange]:
    return [
        _exchange("http://ads.vn/c/AD1", 302, b"", [("Location", "/lp/AD1")]),
        _exchange("http://ads.vn/lp/AD1", 200,
                  b'<html><head><meta http-equiv="refresh" content="0; url=/go/AD1"></head></html>', seconds=1),
        _exchange("http://ads.vn/go/AD1", 200, b"<script>location.href='https://shop.vn/p/1'</script>", seconds=2),
        _exchange("https://shop.vn/p/1", 200, "<h1>Nồi chiên</h1>".encode(),
                  [("Content-Type", "text/html"), ("Content-Encoding", "gzip"), ("Content-Length", "12")], seconds=3),
    ]


def test_the_chain_says_how_each_document_was_left_in_order() -> None:
    recorder = DocumentRecorder(exchanges=_ad_chain())
    hops = recorder.hops("https://shop.vn/p/1")
    assert [(h["url"], h["status"], h["via"], h["to"]) for h in hops] == [
        ("http://ads.vn/c/AD1", 302, "http", "http://ads.vn/lp/AD1"),
        ("http://ads.vn/lp/AD1", 200, "meta-refresh", "http://ads.vn/go/AD1"),
        ("http://ads.vn/go/AD1", 200, "javascript", "https://shop.vn/p/1"),
    ]
    assert hops[0]["at"] == "2026-11-20T03:00:00Z"
    assert recorder.final() is recorder.exchanges[-1]


def test_a_history_api_move_after_the_last_document_is_a_javascript_hop() -> None:
    recorder = DocumentRecorder(exchanges=[_exchange("https://shop.vn/", 200, b"<html></html>")])
    assert [(h["url"], h["via"], h["to"]) for h in recorder.hops("https://shop.vn/sale#top")] == [
        ("https://shop.vn/", "javascript", "https://shop.vn/sale#top")]
    assert recorder.hops("https://shop.vn/#top") == []


def test_the_warc_holds_a_request_and_a_response_per_document_in_order() -> None:
    data = build_warc(_ad_chain(), captured_at=T0 + timedelta(seconds=5))
    assert gzip.decompress(data)[:8] == b"WARC/1.1"
    records, bodies = [], []
    for record in ArchiveIterator(BytesIO(data)):  # a record's body can only be read while iterating
        records.append(record)
        bodies.append(record.content_stream().read())
    assert [r.rec_type for r in records] == ["warcinfo"] + ["request", "response"] * 4
    responses = [r for r in records if r.rec_type == "response"]
    assert [r.rec_headers.get_header("WARC-Target-URI") for r in responses] == [e.url for e in _ad_chain()]
    assert [r.http_headers.get_statuscode() for r in responses] == ["302", "200", "200", "200"]
    assert responses[0].http_headers.get_header("Location") == "/lp/AD1"
    assert responses[0].rec_headers.get_header("WARC-IP-Address") == "203.0.113.7"
    assert responses[0].rec_headers.get_header("WARC-Date") == "2026-11-20T03:00:00Z"
    final = responses[-1]
    assert bodies[-1] == "<h1>Nồi chiên</h1>".encode()
    # Chromium hands over decoded bodies: the record must not claim gzip.
    assert final.http_headers.get_header("Content-Encoding") is None
    assert final.http_headers.get_header("X-Ecwatch-Original-Content-Encoding") == "gzip"
    assert final.http_headers.get_header("Content-Length") == str(len("<h1>Nồi chiên</h1>".encode()))
    requests = [r for r in records if r.rec_type == "request"]
    assert requests[-1].http_headers.protocol == "GET"
    assert requests[-1].http_headers.get_header("Host") == "shop.vn"
    assert requests[-1].rec_headers.get_header("WARC-Concurrent-To") == final.rec_headers.get_header("WARC-Record-ID")


def test_a_body_chromium_could_not_give_is_marked_truncated() -> None:
    records = list(ArchiveIterator(BytesIO(build_warc([_exchange("https://shop.vn/", 200, None)], T0))))
    assert records[-1].rec_headers.get_header("WARC-Truncated") == "unspecified"
