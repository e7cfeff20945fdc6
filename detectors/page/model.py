"""The page model: one parse of an HTML document into everything the rules look at.

lxml builds the DOM once. Structured data is read before scripts are stripped (JSON-LD
per script, so one broken block does not hide the others; microdata and OpenGraph
through extruct on the same tree; RDFa is not read: it costs ~40 ms a page,
shared/env-notes.md §4). Then the tree is prepared for text (``text.prepare_for_text``)
and links, images, visible text, language and offers are read from it.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from typing import Any
from urllib.parse import urljoin, urlsplit

import extruct
import lxml.html
from lxml import etree
from lxml.html import HtmlElement

from detectors.domains import registrable_domain
from detectors.page.language import declared_language, detect_language, hreflang_languages
from detectors.page.offers import extract_offers
from detectors.page.publisher import article_markers, order_forms, own_cart_links
from detectors.page.signals import compute_signals, is_cart_href, schema_types
from detectors.page.badges import read_badge_marks
from detectors.page.document import Document
from detectors.page.encoding import decode_document
from detectors.page.styles import BoxPositions, struck_elements
from detectors.page.text import (
    CssPaths,
    css_path,
    element_text,
    normalize_whitespace,
    prepare_for_text,
)
from detectors.types import Image, Link, Page

logger = logging.getLogger(__name__)

# Below this much visible text, a page with a script root is an unrendered application.
APP_SHELL_MAX_TEXT = 200
_APP_SHELL_MARKERS = re.compile(
    r"""id=["']?(?:root|app|__next|__nuxt|main|application|react-root|app-root|spa)["'\s>]"""
    r"|__NEXT_DATA__|__NUXT__|<app-root|data-reactroot|ng-app|data-server-rendered",
    re.IGNORECASE,
)
_LAZY_SRC_ATTRIBUTES = ("data-src", "data-lazy-src", "data-original", "data-lazy", "data-url")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_COMMENT_LINES = re.compile(r"^\s*(?://.*|<!--.*-->)\s*$", re.MULTILINE)
_SKIPPED_SCHEMES = ("javascript:", "data:", "about:", "blob:")
# What urljoin would change in a root-relative path: dot segments, spaces, backslashes.
_NOT_PLAIN_PATH = re.compile(r"/\.|[\s\\]")
_CART_FORM_ACTION = re.compile(r"cart|gio-hang|giohang|checkout|thanh-toan|dat-hang", re.IGNORECASE)


def parse_page(html: str | bytes, url: str, *, encoding: str | None = None) -> Page:
    """Build the page model of ``html`` fetched from ``url`` (the final URL); ``encoding`` is the
    charset the HTTP response declared, if any."""
    decoded = decode_document(html, encoding)
    text_html = decoded.text
    root, parse_note = _document(text_html)
    base = _base_url(root, url)
    structured = read_structured_data(root, base)
    title = normalize_whitespace(root.findtext(".//title") or "")
    declared = declared_language(root)
    hreflangs = hreflang_languages(root)
    cart_forms = sum(1 for action in root.xpath("//form/@action") if _CART_FORM_ACTION.search(str(action)))
    stylesheets = tuple(style.text for style in root.iter("style") if style.text)
    paths = CssPaths()  # one per document: links, images, offers and text blocks share ancestors
    badge_marks = read_badge_marks(root, base, paths, stylesheets)  # the markup as served, before it is prepared
    struck = struck_elements(root, stylesheets)
    articles = article_markers(root, schema_types(structured), structured.get("opengraph") or [])
    orders = order_forms(root)

    prepare_for_text(root)
    document = Document(root, paths, stylesheets)
    text = document.text
    links = read_links(root, base, paths)
    images = read_images(root, base, paths)
    lang = detect_language(text)
    domain = registrable_domain(url)
    # Where offers lead only matters on a page that might quote them (``page.publisher``): a page with
    # its own cart or order form sells, whatever its offers link to.
    sells = bool(cart_forms or orders or own_cart_links(domain, [link.href for link in links if is_cart_href(link.href)]))
    offers = extract_offers(root, structured, paths, struck, BoxPositions(stylesheets), read_link_hosts=not sells)
    signals = compute_signals(
        domain=domain,
        text=text,
        lang=lang,
        declared_lang=declared,
        hreflangs=hreflangs,
        links=links,
        offers=offers,
        structured=structured,
        cart_forms=cart_forms,
        app_shell=is_app_shell(text, text_html),
        article_markers=articles,
        order_forms=orders,
    )
    return Page(
        url=url,
        domain=domain,
        html=text_html,
        text=text,
        title=title,
        lang=lang,
        declared_lang=declared,
        links=links,
        images=images,
        structured=structured,
        offers=offers,
        signals=signals,
        badge_marks=badge_marks,
        document=document,
        encoding_repair=decoded.repair,
        parse_note=parse_note,
    )


def is_app_shell(text: str, html: str) -> bool:
    """Next to no visible text, and the markup of a client-side application root."""
    return len(text) < APP_SHELL_MAX_TEXT and bool(_APP_SHELL_MARKERS.search(html))


def needs_rendering(page: Page) -> bool:
    """A browser render may show more: an empty application shell, or a page that sells
    (cart buttons, Product data) but shows no price we could read."""
    if page.signals.app_shell:
        return True
    return page.signals.commerce and not any(o.price is not None for o in page.offers)


# --- parsing ------------------------------------------------------------------------------


def looks_like_html(content_type: str | None, body: bytes | str) -> bool:
    """Whether a response is a page to judge: an HTML type, or no type and an ``<html`` near the start."""
    if content_type:
        return "html" in content_type.lower()
    head = body[:2048].lower()
    return (b"<html" in head) if isinstance(head, bytes) else ("<html" in head)


def charset_of(content_type: str | None) -> str | None:
    """The ``charset`` parameter of a Content-Type header value, if any."""
    for part in (content_type or "").split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip("\"' ")
    return None




def _document(text: str) -> tuple[HtmlElement, str | None]:
    """The parsed document, and what the parser had to leave out, if anything."""
    text = _XML_DECLARATION.sub("", text, count=1)  # lxml refuses str input that declares one
    text = _CONTROL_CHARACTERS.sub("", text)  # and text nodes it cannot write back
    if not text.strip():
        text = "<html><body></body></html>"
    # huge_tree: libxml2 otherwise stops the tree at 256 levels, and a product wrapped in 300 divs
    # (shown by every browser) would be invisible to the rules; with it the limit is 2,048.
    parser = lxml.html.HTMLParser(huge_tree=True)
    try:
        root = lxml.html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError):
        logger.debug("unparseable document, treated as empty", exc_info=True)
        return lxml.html.document_fromstring("<html><body></body></html>"), "the markup could not be parsed"
    cut = any("Excessive depth" in str(entry.message) for entry in parser.error_log)
    return root, ("elements nested deeper than 2,048 levels were left out" if cut else None)


def _base_url(root: HtmlElement, url: str) -> str:
    base = root.xpath("//base/@href")
    return urljoin(url, str(base[0]).strip()) if base else url


# --- structured data ----------------------------------------------------------------------


def read_structured_data(root: HtmlElement, base_url: str) -> dict[str, list[Any]]:
    """``{"json-ld": [...], "microdata": [...], "opengraph": [...]}`` in extruct's uniform shape."""
    try:
        others = extruct.extract(
            root, base_url=base_url, syntaxes=["microdata", "opengraph"], uniform=True, errors="log"
        )
    except Exception:  # extruct is third-party code running on hostile markup
        logger.debug("extruct failed", exc_info=True)
        others = {}
    return {
        "json-ld": read_json_ld(root),
        "microdata": others.get("microdata", []),
        "opengraph": others.get("opengraph", []),
    }


def read_json_ld(root: HtmlElement) -> list[Any]:
    """Every JSON-LD item of the page; a script that does not parse is skipped alone."""
    items: list[Any] = []
    for script in root.xpath("//script[@type='application/ld+json']"):
        data = _load_json(script.text or "")
        if isinstance(data, list):
            items.extend(item for item in data if item)
        elif isinstance(data, dict):
            items.append(data)
    return items


MAX_JSON_DEPTH = 64  # real structured data nests a few levels; deeper is a bomb aimed at the readers


def _load_json(text: str) -> Any:
    for candidate in (text, _COMMENT_LINES.sub("", text)):
        try:
            data = json.loads(candidate, strict=False)
        except RecursionError:
            return None  # nested deeper than the decoder goes: left out, the rest of the page still read
        except ValueError:
            continue
        return data if _depth_within(data, MAX_JSON_DEPTH) else None
    return None


def _depth_within(data: Any, limit: int) -> bool:
    """Whether ``data`` nests no deeper than ``limit`` (counted without recursion)."""
    level = [data]
    for _ in range(limit + 1):
        level = [child for node in level
                 for child in (node.values() if isinstance(node, dict) else node if isinstance(node, list) else ())]
        if not level:
            return True
    return False


# --- links and images ---------------------------------------------------------------------


def read_links(
    root: HtmlElement, base_url: str, paths: CssPaths | None = None
) -> tuple[Link, ...]:
    links = []
    absolute = functools.lru_cache(maxsize=None)(_Resolver(base_url))
    for a in root.xpath("//a[@href]"):
        href = absolute(a.get("href"))
        if href:
            text = element_text(a)
            links.append(Link(href=href, text=text, css_path=css_path(a, paths), rel=a.get("rel") or ""))
    return tuple(links)


def read_images(
    root: HtmlElement, base_url: str, paths: CssPaths | None = None
) -> tuple[Image, ...]:
    images = []
    absolute = functools.lru_cache(maxsize=None)(_Resolver(base_url))
    for img in root.xpath("//img"):
        link = next(img.iterancestors("a"), None)
        link_href = absolute(link.get("href")) if link is not None else None
        images.append(
            Image(
                src=absolute(_image_source(img)) or "",
                alt=normalize_whitespace(img.get("alt") or ""),
                title=normalize_whitespace(img.get("title") or ""),
                css_path=css_path(img, paths),
                link_href=link_href,
            )
        )
    return tuple(images)


def _image_source(img: HtmlElement) -> str | None:
    """The real image: lazy-loading themes put a placeholder (often a 1×1 ``data:`` GIF) in
    ``src`` and the image in ``data-src``."""
    src = (img.get("src") or "").strip()
    if src and not src.startswith("data:"):
        return src
    for attribute in _LAZY_SRC_ATTRIBUTES:
        value = (img.get(attribute) or "").strip()
        if value:
            return value
    srcset = (img.get("data-srcset") or img.get("srcset") or "").strip()
    return srcset.split(",")[0].split()[0] if srcset else None


class _Resolver:
    """``_absolute`` with a fast path for root-relative links ("/danh-muc/1"), the most
    common kind, which ``urljoin`` resolves ten times slower."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        parts = urlsplit(base_url)
        self.origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None

    def __call__(self, href: str | None) -> str | None:
        if self.origin and href and href[0] == "/" and href[1:2] != "/" and not _NOT_PLAIN_PATH.search(href):
            return self.origin + href
        return _absolute(self.base_url, href)


def _absolute(base_url: str, href: str | None) -> str | None:
    href = (href or "").strip()
    if not href or href.startswith("#") or href.lower().startswith(_SKIPPED_SCHEMES):
        return None
    if href.startswith(("http://", "https://")) and " " not in href:
        return href  # already absolute: urljoin would return it unchanged, slowly
    try:
        return urljoin(base_url, href)
    except ValueError:  # e.g. an invalid IPv6 literal
        return None
