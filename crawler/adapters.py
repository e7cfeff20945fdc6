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
    content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1").lower()
    return "html" in content_type or (not content_type and b"<html" in response.body[:2048].lower())


def response_headers(response: Response) -> dict[str, Any]:
    return {
        key.decode("latin-1"): [v.decode("latin-1") for v in values]
        for key, values in response.headers.items()
    }


def redirect_chain(response: Response) -> list[dict[str, Any]]:
    """The hops Scrapy followed (HTTP 3xx, meta refresh) before ``response``, in order.

    Same shape as a browser visit's chain (``DocumentRecorder.hops``): the URL left, its status
    when known, how it was left (``http`` | ``meta-refresh`` | ``javascript``) and for where.
    """
    meta = response.request.meta if response.request else {}
    urls = list(meta.get("redirect_urls", []))
    reasons = list(meta.get("redirect_reasons", []))
    targets = urls[1:] + [response.url]
    return [{"url": url, "status": reason if isinstance(reason, int) else None, "via": _via(reason), "to": to}
            for url, reason, to in zip(urls, reasons, targets)]


def _via(reason: object) -> str:
    # Scrapy's RedirectMiddleware gives the status; MetaRefreshMiddleware says "meta refresh";
    # scrapy-playwright gives the status, or None for a hop whose response it did not see.
    if isinstance(reason, int) or reason is None:
        return "http"
    return str(reason).replace(" ", "-")


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
        rendered="playwright" in response.flags,
        **extra,
    )


def _tls_details(response: Response) -> dict[str, Any] | None:
    if response.request is not None and response.meta.get("playwright_security_details"):
        return tls_from_browser(response.meta["playwright_security_details"])
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


def tls_from_browser(details: dict[str, Any] | None) -> dict[str, Any] | None:
    """Playwright's ``Response.security_details()`` in the shape of the static path's TLS details."""
    if not details:
        return None
    return {"subject": details.get("subjectName"), "issuer": details.get("issuer"),
            "protocol": details.get("protocol"), "valid_from": details.get("validFrom"),
            "valid_to": details.get("validTo"), "source": "browser"}
