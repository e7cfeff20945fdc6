"""Badge marks: every element that looks like the MOIT badge ("Đã thông báo / Đã đăng ký Bộ Công
Thương") and every link to online.gov.vn, as written in the page.

These are facts of the markup, read before the tree is prepared for text (so a snippet is the markup
as served): whether a mark holds up against the registry is the rules' question
(``detectors.rules.badges``). Image, file name and alt text prove nothing (legal-rules §5.1:
self-hosted copies and lookalikes abound).

A badge is drawn in many ways: an ``<img>``; a sprite icon (``<i class="icon-congthuong">``); a
background image named by a ``<style>`` rule or an inline style (page builders: an empty ``<div>``
whose rule says ``background-image: url(…da-thong-bao-bo-cong-thuong….png)``). Its link may be
a plain ``href``, a ``javascript:window.open('…')`` wrapper or an ``onclick``, the original address
kept by a mirroring tool (``tppabs``), or an address written without its scheme
(``online.gov.vn/Home/WebDetails/…``). One link is one mark, and an element that merely holds a
mark (a footer ``div.footer-bct`` around the linked image) is not a second one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin

import lxml.html

from detectors.page.styles import css_rules, select, style_urls
from detectors.page.text import CssPaths, css_path, normalize_whitespace
from detectors.portal import is_portal_url
from detectors.types import BadgeMark

__all__ = ["read_badge_marks"]

# Badge image file names seen in the wild (legal-rules §5.1): the portal's own images, self-hosted
# copies and lookalikes. Matched on the file name of src / data-src / srcset / a CSS url().
NOTIFIED_FILE_RE = re.compile(r"logosalenoti|da[-_]?thong[-_]?bao|dathongbao|noticed", re.I)  # blue, "Đã thông báo"
REGISTERED_FILE_RE = re.compile(r"logoccdv|da[-_]?dang[-_]?ky|dadangky|mau[-_]?do", re.I)  # red, "Đã đăng ký"
GENERIC_FILE_RE = re.compile(r"bo[-_]?cong[-_]?thuong|congthuong|(?<![a-z])bct(?![a-z])", re.I)  # "Bộ Công Thương", "bct.png"
# CSS sprite and background classes: "icon-congthuong", "icontgdd-bct", "bo-cong-thuong", "logoSaleNoti".
BADGE_CLASS_RE = re.compile(
    r"cong[-_]?thuong|da[-_]?thong[-_]?bao|dathongbao|da[-_]?dang[-_]?ky|dadangky|logosalenoti|logoccdv"
    r"|(?:^|[-_\s])bct(?:$|[-_\s])",
    re.I,
)
NOTIFIED_CLASS_RE = re.compile(r"da[-_]?thong[-_]?bao|dathongbao|logosalenoti", re.I)
REGISTERED_CLASS_RE = re.compile(r"da[-_]?dang[-_]?ky|dadangky|logoccdv", re.I)
# alt / title / aria-label texts: "Đã thông báo Bộ Công Thương", "Đã đăng ký Bộ Công Thương", "Thông báo BCT".
BADGE_TEXT_RE = re.compile(r"bộ\s+công\s+thương|(?<!\w)bct(?!\w)|đã\s+thông\s+báo|đã\s+đăng\s+ký\s+(?:với\s+)?bộ", re.I)
NOTIFIED_TEXT_RE = re.compile(r"đã\s+thông\s+báo", re.I)
REGISTERED_TEXT_RE = re.compile(r"đã\s+đăng\s+ký", re.I)
# Lazy-loading attributes that hold the real image (Sapo, WordPress, Haravan themes).
IMAGE_SOURCE_ATTRS = ("src", "data-src", "data-original", "data-lazy-src", "data-lazy", "srcset", "data-srcset")
# Lazy background images ("lazysizes" and theme scripts, on an element of class "lazy…").
BACKGROUND_ATTRS = ("data-bg", "data-background", "data-background-image")
# Where a link's address may hide: a mirror's copy of the original (HTTrack, Teleport Pro), a script.
MIRROR_ATTRS = ("tppabs",)
_EMBEDDED_URL = re.compile(r"""(?:https?:)?//[^\s'"<>]+""", re.I)
_SCHEMELESS_PORTAL = re.compile(r"^(?:www\.)?online\.gov\.vn(?:[/?#]|$)", re.I)

# A literal every match of the three file patterns above contains: a stylesheet holding none of them
# names no badge, and its rules need not be read one by one.
_BADGE_FILE_NEEDLES = ("salenoti", "thong", "noticed", "ccdv", "dang", "mau", "cong", "bct")
_EMPTY_HREFS = ("", "#", "/")
_ICON_TAGS = ("i", "span", "div", "a", "em")  # elements a badge class marks as a badge icon
_CLAIM_TAGS = ("img", *_ICON_TAGS)
MAX_ICON_TEXT = 60  # an icon holds next to no text: a block of prose with a "bct" class is no badge


@dataclass
class _Mark:
    mark: BadgeMark
    element: lxml.html.HtmlElement  # the link when there is one, else the badge element


def read_badge_marks(root: lxml.html.HtmlElement, base_url: str, paths: CssPaths,
                     stylesheets: tuple[str, ...] = ()) -> tuple[BadgeMark, ...]:
    """The badge marks of a document not yet prepared for text, in document order of discovery
    (markup first, then backgrounds named by stylesheets)."""
    found: dict[str, _Mark] = {}
    # Only these tags can be a badge (``_badge_kind``) or a portal link: lxml filters the others
    # in C, in document order.
    for el in root.iter(*_CLAIM_TAGS):
        kind, basis, image = _badge_kind(el)
        if basis is None and (el.tag != "a" or not _may_link_to_portal(el, base_url)):
            continue  # neither a badge nor a portal link: its href would not matter (urljoin is slow)
        href = _link_of(el, base_url)
        if basis is None and not (href is not None and is_portal_url(href)):
            continue
        _add(found, el, href, kind, basis or "portal-link", image, _markup(el), paths)
    for el, url, where in _backgrounds(root, stylesheets):
        kind = _file_kind(url)
        _add(found, el, _link_of(el, base_url), kind, "css-background", url, f"{_markup(el)} {where}", paths)
    return tuple(m.mark for m in _without_containers(list(found.values())))


def _add(found: dict[str, _Mark], el: lxml.html.HtmlElement, href: str | None, kind: str | None, basis: str,
         image: str | None, markup: str, paths: CssPaths) -> None:
    anchor = _anchor(el)
    owner = anchor if anchor is not None else el
    key = css_path(owner, paths)
    previous = found.get(key)
    # One claim per link: an <a> holding an <img> and an <i> icon is one badge.
    image_kind = (kind if kind != "generic" else None) or (previous.mark.image_kind if previous else None)
    if previous is not None:
        basis = previous.mark.basis if previous.mark.basis != "portal-link" else basis
        image = previous.mark.image_url or image
    snippet = _shorten(_markup(anchor) if anchor is not None else markup)
    found[key] = _Mark(BadgeMark(key, snippet, href, image_kind, basis, image), owner)


def _without_containers(marks: list[_Mark]) -> list[_Mark]:
    """Drop an unlinked mark whose element holds another mark: it is the wrapper of that badge."""
    holders = {holder for m in marks for holder in m.element.iterancestors()}
    return [m for m in marks if m.mark.href is not None or m.element not in holders]


def _badge_kind(el: lxml.html.HtmlElement) -> tuple[str | None, str | None, str | None]:
    """(kind, basis, image) when the element looks like a MOIT badge: kind "notified" /
    "registered" / "generic", basis "image" / "icon" / "css-background" (inline) / "label";
    (None, None, None) otherwise."""
    if el.tag == "img":
        sources = [value for value in (el.get(a) for a in IMAGE_SOURCE_ATTRS) if value]
        kind = _file_kind(" ".join(sources))
        if kind is not None:
            return kind, "image", next(v.strip() for v in sources if _file_kind(v))
    else:
        classes = el.get("class") or ""
        if classes and BADGE_CLASS_RE.search(classes) and _is_icon(el):
            kind = "notified" if NOTIFIED_CLASS_RE.search(classes) else (
                "registered" if REGISTERED_CLASS_RE.search(classes) else "generic")
            return kind, "icon", None
        if (background := _inline_background(el, classes)) is not None:
            return _file_kind(background), "css-background", background
    if el.tag not in ("img", "a"):
        return None, None, None
    texts = " ".join(el.get(a) or "" for a in ("alt", "title", "aria-label"))
    # A short label only: a news photo captioned "Bộ trưởng Bộ Công Thương phát biểu..." is no badge.
    if len(texts.strip()) <= 80 and BADGE_TEXT_RE.search(texts):
        if NOTIFIED_TEXT_RE.search(texts):
            return "notified", "label", None
        if REGISTERED_TEXT_RE.search(texts):
            return "registered", "label", None
        return "generic", "label", None
    return None, None, None


def _inline_background(el: lxml.html.HtmlElement, classes: str) -> str | None:
    """A badge image named by the element's own style, or by the attribute a lazy loader reads
    (only on elements whose class names the loader: "lazy", "lazyload", "bg-lazy")."""
    style = el.get("style")
    urls = style_urls(style) if style and "url(" in style else []
    if "lazy" in classes:
        urls += [value for value in (el.get(a) for a in BACKGROUND_ATTRS) if value]
    for url in urls:
        if _file_kind(url):
            return url
    return None


def _is_icon(el: lxml.html.HtmlElement) -> bool:
    text = el.text_content()
    return len(text) <= MAX_ICON_TEXT or len(normalize_whitespace(text)) <= MAX_ICON_TEXT


def _file_kind(source: str) -> str | None:
    names = _file_name(source)
    if NOTIFIED_FILE_RE.search(names):
        return "notified"
    if REGISTERED_FILE_RE.search(names):
        return "registered"
    if GENERIC_FILE_RE.search(names):
        return "generic"
    return None


def _file_name(src: str) -> str:
    # Only the file names: a host like "bct.gov.vn" or a folder "/bocongthuong/" is not a badge image.
    names = [part.split("?")[0].rsplit("/", 1)[-1] for part in re.split(r"[\s,]+", src) if part]
    return " ".join(n for n in names if not n.startswith("data:"))


def _backgrounds(root: lxml.html.HtmlElement, stylesheets: tuple[str, ...]
                 ) -> list[tuple[lxml.html.HtmlElement, str, str]]:
    """(element, image URL, the rule) for every background image a ``<style>`` rule names like a
    badge (inline styles are read with the element, ``_inline_background``)."""
    found = []
    for rule in css_rules(stylesheets, _BADGE_FILE_NEEDLES, _names_badge):
        url = next(u for u in style_urls(rule.declarations) if _file_kind(u))
        for el in select(root, rule.selector):
            found.append((el, url, f"(<style>: {rule.selector} {{ background-image: url({url}) }})"))
    return found


def _names_badge(declarations: str) -> bool:
    return any(_file_kind(url) for url in style_urls(declarations))


def _anchor(el: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    node: lxml.html.HtmlElement | None = el
    for _ in range(4):  # <a><span><img></span></a>: a badge sits at most a few levels inside its link
        if node is None:
            return None
        if node.tag == "a":
            return node
        node = node.getparent()
    return None


def _may_link_to_portal(anchor: lxml.html.HtmlElement, base_url: str) -> bool:
    """False only when no address this link may lead to can be on online.gov.vn: then
    ``_link_of`` need not run (``urljoin`` is slow, and most links of a page lead elsewhere).

    The joined URL's host is copied from the href or ``base_url`` (urlsplit only drops tabs and
    newlines first), so "online.gov.vn" must occur in one of them. With ASCII and no brackets,
    urlsplit has nothing to reject (IPv6 literals, NFKC-unsafe hosts), so skipping changes no
    outcome, exceptions included.
    """
    values = [anchor.get("href") or "", anchor.get("onclick") or "", base_url]
    values += [anchor.get(a) or "" for a in MIRROR_ATTRS]
    joined = " ".join(values)
    if not joined.isascii() or "[" in joined or "]" in joined:
        return True
    return "online.gov.vn" in joined.lower().replace("\t", "").replace("\r", "").replace("\n", "")


def _link_of(el: lxml.html.HtmlElement, base_url: str) -> str | None:
    """Where the badge's link leads, however it is written; None without a link."""
    anchor = _anchor(el)
    if anchor is None:
        return None
    for attribute in MIRROR_ATTRS:  # the address before a mirroring tool rewrote the href
        original = (anchor.get(attribute) or "").strip()
        if original:
            return _absolute(original, base_url)
    href = str(anchor.get("href") or "").strip()
    if href.lower().startswith("javascript:") or href in _EMPTY_HREFS:
        # "javascript:window.open('http://online.gov.vn/…')", or href="#" with an onclick doing it
        script = href if href.lower().startswith("javascript:") else ""
        embedded = _EMBEDDED_URL.search(f"{script} {anchor.get('onclick') or ''}")
        return _absolute(_balanced(embedded.group(0)), base_url) if embedded else None
    if href.lower().startswith(("mailto:", "tel:")):
        return None
    return _absolute(href, base_url)


def _balanced(url: str) -> str:
    """Drop the script's closing brackets from an address caught inside it ("…/61109)", "…)")):
    a cookieless session segment "(X(1)S(…))" keeps its own."""
    while url and url[-1] in ");," and (url[-1] != ")" or url.count(")") > url.count("(")):
        url = url[:-1]
    return url


def _absolute(href: str, base_url: str) -> str | None:
    if _SCHEMELESS_PORTAL.match(href):
        return "http://" + href  # "online.gov.vn/Home/WebDetails/…" is no path of this site
    try:
        return urljoin(base_url, href)
    except ValueError:  # an invalid IPv6 literal
        return None


def _markup(el: lxml.html.HtmlElement) -> str:
    return normalize_whitespace(lxml.html.tostring(el, encoding="unicode", with_tail=False))


def _shorten(markup: str) -> str:
    return markup if len(markup) <= 300 else markup[:297] + "..."
