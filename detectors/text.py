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

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_CSS_IDENT_UNSAFE = re.compile(r"([^\w-])")
_HIDDEN_CLASSES = frozenset({"d-none", "hidden", "hide", "is-hidden"})
_SHOWN_AGAIN = re.compile(r"d-\w+-(?:block|flex|inline|inline-block|inline-flex|grid|table)$|\w+:(?!hidden)[\w-]+$")


def normalize_whitespace(text: str) -> str:
    """NFC, zero-width characters dropped, every run of white space (nbsp too) one space."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text))
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
        if el.tag not in inline:
            el.text = " " + el.text if el.text else " "
            el.tail = " " + el.tail if el.tail else " "


def _empty(el: HtmlElement) -> None:
    for child in list(el):
        el.remove(child)
    el.text = None


def element_text(el: HtmlElement) -> str:
    """The text inside ``el`` (not its tail), normalised; see ``prepare_for_text``."""
    return normalize_whitespace("".join(el.itertext()))


def visible_text(root: HtmlElement) -> str:
    """The visible text of a document prepared by ``prepare_for_text``, in document order."""
    body = root.find("body") if root.tag == "html" else None
    return element_text(body if body is not None else root)


def css_path(el: HtmlElement, cache: dict[HtmlElement, str] | None = None) -> str:
    """A CSS selector from ``html`` down to ``el``: ``html > body > div.footer > a:nth-of-type(2)``.

    ``cache`` (one dict per document) lets the many links of a page share their ancestors' paths.
    """
    if cache is not None and el in cache:
        return cache[el]
    parent = el.getparent()
    step = _css_step(el)
    path = f"{css_path(parent, cache)} > {step}" if parent is not None and is_element(parent) else step
    if cache is not None:
        cache[el] = path
    return path


def _css_step(el: HtmlElement) -> str:
    step = el.tag
    for cls in (el.get("class") or "").split()[:2]:
        step += "." + _CSS_IDENT_UNSAFE.sub(r"\\\1", cls)
    # Filtering siblings by tag happens in C: a <div> among 150 <p> stays cheap.
    before = sum(1 for _ in el.itersiblings(el.tag, preceding=True))
    if before or next(el.itersiblings(el.tag), None) is not None:
        step += f":nth-of-type({before + 1})"
    return step
