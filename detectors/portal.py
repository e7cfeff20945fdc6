"""Links to, and record pages of, the E-commerce Management Portal (online.gov.vn).

Record URL forms seen in the wild (legal-rules §5.1), any scheme, with or without ``www.``:

- ``/Home/WebDetails/<id>`` and ``/Home/AppDetails/<id>`` (current; apps sometimes with
  ``?AspxAutoDetectCookieSupport=1`` and an ASP.NET cookieless segment ``/(X(1)S(...))/``);
- legacy ``[/HomePage]/CustomWebsiteDisplay.aspx?DocId=<id>`` and ``CustomAppDisplay.aspx``
  (notified sales sites/apps), ``[/HomePage]/WebsiteDisplay.aspx?DocId=<id>`` and ``AppDisplay.aspx``
  (apparently registered service sites [U]).

A bare ``online.gov.vn`` link, ``href=""`` or ``javascript:`` is *not* a record link.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urljoin, urlsplit

import lxml.html

from detectors.types import Page, RegistryRecord

from detectors.domains import registrable_domain

__all__ = ["PORTAL_HOSTS", "PortalLink", "is_portal_url", "parse_portal_link", "parse_portal_record", "portal_links"]

PORTAL_HOSTS = frozenset({"online.gov.vn", "www.online.gov.vn"})

# ASP.NET cookieless session segment, e.g. "/(X(1)S(k3yc0ysr0jtxpy32mp52zd3n))/Home/WebDetails/94973".
_COOKIELESS_RE = re.compile(r"/\([A-Za-z]\([^)]*\)(?:[A-Za-z]\([^)]*\))*\)", re.I)
_DETAILS_RE = re.compile(r"^/home/(web|app)details/(\d+)/?$", re.I)
_LEGACY_RE = re.compile(r"^/(?:homepage/)?(custom)?(website|app)display\.aspx$", re.I)


@dataclass(frozen=True)
class PortalLink:
    url: str  # absolute URL as linked
    record_id: str  # digits
    kind_hint: str | None  # "notified" | "registered" | None: what the URL form suggests
    path: str  # normalised path, e.g. "/Home/WebDetails/126026"
    target: str = "website"  # "website" | "app"
    legacy: bool = False
    css_path: str | None = None
    text: str = ""


def is_portal_url(url: str) -> bool:
    host = (urlsplit(url.strip()).hostname or "").lower()
    return host in PORTAL_HOSTS


def parse_portal_link(url: str, *, css_path: str | None = None, text: str = "") -> PortalLink | None:
    """A record link to the portal, or ``None`` (another host, no record id, unknown form)."""
    url = url.strip()
    if not is_portal_url(url):
        return None
    parts = urlsplit(url)
    path = _COOKIELESS_RE.sub("", unquote(parts.path)) or "/"  # the segment may come percent-encoded
    match = _DETAILS_RE.match(path)
    if match:
        target = "website" if match.group(1).lower() == "web" else "app"
        form = "WebDetails" if target == "website" else "AppDetails"
        return PortalLink(url, match.group(2), None, f"/Home/{form}/{match.group(2)}", target, False, css_path, text)
    match = _LEGACY_RE.match(path)
    if not match:
        return None
    doc_ids = [v for k, vs in parse_qs(parts.query).items() if k.lower() == "docid" for v in vs]
    if not doc_ids or not doc_ids[0].strip().isdigit():
        return None
    record_id = doc_ids[0].strip()
    custom, target = bool(match.group(1)), match.group(2).lower()
    # "Custom…Display" pages belong to notified sales sites; plain "…Display" pages show a
    # "loại website" field, consistent with registered service sites [U] (legal-rules §5.1).
    kind_hint = "notified" if custom else "registered"
    page = f"{'Custom' if custom else ''}{'Website' if target == 'website' else 'App'}Display.aspx"
    return PortalLink(url, record_id, kind_hint, f"/HomePage/{page}?DocId={record_id}", target, True, css_path, text)


def portal_links(page: Page) -> list[PortalLink]:
    """Every record link of the page to online.gov.vn, in page order, without repeats; badge links
    written in a script or kept by a mirroring tool (``Page.badge_marks``) included."""
    found: dict[tuple[str, str], PortalLink] = {}
    for link in page.links:
        parsed = parse_portal_link(link.href, css_path=link.css_path, text=link.text)
        if parsed is not None:
            found.setdefault((parsed.path, parsed.url), parsed)
    for image in page.images:
        if image.link_href:
            parsed = parse_portal_link(image.link_href, css_path=image.css_path, text=image.alt)
            if parsed is not None:
                found.setdefault((parsed.path, parsed.url), parsed)
    for mark in page.badge_marks:
        if mark.href:
            parsed = parse_portal_link(mark.href, css_path=mark.css_path)
            if parsed is not None:
                found.setdefault((parsed.path, parsed.url), parsed)
    return list(found.values())


# --- record pages -----------------------------------------------------------------------------------

# Field labels of the record page (legal-rules §5.1); matched without case or trailing colon.
_LABELS = {
    "website_name": ("tên website", "tên ứng dụng"),
    "domain": ("địa chỉ tên miền", "tên miền"),
    "company": ("tên doanh nghiệp", "tên thương nhân, tổ chức", "tên thương nhân", "tên tổ chức"),
    "service_type": ("loại hình cung cấp dịch vụ", "loại hình", "loại website", "loại ứng dụng"),
}
_PENDING_TEXTS = ("chưa được xác nhận", "đang chờ xác nhận", "đang chờ duyệt", "chờ xác nhận")
_REVOKED_TEXTS = ("đã bị hủy", "đã hủy", "bị thu hồi", "đã thu hồi", "hết hiệu lực", "ngừng hoạt động")
_DOMAIN_RE = re.compile(r"(?:https?://)?((?:[a-z0-9-]+\.)+[a-z]{2,})", re.I)


def parse_portal_record(html: str | bytes, url: str) -> RegistryRecord | None:
    """A record page of the portal as a ``RegistryRecord``; ``None`` if it is not one.

    Kind comes from the status image (``logoSaleNoti`` = notified, blue; ``logoCCDV`` =
    registered, red), else from the URL form; status is ``pending`` when the page says
    "Website chưa được xác nhận" or shows no status image, ``revoked`` on cancellation texts.
    """
    link = parse_portal_link(url)
    if link is None:
        return None
    try:
        doc = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return None
    fields = _labelled_fields(doc)
    domain_text = fields.get("domain") or ""
    match = _DOMAIN_RE.search(domain_text)
    if not match:
        return None
    status_kind = _status_image_kind(doc, url)
    text = " ".join(doc.text_content().split()).lower()
    kind = status_kind or link.kind_hint or ("registered" if fields.get("service_type") else "notified")
    if any(t in text for t in _REVOKED_TEXTS):
        status = "revoked"
    elif status_kind is None or any(t in text for t in _PENDING_TEXTS):
        status = "pending"
    else:
        status = "active"
    return RegistryRecord(
        record_id=link.record_id,
        domain=registrable_domain(match.group(1)),
        kind=kind,
        status=status,
        company=fields.get("company") or None,
        source="portal",
        url=url,
    )


def _labelled_fields(doc: lxml.html.HtmlElement) -> dict[str, str]:
    """Values next to the known labels: "<label>Tên Doanh nghiệp:</label> <span>value</span>"
    or "Tên Doanh nghiệp: value" in one element."""
    fields: dict[str, str] = {}
    for el in doc.iter():
        if not isinstance(el.tag, str) or el.tag in ("script", "style"):
            continue
        own = " ".join((el.text or "").split())
        if not own:
            continue
        label, _, rest = own.partition(":")
        key = _label_key(label)
        if key is None or key in fields:
            continue
        value = rest.strip() or _next_value(el)
        if value:
            fields[key] = value
    return fields


def _label_key(label: str) -> str | None:
    norm = " ".join(label.split()).strip().lower()
    for key, labels in _LABELS.items():
        if norm in labels:
            return key
    return None


def _next_value(el: lxml.html.HtmlElement) -> str:
    tail = " ".join((el.tail or "").split())
    if tail:
        return tail
    sibling = el.getnext()
    while sibling is not None:
        value = " ".join(sibling.text_content().split())
        if value:
            return value
        sibling = sibling.getnext()
    return ""


def _status_image_kind(doc: lxml.html.HtmlElement, url: str) -> str | None:
    # The status image is img.imageGridDetailLogo on current pages; fall back to any image.
    marked = [img for img in doc.iter("img") if "imageGridDetailLogo" in (img.get("class") or "")]
    for img in marked or list(doc.iter("img")):
        src = urljoin(url, img.get("src") or "").lower()
        if "logosalenoti" in src:
            return "notified"
        if "logoccdv" in src:
            return "registered"
    return None
