"""The one place where a Scrapy response becomes what the detectors read."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from scrapy.http import Response, TextResponse

from detectors import parse_page
from detectors.types import Page

from .items import PageSnapshotItem


def response_to_page(response: Response) -> Page | None:
    if not isinstance(response, TextResponse) or not _looks_like_html(response):
        return None
    return parse_page(response.body, response.url, encoding=response.encoding)


def _looks_like_html(response: TextResponse) -> bool:
    content_type = response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
    return "html" in content_type or (not content_type and b"<html" in response.body[:2048].lower())


def response_headers(response: Response) -> dict[str, Any]:
    return {
        key.decode("latin-1"): [v.decode("latin-1") for v in values]
        for key, values in response.headers.items()
    }


def redirect_chain(response: Response) -> list[dict[str, Any]]:
    urls = list(response.request.meta.get("redirect_urls", [])) if response.request else []
    reasons = list(response.request.meta.get("redirect_reasons", [])) if response.request else []
    hops = [{"url": url, "status": reason if isinstance(reason, int) else None,
             "via": "http" if isinstance(reason, int) else str(reason)} for url, reason in zip(urls, reasons)]
    return hops


def snapshot_item(response: Response, page: Page | None, **extra: Any) -> PageSnapshotItem:
    request = response.request
    requested = (request.meta.get("redirect_urls") or [request.url])[0] if request else response.url
    return PageSnapshotItem(
        requested_url=requested,
        final_url=response.url,
        status=response.status,
        headers=response_headers(response),
        body=response.body,
        fetched_at=datetime.now(timezone.utc),
        page=page,
        redirect_chain=redirect_chain(response),
        server_ip=str(response.ip_address) if response.ip_address else None,
        tls=_tls_details(response),
        **extra,
    )


def _tls_details(response: Response) -> dict[str, Any] | None:
    certificate = getattr(response, "certificate", None)
    if certificate is None:
        return None
    try:
        subject = certificate.getSubject()
        issuer = certificate.getIssuer()
        return {
            "subject": subject.commonName.decode() if subject.commonName else None,
            "issuer": issuer.commonName.decode() if issuer.commonName else None,
            "protocol": getattr(response, "protocol", None),
        }
    except Exception:  # noqa: BLE001 - a malformed certificate must not lose the snapshot
        return {"error": "certificate could not be read"}
