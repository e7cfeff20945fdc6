"""Text blocks of a page with their CSS paths, for rules that quote a sentence as evidence.

``Page.text`` has no positions, so rules that search text (lucky draws, banned goods,
dates) read the page's HTML again here. A block is the text of one non-inline element
together with its inline descendants ("Tặng <b>rượu</b> trị giá <span>500.000đ</span>"
stays one sentence); nested blocks are separate, so each text is quoted from the
smallest element that holds it. Text normalisation (NFC) and CSS paths are the page
model's (``detectors.text``), so evidence paths look the same everywhere. Parsed once
per HTML string (LRU cache).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import lxml.etree
import lxml.html

from .text import INLINE_TAGS as _TEXT_INLINE_TAGS
from .text import SKIP_TAGS as _TEXT_SKIP_TAGS
from .text import css_path, is_hidden, normalize_whitespace

__all__ = ["Block", "blocks_of", "root_of"]

# Elements whose text flows into the enclosing sentence (the page model's list, plus line breaks).
INLINE_TAGS = _TEXT_INLINE_TAGS | {"br", "wbr"}
SKIP_TAGS = _TEXT_SKIP_TAGS | {"title", "meta", "link"}
# Navigation chrome: a "Khuyến mãi" menu item is not a promotion announcement.
NAV_TAGS = frozenset({"nav", "header", "a", "button", "select", "option"})


@dataclass(frozen=True)
class Block:
    text: str  # NFC, whitespace-normalised
    element: lxml.html.HtmlElement = field(repr=False, compare=False)
    in_nav: bool  # inside <nav>/<header>/<a>/<button>/<option>
    tag: str
    order: int  # position in document order

    @functools.cached_property
    def css_path(self) -> str:
        # Computed only for the few blocks quoted as evidence: most pages have thousands of blocks.
        return css_path(self.element)


def blocks_of(html: str) -> tuple[Block, ...]:
    return _blocks(html)


@functools.lru_cache(maxsize=16)
def root_of(html: str) -> lxml.html.HtmlElement | None:
    """The parsed document (shared by callers: do not modify it)."""
    if not html.strip():
        return None
    try:
        return lxml.html.document_fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return None


@functools.lru_cache(maxsize=16)
def _blocks(html: str) -> tuple[Block, ...]:
    root = root_of(html)
    if root is None:
        return ()
    out: list[Block] = []
    _walk(root, out, in_nav=False)
    return tuple(out)


def _tag(el: object) -> str:
    tag = getattr(el, "tag", None)
    return tag if isinstance(tag, str) else ""


def _walk(el: lxml.html.HtmlElement, out: list[Block], *, in_nav: bool) -> None:
    tag = _tag(el)
    if not tag or tag in SKIP_TAGS or is_hidden(el):
        return
    nav = in_nav or tag in NAV_TAGS
    text = normalize_whitespace("".join(_inline_parts(el)))
    if text:
        out.append(Block(text, el, nav, tag, len(out)))
    for child in el:
        child_tag = _tag(child)
        if child_tag and child_tag not in INLINE_TAGS:
            _walk(child, out, in_nav=nav)
        elif child_tag:
            _walk_inline(child, out, in_nav=nav or child_tag == "a")


def _walk_inline(el: lxml.html.HtmlElement, out: list[Block], *, in_nav: bool) -> None:
    # Inline elements are part of their parent's text; only block children inside them
    # (a <div> inside an <a>, common in product cards) make blocks of their own.
    for child in el:
        child_tag = _tag(child)
        if not child_tag or child_tag in SKIP_TAGS:
            continue
        if child_tag in INLINE_TAGS:
            _walk_inline(child, out, in_nav=in_nav or child_tag == "a")
        else:
            _walk(child, out, in_nav=in_nav)


def _inline_parts(el: lxml.html.HtmlElement) -> list[str]:
    parts = [el.text or ""]
    for child in el:
        child_tag = _tag(child)
        if child_tag in INLINE_TAGS and not is_hidden(child):
            parts.extend(_inline_parts(child))
            if child_tag == "br":
                parts.append(" ")
        else:
            parts.append(" ")  # a block child or a comment ends the run of words
        parts.append(child.tail or "")
    return parts
