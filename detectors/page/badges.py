"""Badge marks: every element that looks like the MOIT badge ("Đã thông báo / Đã đăng ký Bộ Công
Thương") and every link to online.gov.vn, as written in the page.

These are facts of the markup, read before the tree is prepared for text (so a snippet is the markup
as served): whether a mark holds up against the registry is the rules' question
(``detectors.rules.badges``). Image, file name and alt text prove nothing (legal-rules §5.1:
self-hosted copies and lookalikes abound).
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

import lxml.html

from detectors.page.text import CssPaths, css_path, normalize_whitespace
from detectors.portal import is_portal_url
from detectors.types import BadgeMark

__all__ = ["read_badge_marks"]

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

_EMPTY_HREFS = ("", "#", "/")
_ICON_TAGS = ("i", "span", "div", "a", "em")  # elements a badge class marks as a badge icon
_CLAIM_TAGS = ("img", *_ICON_TAGS)


def read_badge_marks(root: lxml.html.HtmlElement, base_url: str, paths: CssPaths) -> tuple[BadgeMark, ...]:
    """The badge marks of a document not yet prepared for text, in document order."""
    claims: dict[str, BadgeMark] = {}
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
        key = css_path(anchor, paths) if anchor is not None else css_path(el, paths)
        previous = claims.get(key)
        # One claim per link: an <a> holding an <img> and an <i> icon is one badge.
        image_kind = (kind if kind != "generic" else None) or (previous.image_kind if previous else None)
        claims[key] = BadgeMark(key, _snippet(anchor if anchor is not None else el), href, image_kind)
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
