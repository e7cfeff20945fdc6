"""Visible text and CSS paths over an lxml tree.

Text is NFC-normalised: Vietnamese pages mix precomposed letters with combining marks
(``gia&#x301; re&#x309;``), and keyword matching only works on one form.
"""

from __future__ import annotations

import re
import unicodedata

from lxml import etree
from lxml.html import HtmlElement

# Never rendered as text.
SKIP_TAGS = frozenset(
    {"script", "style", "noscript", "template", "svg", "math", "head", "iframe", "object", "canvas"}
)
# Inline elements join their text to their neighbours' without a space ("2.190.000<sup>đ</sup>").
INLINE_TAGS = frozenset(
    {
        "a", "abbr", "b", "bdi", "bdo", "big", "cite", "code", "data", "del", "dfn", "em", "font",
        "i", "ins", "kbd", "label", "mark", "q", "s", "samp", "small", "span", "strike", "strong",
        "sub", "sup", "time", "tt", "u", "var",
    }
)

# The space ``prepare_for_text`` puts between blocks: white space to every reader (``str.split``), yet
# told apart from the page's own spaces when a quote must be exact (``source_text``).
SPACED = "\u2029"
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_CSS_IDENT_UNSAFE = re.compile(r"([^\w-])")
_HIDDEN_CLASSES = frozenset({"d-none", "hidden", "hide", "is-hidden"})
_SHOWN_AGAIN = re.compile(
    r"d-\w+-(?:block|flex|inline|inline-block|inline-flex|grid|table)$"  # Bootstrap: d-none d-md-block
    r"|\w+:(?!hidden)[\w-]+$"  # Tailwind: hidden md:block
)


def normalize_whitespace(text: str) -> str:
    """NFC, zero-width characters dropped, every run of white space (nbsp too) one space."""
    if not text.isascii():  # the common short ASCII case skips both passes
        text = unicodedata.normalize("NFC", text)
        if _INVISIBLE.search(text):
            text = _INVISIBLE.sub("", text)
    return " ".join(text.split())


def is_element(node: object) -> bool:
    """A real element: not a comment, processing instruction or entity."""
    return isinstance(node, etree.ElementBase) and isinstance(node.tag, str)


def is_hidden(el: HtmlElement) -> bool:
    """Hidden by the markup itself: ``hidden``, inline ``display:none``, or a framework's
    hiding class (``d-none``, ``hidden``) with no responsive class showing it again
    (``d-none d-md-block``). CSS files are not read."""
    if el.get("hidden") is not None:
        return True
    style = el.get("style")
    if style and _HIDDEN_STYLE.search(style):
        return True
    classes = (el.get("class") or "").split()
    return bool(_HIDDEN_CLASSES.intersection(classes)) and not any(map(_SHOWN_AGAIN.match, classes))


def prepare_for_text(root: HtmlElement) -> None:
    """Make ``itertext`` return what a reader sees, in place.

    Scripts, styles, comments and the like go; hidden elements are emptied but kept, so
    that ``nth-of-type`` positions in CSS paths still match the page as served; every
    block element gets a space before and after, so ``<li>Giỏ hàng</li><li>Thanh toán</li>``
    does not read "Giỏ hàngThanh toán".
    """
    etree.strip_elements(root, *SKIP_TAGS, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    for el in root.xpath(".//*[@hidden or @style or contains(@class, 'hid') or contains(@class, 'd-none')]"):
        if is_hidden(el):
            _empty(el)
    inline = INLINE_TAGS
    for el in root.iter():
        if el.tag in inline:
            continue
        # Indented markup already has the space: only write when it is missing.
        text, tail = el.text, el.tail
        if not text or not text[0].isspace():
            el.text = SPACED + text if text else SPACED
        if not tail or not tail[0].isspace():
            el.tail = SPACED + tail if tail else SPACED


def _empty(el: HtmlElement) -> None:
    for child in list(el):
        el.remove(child)
    el.text = None


def source_text(el: HtmlElement) -> str:
    """The text inside ``el`` as the page's own markup joins it (no space where ``prepare_for_text``
    spaced two blocks apart): a quote a reviewer finds verbatim in the page's text."""
    return normalize_whitespace("".join(el.itertext()).replace(SPACED, ""))


def element_text(el: HtmlElement) -> str:
    """The text inside ``el`` (not its tail), normalised; see ``prepare_for_text``."""
    return normalize_whitespace("".join(el.itertext()))


def visible_text(root: HtmlElement) -> str:
    """The visible text of a document prepared by ``prepare_for_text``, in document order."""
    body = root.find("body") if root.tag == "html" else None
    return element_text(body if body is not None else root)


class CssPaths:
    """CSS paths of one document, sharing the work: the many links of a page have common
    ancestors, and a list of 40 siblings is counted once rather than once per sibling."""

    def __init__(self) -> None:
        self._paths: dict[HtmlElement, str] = {}
        self._positions: dict[HtmlElement, tuple[int, int]] = {}  # (nth of its tag, of how many)

    def __call__(self, el: HtmlElement) -> str:
        path = self._paths.get(el)
        if path is not None:
            return path
        # Up to the nearest ancestor already known (or the root), then down: iterative, since a hostile
        # page may nest elements deeper than Python's recursion limit.
        chain = [el]
        parent = el.getparent()
        while parent is not None and is_element(parent) and parent not in self._paths:
            chain.append(parent)
            parent = parent.getparent()
        for node in reversed(chain):
            up = node.getparent()
            if up is None or not is_element(up):
                self._paths[node] = _css_step(node)
            else:
                self._paths[node] = f"{self._paths[up]} > {self._step(node, up)}"
        return self._paths[el]

    def _step(self, el: HtmlElement, parent: HtmlElement) -> str:
        if el not in self._positions:
            self._count_children(parent)
        nth, of = self._positions[el]
        return _tag_and_classes(el) + (f":nth-of-type({nth})" if of > 1 else "")

    def _count_children(self, parent: HtmlElement) -> None:
        children = [child for child in parent if isinstance(child.tag, str)]
        totals: dict[str, int] = {}
        for child in children:
            totals[child.tag] = totals.get(child.tag, 0) + 1
        seen: dict[str, int] = {}
        for child in children:
            seen[child.tag] = seen.get(child.tag, 0) + 1
            self._positions[child] = (seen[child.tag], totals[child.tag])


def css_path(el: HtmlElement, cache: CssPaths | None = None) -> str:
    """A CSS selector from ``html`` down to ``el``: ``html > body > div.footer > a:nth-of-type(2)``.

    Pass one ``CssPaths`` per document when computing many paths.
    """
    if cache is not None:
        return cache(el)
    steps = []
    node: HtmlElement | None = el
    while node is not None and is_element(node):
        steps.append(_css_step(node))
        node = node.getparent()
    return " > ".join(reversed(steps))


def _css_step(el: HtmlElement) -> str:
    step = _tag_and_classes(el)
    # Filtering siblings by tag happens in C: a <div> among 150 <p> stays cheap.
    before = sum(1 for _ in el.itersiblings(el.tag, preceding=True))
    if before or next(el.itersiblings(el.tag), None) is not None:
        step += f":nth-of-type({before + 1})"
    return step


def _tag_and_classes(el: HtmlElement) -> str:
    step = el.tag
    for cls in (el.get("class") or "").split()[:2]:
        step += "." + _CSS_IDENT_UNSAFE.sub(r"\\\1", cls)
    return step
