"""MOIT badges ("Đã thông báo / Đã đăng ký Bộ Công Thương") and whether they hold up.

A badge is a *claim*: an image or icon that looks like the MOIT badge, or any link to
online.gov.vn. Image, file name and alt text prove nothing (legal-rules §5.1: self-hosted
copies and lookalikes abound); a claim is valid only when its link carries a record id
that resolves to an ACTIVE record for the page's own registrable domain.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Sequence
from urllib.parse import urljoin

import lxml.html

from detectors.page.document import Needles, blocks_with, root_of
from detectors.portal import is_portal_url, parse_portal_link
from detectors.page.text import css_path, normalize_whitespace
from detectors.types import Page, Registry, RegistryRecord

__all__ = ["BadgeClaim", "badge_claims", "pending_claims"]

# Badge image file names seen in the wild (legal-rules §5.1): the portal's own images, self-hosted
# copies and lookalikes. Matched on the file name of src / data-src / srcset.
NOTIFIED_FILE_RE = re.compile(r"logosalenoti|da[-_]?thong[-_]?bao|dathongbao|noticed", re.I)  # blue, "Đã thông báo"
REGISTERED_FILE_RE = re.compile(r"logoccdv|da[-_]?dang[-_]?ky|dadangky|mau[-_]?do", re.I)  # red, "Đã đăng ký"
GENERIC_FILE_RE = re.compile(r"bo[-_]?cong[-_]?thuong|congthuong|(?<![a-z])bct(?![a-z])", re.I)  # "Bộ Công Thương", "bct.png"
# CSS sprite icons: "icon-congthuong", "icontgdd-bct", "iconlogo-bocongthuong", "logo-bct-footer".
BADGE_CLASS_RE = re.compile(r"congthuong|dathongbao|da-thong-bao|dadangky|(?:^|[-_])bct(?:$|[-_])", re.I)
# alt / title / aria-label texts: "Đã thông báo Bộ Công Thương", "Đã đăng ký Bộ Công Thương", "Thông báo BCT".
BADGE_TEXT_RE = re.compile(r"bộ\s+công\s+thương|(?<!\w)bct(?!\w)|đã\s+thông\s+báo|đã\s+đăng\s+ký\s+(?:với\s+)?bộ", re.I)
NOTIFIED_TEXT_RE = re.compile(r"đã\s+thông\s+báo", re.I)
REGISTERED_TEXT_RE = re.compile(r"đã\s+đăng\s+ký", re.I)
# Lazy-loading attributes that hold the real image (Sapo, WordPress, Haravan themes).
IMAGE_SOURCE_ATTRS = ("src", "data-src", "data-original", "data-lazy-src", "data-lazy", "srcset", "data-srcset")
# "Đang chờ xác nhận / đang thực hiện thủ tục" next to the ministry's name: a badge claiming a
# procedure that is not finished (legal-rules §1 ECOM-BADGE-FAKE, §6: fake "Đang thực hiện thủ tục" texts).
PENDING_CLAIM_RE = re.compile(
    r"đang\s+(?:chờ\s+(?:bộ\s+công\s+thương\s+)?(?:xác\s+nhận|duyệt|phê\s+duyệt)"
    r"|(?:thực\s+hiện|làm|hoàn\s+thiện)\s+thủ\s+tục\s+(?:đăng\s+ký|thông\s+báo))",
    re.I,
)
MINISTRY_RE = re.compile(r"bộ\s+công\s+thương|(?<!\w)bct(?!\w)|online\.gov\.vn", re.I)
_PENDING_NEEDLES = Needles(["đang"])  # every PENDING_CLAIM_RE match starts with it
_EMPTY_HREFS = ("", "#", "/")
_ICON_TAGS = ("i", "span", "div", "a", "em")  # elements a badge class marks as a badge icon
_CLAIM_TAGS = ("img", *_ICON_TAGS)


@dataclass(frozen=True)
class BadgeClaim:
    """One badge or portal link and what checking it showed."""

    css_path: str
    snippet: str  # the markup as written (shortened)
    href: str | None  # absolute link target, if any
    record_id: str | None
    image_kind: str | None  # "notified" | "registered" | None: what the image/alt suggests
    status: str  # see STATUSES
    record: RegistryRecord | None = None
    others: tuple[RegistryRecord, ...] = field(default=())  # records found under the id for other domains

    @property
    def is_valid(self) -> bool:
        return self.status == "valid"

    @property
    def kind_hint(self) -> str | None:
        if self.record is not None:
            return self.record.kind
        return self.image_kind


STATUSES = {
    "valid": "resolves to an active record for this domain",
    "unverified": "links to a portal record, but no registry was consulted",
    "no_link": "badge image or icon without a link",
    "not_portal": "badge links somewhere other than online.gov.vn",
    "no_record_id": "links to online.gov.vn without a record id",
    "unresolved": "links to a portal record the registry does not hold (not fetched yet?)",
    "not_found": "record id not found in a registry declared complete",
    "other_domain": "record belongs to another domain",
    "revoked": "record is revoked",
    "pending": "record is pending ('Website chưa được xác nhận')",
}


def badge_claims(page: Page, registry: Registry | None, *, registry_complete: bool = False) -> list[BadgeClaim]:
    """Every badge image/icon and every link to online.gov.vn on the page, checked.

    A record id the registry does not hold is "unresolved" (the crawler fills the registry as it
    fetches portal pages, and a portal outage must not turn every badge into a fake) unless the
    caller declares the registry complete, when it is "not_found".
    """
    return [_check(page, raw, registry, registry_complete) for raw in _raw_claims(page.html, page.url)]


def pending_claims(page: Page) -> list[tuple[str, str]]:
    """(text, css_path) of sentences saying the MOIT procedure is still pending."""
    return [
        (b.text, b.css_path)
        for b in blocks_with(page.html, _PENDING_NEEDLES)
        if PENDING_CLAIM_RE.search(b.text) and MINISTRY_RE.search(b.text) and len(b.text) < 400
    ]


@dataclass(frozen=True)
class _RawClaim:
    css_path: str
    snippet: str
    href: str | None
    image_kind: str | None


@functools.lru_cache(maxsize=16)
def _raw_claims(html: str, base_url: str) -> tuple[_RawClaim, ...]:
    root = root_of(html)
    if root is None:
        return ()
    claims: dict[str, _RawClaim] = {}
    # Only these tags can be a badge (``_badge_kind``) or a portal link: lxml filters the others
    # in C, in document order as before.
    for el in root.iter(*_CLAIM_TAGS):
        kind = _badge_kind(el)
        if kind is None and (el.tag != "a" or not _may_join_to_portal(el.get("href"), base_url)):
            continue  # neither a badge nor a portal link: its href would not matter (urljoin is slow)
        href = _link_of(el, base_url)
        portal = href is not None and is_portal_url(href)
        if kind is None and not portal:
            continue
        anchor = _anchor(el)
        key = css_path(anchor) if anchor is not None else css_path(el)
        previous = claims.get(key)
        # One claim per link: an <a> holding an <img> and an <i> icon is one badge.
        image_kind = (kind if kind != "generic" else None) or (previous.image_kind if previous else None)
        claims[key] = _RawClaim(key, _snippet(anchor if anchor is not None else el), href, image_kind)
    return tuple(claims.values())


def _badge_kind(el: lxml.html.HtmlElement) -> str | None:
    """"notified" / "registered" / "generic" when the element looks like a MOIT badge."""
    texts = " ".join(el.get(a) or "" for a in ("alt", "title", "aria-label"))
    if el.tag == "img":
        sources = " ".join(_file_name(el.get(a) or "") for a in IMAGE_SOURCE_ATTRS)
        if NOTIFIED_FILE_RE.search(sources):
            return "notified"
        if REGISTERED_FILE_RE.search(sources):
            return "registered"
        if GENERIC_FILE_RE.search(sources):
            return "generic"
    elif BADGE_CLASS_RE.search(el.get("class") or "") and el.tag in _ICON_TAGS:
        return "generic"
    # A short label only: a news photo captioned "Bộ trưởng Bộ Công Thương phát biểu..." is no badge.
    if el.tag in ("img", "a") and len(texts.strip()) <= 80 and BADGE_TEXT_RE.search(texts):
        if NOTIFIED_TEXT_RE.search(texts):
            return "notified"
        if REGISTERED_TEXT_RE.search(texts):
            return "registered"
        return "generic"
    return None


def _file_name(src: str) -> str:
    # Only the file names: a host like "bct.gov.vn" or a folder "/bocongthuong/" is not a badge image.
    names = [part.split("?")[0].rsplit("/", 1)[-1] for part in re.split(r"[\s,]+", src) if part]
    return " ".join(n for n in names if not n.startswith("data:"))


def _anchor(el: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    node: lxml.html.HtmlElement | None = el
    for _ in range(4):  # <a><span><img></span></a>: a badge sits at most a few levels inside its link
        if node is None:
            return None
        if node.tag == "a":
            return node
        node = node.getparent()
    return None


def _may_join_to_portal(href: str | None, base_url: str) -> bool:
    """False only when ``is_portal_url(urljoin(base_url, href))`` is surely False and ``urljoin``
    surely does not raise: then ``_link_of`` need not run.

    The joined URL's host is copied from ``href`` or ``base_url`` (urlsplit only drops tabs and
    newlines first), so "online.gov.vn" must occur in one of them. With ASCII and no brackets,
    urlsplit has nothing to reject (IPv6 literals, NFKC-unsafe hosts), so skipping changes no
    outcome, exceptions included.
    """
    both = f"{href or ''} {base_url}"
    if not both.isascii() or "[" in both or "]" in both:
        return True
    return "online.gov.vn" in both.lower().replace("\t", "").replace("\r", "").replace("\n", "")


def _link_of(el: lxml.html.HtmlElement, base_url: str) -> str | None:
    anchor = _anchor(el)
    if anchor is None:
        return None
    href = str(anchor.get("href") or "").strip()
    if href in _EMPTY_HREFS or href.lower().startswith(("javascript:", "mailto:", "tel:")):
        return None
    return urljoin(base_url, href)


def _snippet(el: lxml.html.HtmlElement) -> str:
    markup = lxml.html.tostring(el, encoding="unicode", with_tail=False)
    markup = normalize_whitespace(markup)
    return markup if len(markup) <= 300 else markup[:297] + "..."


def _check(page: Page, raw: _RawClaim, registry: Registry | None, complete: bool) -> BadgeClaim:
    def claim(status: str, record_id: str | None = None, record: RegistryRecord | None = None,
              others: Sequence[RegistryRecord] = ()) -> BadgeClaim:
        return BadgeClaim(raw.css_path, raw.snippet, raw.href, record_id, raw.image_kind, status, record, tuple(others))

    if raw.href is None:
        return claim("no_link")
    if not is_portal_url(raw.href):
        return claim("not_portal")
    link = parse_portal_link(raw.href)
    if link is None:
        return claim("no_record_id")
    if registry is None:
        return claim("unverified", link.record_id)
    records = list(registry.by_record_id(link.record_id))
    own = [r for r in records if r.domain == page.domain]
    others = [r for r in records if r.domain != page.domain]
    for status in ("active", "pending", "revoked"):
        match = next((r for r in own if r.status == status), None)
        if match is not None:
            return claim("valid" if status == "active" else status, link.record_id, match, others)
    if others:
        return claim("other_domain", link.record_id, None, others)
    return claim("not_found" if complete else "unresolved", link.record_id)
