"""The one place where a Scrapy response becomes a snapshot item (what the judge reads) and the
links the spider follows."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from scrapy.http import Response, TextResponse

from detectors.page.model import looks_like_html

from .items import PageSnapshotItem


def content_type(response: Response) -> str | None:
    value = response.headers.get(b"Content-Type")
    return value.decode("latin-1") if value else None


def is_html(response: Response) -> bool:
    return isinstance(response, TextResponse) and looks_like_html(content_type(response), response.body)


def page_links(response: Response) -> list[str]:
    """The absolute targets of the page's ``<a href>``: a light read of the page, for the spider to
    follow; the judge reads the page in full elsewhere."""
    if not is_html(response):
        return []
    assert isinstance(response, TextResponse)
    try:
        hrefs = response.xpath("//a/@href").getall()
    except ValueError:  # a body lxml cannot read at all
        return []
    links = []
    for href in hrefs:
        href = href.strip()
        if href and not href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
            try:
                links.append(response.urljoin(href))
            except ValueError:  # e.g. an invalid IPv6 literal
                continue
    return links


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


def snapshot_item(response: Response, **extra: Any) -> PageSnapshotItem:
    request = response.request
    requested = (request.meta.get("redirect_urls") or [request.url])[0] if request else response.url
    return PageSnapshotItem(
        requested_url=requested,
        final_url=response.url,
        status=response.status,
        headers=response_headers(response),
        body=response.body,
        fetched_at=datetime.now(timezone.utc),
        content_type=content_type(response),
        request=request,
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
