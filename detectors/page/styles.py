"""What a page's own ``<style>`` rules say about its elements.

Landing-page builders (LadiPage and the like) write no ``<del>``: an old price is a text box whose
id a stylesheet rule strikes through (``#HEADLINE1455 > .ladi-headline { text-decoration-line:
line-through }``), and a badge is an empty ``<div>`` whose background image a rule names. Themes do
the same with classes (``.gia-cu { text-decoration: line-through }``). Only the page's own ``<style>``
elements are read (linked CSS files are not fetched), before the tree is prepared for text.

Selectors are matched with cssselect (lxml's CSS-to-XPath translation). Rules that only apply on
hover, focus and the like, or to generated content (``::before``), say nothing about the text as
shown and are skipped; so is a selector cssselect cannot translate.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Callable, Iterator

import lxml.html
from cssselect import SelectorError
from lxml import etree
from lxml.cssselect import CSSSelector

__all__ = ["BoxPositions", "CssRule", "css_rules", "select", "struck_elements", "style_urls"]

MAX_RULES = 400  # rules of one kind read per page: a stylesheet is hostile input like the rest
MAX_MATCHES = 200  # elements one selector may mark: more is a page-wide rule, not one price
MAX_BLOCK = 4000  # characters a rule's selector or declarations may span: no search looks further back

# State and generated-content pseudo-classes: the rule does not describe the text as shown.
_NOT_AS_SHOWN = re.compile(
    r":(?:hover|focus|focus-within|focus-visible|active|visited|checked|target|placeholder"
    r"|before|after|selection|first-letter|first-line|marker|-webkit-[\w-]+|-moz-[\w-]+)",
    re.IGNORECASE,
)
_WHOLE_PAGE = frozenset({"*", "html", "body", ":root"})
_LINE_THROUGH = re.compile(r"text-decoration(?:-line)?\s*:[^;]*line-through", re.IGNORECASE)
_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""", re.IGNORECASE)
# "#HEADLINE1455 { width: 126px;top: 351.512px;left: 127.499px;}": a page builder's absolute box.
_ID_RULE = re.compile(r"#([A-Za-z][\w-]*)\s*\{([^{}]*)\}")
_TOP = re.compile(r"(?<![\w-])top\s*:\s*(-?\d+(?:\.\d+)?)px")
_LEFT = re.compile(r"(?<![\w-])left\s*:\s*(-?\d+(?:\.\d+)?)px")


@dataclass(frozen=True)
class CssRule:
    selector: str  # one selector of the rule's group, as written
    declarations: str  # the text between the braces


def css_rules(stylesheets: tuple[str, ...], needles: str | tuple[str, ...],
              accept: Callable[[str], bool] | None = None) -> Iterator[CssRule]:
    """The rules whose declarations contain one of ``needles`` (lower case) and pass ``accept``, one
    per selector of a group, in stylesheet order, repeats dropped; ``@media`` blocks included, at
    most ``MAX_RULES``.

    Only the blocks around the needles are read (a builder's stylesheet holds thousands of rules,
    and the few that matter are found with ``str.find``).
    """
    needles = (needles,) if isinstance(needles, str) else needles
    seen: set[tuple[str, str]] = set()
    for sheet in stylesheets:
        lowered = sheet.lower()
        if "/*" in sheet:  # comments may hold braces: drop them first, if the sheet is worth it
            if not any(n in lowered for n in needles):
                continue
            sheet = _without_comments(sheet)
            lowered = sheet.lower()
        for selectors, declarations in _blocks_around(sheet, lowered, needles):
            if accept is not None and not accept(declarations):
                continue
            for selector in selectors.split(","):
                selector = " ".join(selector.split())
                if selector and not selector.startswith("@") and (selector, declarations) not in seen:
                    seen.add((selector, declarations))
                    yield CssRule(selector, declarations)
                    if len(seen) >= MAX_RULES:
                        return


def _without_comments(css: str) -> str:
    """``/* … */`` removed in one pass (an unclosed comment runs to the end, as in a browser)."""
    parts, position = [], 0
    while (start := css.find("/*", position)) >= 0:
        parts.append(css[position:start])
        end = css.find("*/", start + 2)
        if end < 0:
            return " ".join(parts)
        position = end + 2
    parts.append(css[position:])
    return " ".join(parts)


def _blocks_around(css: str, lowered: str, needles: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """(selector text, declarations) of each innermost block holding a needle, in sheet order."""
    opens: set[int] = set()
    for needle in needles:
        index = lowered.find(needle)
        while index >= 0:
            start = max(0, index - MAX_BLOCK)
            opened = css.rfind("{", start, index)
            if opened >= 0 and opened > css.rfind("}", start, index):  # inside a block, not between two
                opens.add(opened)
            index = lowered.find(needle, index + 1)
    for opened in sorted(opens):
        closed = css.find("}", opened, opened + MAX_BLOCK)
        if closed < 0 or css.find("{", opened + 1, closed) >= 0:
            continue  # an at-rule's block ("@media … {"), or a block never closed
        start = max(0, opened - MAX_BLOCK)
        boundary = max(start - 1, css.rfind("}", start, opened), css.rfind("{", start, opened), css.rfind(";", start, opened))
        # "@import url(...);" or "@charset ...;" may stand before a block: not part of its selector.
        yield css[boundary + 1 : opened], css[opened + 1 : closed]


def select(root: lxml.html.HtmlElement, selector: str) -> list[lxml.html.HtmlElement]:
    """Elements under ``root`` matching ``selector``; [] for a rule that is not about the text as
    shown, a selector cssselect cannot read, or one matching more than ``MAX_MATCHES`` elements."""
    if selector.lower() in _WHOLE_PAGE or _NOT_AS_SHOWN.search(selector):
        return []
    compiled = _compiled(selector)
    if compiled is None:
        return []
    try:
        found = compiled(root)
    except etree.XPathError:
        return []
    return found if len(found) <= MAX_MATCHES else []


@functools.lru_cache(maxsize=2048)
def _compiled(selector: str) -> Callable[[lxml.html.HtmlElement], list[lxml.html.HtmlElement]] | None:
    # Page builders repeat the same selectors on every page they build, hence the cache (the
    # compiled XPath holds no page data).
    try:
        return CSSSelector(selector, translator="html")
    except (SelectorError, etree.XPathError, ValueError):
        return None


def struck_elements(root: lxml.html.HtmlElement, stylesheets: tuple[str, ...]) -> frozenset[lxml.html.HtmlElement]:
    """The elements a ``<style>`` rule strikes through (inline ``style`` is the offers' own check)."""
    struck: set[lxml.html.HtmlElement] = set()
    selectors = dict.fromkeys(r.selector for r in css_rules(stylesheets, "line-through", _strikes))
    for selector in selectors:
        struck.update(select(root, selector))
    return frozenset(struck)


def _strikes(declarations: str) -> bool:
    return bool(_LINE_THROUGH.search(declarations))


def style_urls(declarations: str) -> list[str]:
    """The ``url(...)`` values of some declarations (``background-image: url("a.png")``)."""
    return [m.group(2).strip() for m in _URL.finditer(declarations)]


class BoxPositions:
    """Where a page builder placed its boxes: ``#ID { top: …px; left: …px }`` rules, the first rule
    of an id winning (builders write the desktop layout before the ``@media`` one). Read on first
    use only: most pages never ask."""

    def __init__(self, stylesheets: tuple[str, ...]) -> None:
        self._stylesheets = stylesheets

    @functools.cached_property
    def _by_id(self) -> dict[str, tuple[float, float]]:
        found: dict[str, tuple[float, float]] = {}
        for sheet in self._stylesheets:
            if "top" not in sheet:
                continue
            for match in _ID_RULE.finditer(sheet):
                top, left = _TOP.search(match.group(2)), _LEFT.search(match.group(2))
                if top and left:
                    found.setdefault(match.group(1), (float(top.group(1)), float(left.group(1))))
        return found

    def of(self, element: lxml.html.HtmlElement, within: lxml.html.HtmlElement) -> tuple[float, float] | None:
        """The (top, left) of the nearest placed box holding ``element`` below ``within``."""
        node: lxml.html.HtmlElement | None = element
        while node is not None and node is not within:
            box = node.get("id")
            if box and box in self._by_id:
                return self._by_id[box]
            node = node.getparent()
        return None
