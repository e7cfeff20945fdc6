"""The parsed document of one page, and the text blocks rules quote as evidence.

``parse_page`` parses a page once; its ``Document`` keeps that tree (prepared for text by
``text.prepare_for_text``) and derives from it, on first use, what several rules share: the text
blocks and their case-folded text. Nothing is cached across pages: a ``Document`` lives and dies
with its ``Page``.

A block is the text of one non-inline element together with its inline descendants ("Tặng
<b>rượu</b> trị giá <span>500.000đ</span>" stays one sentence); nested blocks are separate, so each
text is quoted from the smallest element that holds it. Text normalisation (NFC) and CSS paths are
the page model's (``detectors.page.text``), so evidence paths look the same everywhere.

Rules search blocks with case-insensitive regexes, which cost ~50 ns a character
(``re.IGNORECASE`` disables the engine's literal-prefix scan). ``Document.blocks_with`` hands them
only the blocks that contain one of a few literal *needles* every match must contain, found with
``str.find`` over the case-folded text of all blocks at once: the loops then see exactly the blocks
they would have acted on, in the same order.
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, TypeVar

import ahocorasick
import lxml.etree
import lxml.html

from detectors.page.text import INLINE_TAGS as _TEXT_INLINE_TAGS
from detectors.page.text import SKIP_TAGS as _TEXT_SKIP_TAGS
from detectors.page.text import CssPaths, css_path, is_hidden, normalize_whitespace, prepare_for_text, visible_text

__all__ = ["Block", "Document", "Needles", "fold"]

# Elements whose text flows into the enclosing sentence (the page model's list, plus line breaks).
INLINE_TAGS = _TEXT_INLINE_TAGS | {"br", "wbr"}
SKIP_TAGS = _TEXT_SKIP_TAGS | {"title", "meta", "link"}
# Navigation chrome: a "Khuyến mãi" menu item is not a promotion announcement.
NAV_TAGS = frozenset({"nav", "header", "a", "button", "select", "option"})
# A row of two or more links and nothing else (a category bar built of <div>s) is a menu too.
_MENU_ITEM_TAGS = frozenset({"a", "button"})
_MENU_SEPARATORS = re.compile(r"[\s|·•/\-–—»>,]*")


@dataclass(frozen=True)
class Block:
    text: str  # NFC, whitespace-normalised
    element: lxml.html.HtmlElement = field(repr=False, compare=False)
    in_nav: bool  # inside <nav>/<header>/<a>/<button>/<option>
    tag: str
    order: int  # position in document order
    paths: CssPaths | None = field(default=None, repr=False, compare=False)  # the document's

    @functools.cached_property
    def css_path(self) -> str:
        # Computed only for the few blocks quoted as evidence: most pages have thousands of blocks.
        return css_path(self.element, self.paths)


# --- needles: literal prefilters for case-insensitive regexes ------------------------------------

# ``re.IGNORECASE`` matches a text character c to a pattern character p when their *simple*
# lower cases are equal, or are one of CPython's extra case equivalences (re/_casefix.py:
# "ı" ~ "i", "ſ" ~ "s", Greek and Cyrillic variants). ``fold`` maps both to one character, so
# a regex match of a literal implies ``fold(literal) in fold(text)``. ``str.lower`` is the
# simple lower case for every character but "İ" (full case "i̇", two code points; simple "i"),
# which is replaced first: ``fold`` then keeps the length, and offsets, of its input.
_FOLD_EQUIVALENTS = str.maketrans({
    "\u0131": "\u0069", "\u017f": "\u0073", "\u03b9": "\u0345", "\u03bc": "\u00b5", "\u03c3": "\u03c2",
    "\u03d0": "\u03b2", "\u03d1": "\u03b8", "\u03d5": "\u03c6", "\u03d6": "\u03c0", "\u03f0": "\u03ba",
    "\u03f1": "\u03c1", "\u03f5": "\u03b5", "\u1c80": "\u0432", "\u1c81": "\u0434", "\u1c82": "\u043e",
    "\u1c83": "\u0441", "\u1c84": "\u0442", "\u1c85": "\u0442", "\u1c86": "\u044a", "\u1c87": "\u0463",
    "\u1e9b": "\u1e61", "\u1fbe": "\u0345", "\u1fd3": "\u0390", "\u1fe3": "\u03b0", "\ua64b": "\u1c88",
    "\ufb06": "\ufb05",
})
_NEEDS_EQUIVALENTS = re.compile("[" + "".join(map(chr, _FOLD_EQUIVALENTS)) + "]")
_SEPARATOR = "\n"  # between block texts: they hold no newline (normalised white space), needles neither


def fold(text: str) -> str:
    """``text`` case-folded the way ``re.IGNORECASE`` compares characters (same length)."""
    if "\u0130" in text:
        text = text.replace("\u0130", "i")
    text = text.lower()
    if _NEEDS_EQUIVALENTS.search(text):  # rare: a plain translate costs more than the search
        text = text.translate(_FOLD_EQUIVALENTS)
    return text


class Needles:
    """Literal strings at least one of which every match of some case-insensitive pattern
    contains: a necessary condition, checked with ``str.find`` instead of the regex.

    Give a literal run of the pattern from each alternative (for ``compile_terms`` patterns,
    the terms themselves): a match then contains it, up to ``fold``. A needle holding another
    adds nothing and is dropped.
    """

    def __init__(self, *groups: Iterable[str]) -> None:
        folded = {fold(n) for group in groups for n in group}
        if "" in folded or any(_SEPARATOR in n for n in folded):
            raise ValueError("a needle must be non-empty and hold no newline")
        self.needles = tuple(sorted(n for n in folded if not any(o != n and o in n for o in folded)))
        _ALL_NEEDLES.update(self.needles)

    @classmethod
    def covering(cls, terms: Iterable[str], needles: Iterable[str]) -> Needles:
        """Fewer, shorter needles for a ``compile_terms`` pattern (fewer ``str.find`` passes);
        every term must hold one of them, checked here so a new term cannot slip through."""
        made = cls(needles)
        uncovered = [t for t in terms if not any(n in fold(t) for n in made.needles)]
        if uncovered:
            raise ValueError(f"terms without a needle: {uncovered}")
        return made

    def __repr__(self) -> str:
        return f"Needles{self.needles!r}"


_ALL_NEEDLES: set[str] = set()  # every needle of every rule, for one pass over a page's text
_automaton: tuple[int, Any] = (0, None)  # (needles it holds, Aho-Corasick automaton)


def needles_in(folded_text: str) -> frozenset[str]:
    """Which of all the rules' needles occur in ``folded_text``: one Aho-Corasick pass, rather than a
    ``str.find`` over the whole text for each needle of each rule."""
    global _automaton
    count, automaton = _automaton
    if automaton is None or count != len(_ALL_NEEDLES):  # built on first use, again if needles were added
        automaton = ahocorasick.Automaton()
        for needle in _ALL_NEEDLES:
            automaton.add_word(needle, needle)
        automaton.make_automaton()
        _automaton = (len(_ALL_NEEDLES), automaton)
    return frozenset(needle for _end, needle in automaton.iter(folded_text)) if _ALL_NEEDLES else frozenset()


T = TypeVar("T")
_EMPTY_DOCUMENT = "<html><body></body></html>"


class Document:
    """The parsed tree of one page, prepared for text, and what rules derive from it once.

    ``root`` must have been through ``prepare_for_text``: scripts and styles gone, hidden
    elements emptied, blocks spaced. Do not modify it afterwards: blocks point into it.
    """

    def __init__(self, root: lxml.html.HtmlElement, css_paths: CssPaths | None = None,
                 stylesheets: tuple[str, ...] = ()) -> None:
        self.root = root
        self.css_paths = css_paths or CssPaths()
        # The text of the page's <style> elements, read before they were stripped: a price struck
        # through by a class, a badge drawn as a background image, are only visible there.
        self.stylesheets = stylesheets
        self._memo: dict[Any, Any] = {}

    @classmethod
    def from_html(cls, html: str) -> Document:
        """Parse and prepare ``html`` (for pages built by hand; ``parse_page`` builds its own)."""
        try:
            root = lxml.html.document_fromstring(html if html.strip() else _EMPTY_DOCUMENT)
        except (ValueError, lxml.etree.ParserError):
            root = lxml.html.document_fromstring(_EMPTY_DOCUMENT)
        prepare_for_text(root)
        return cls(root)

    @functools.cached_property
    def text(self) -> str:
        """The visible text, whitespace-normalised."""
        return visible_text(self.root)

    @functools.cached_property
    def folded_text(self) -> str:
        return fold(self.text)

    @functools.cached_property
    def blocks(self) -> tuple[Block, ...]:
        """Every text block, in document order."""
        out: list[Block] = []
        _walk(self.root, out, self.css_paths, in_nav=False)
        return tuple(out)

    @functools.cached_property
    def needles_present(self) -> frozenset[str]:
        """The rules' needles that occur in the visible text (``needles_in``)."""
        return needles_in(self.folded_text)

    def text_has(self, needles: Needles) -> bool:
        """Whether the visible text holds one of ``needles``: False means the pattern behind them
        cannot match it."""
        return not self.needles_present.isdisjoint(needles.needles)

    def blocks_with(self, needles: Needles) -> tuple[Block, ...]:
        """The blocks (in document order) whose text contains one of ``needles``.

        Every block a pattern behind ``needles`` matches is among them; a loop that skips the
        blocks its pattern does not match may iterate over these instead of ``blocks``.
        A block's text is part of the page's visible text, so a page whose text holds none of the
        needles has no such block: the blocks are then not even built.
        """
        present = tuple(n for n in needles.needles if n in self.needles_present)
        if not present:
            return ()
        return self.memo(("blocks_with", present), lambda: self._find(present))

    def memo(self, key: Any, compute: Callable[[], T]) -> T:
        """``compute()`` once per document: several rules ask for the same derived blocks."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]  # type: ignore[no-any-return]

    def _find(self, needles: tuple[str, ...]) -> tuple[Block, ...]:
        blocks = self.blocks
        text, starts = self._folded_blocks
        hits: set[int] = set()
        for needle in needles:
            index = text.find(needle)
            while index >= 0:
                block = bisect.bisect_right(starts, index) - 1
                hits.add(block)
                # One hit per block is enough: go on from the next block's start.
                next_start = starts[block + 1] if block + 1 < len(starts) else len(text)
                index = text.find(needle, next_start)
        return tuple(blocks[i] for i in sorted(hits))

    @functools.cached_property
    def _folded_blocks(self) -> tuple[str, tuple[int, ...]]:
        """The folded texts of all blocks joined by ``_SEPARATOR``, and where each one starts."""
        starts, position = [], 0
        for block in self.blocks:
            starts.append(position)
            position += len(block.text) + len(_SEPARATOR)
        # ``fold`` keeps lengths, so folding the joined text keeps every block at its offset.
        return fold(_SEPARATOR.join(b.text for b in self.blocks)), tuple(starts)


def _tag(el: object) -> str:
    tag = getattr(el, "tag", None)
    return tag if isinstance(tag, str) else ""


def _walk(root: lxml.html.HtmlElement, out: list[Block], paths: CssPaths, *, in_nav: bool) -> None:
    """The blocks under ``root`` in document order. Iterative: a hostile page may nest thousands of
    elements, deeper than Python's recursion limit."""
    stack: list[tuple[lxml.html.HtmlElement, bool, bool]] = [(root, in_nav, False)]  # (element, in nav, inline)
    while stack:
        el, nav, inline = stack.pop()
        if not inline:
            tag = _tag(el)
            if not tag or tag in SKIP_TAGS or is_hidden(el):
                continue
            nav = nav or tag in NAV_TAGS or _is_link_row(el)
            text = normalize_whitespace("".join(_inline_parts(el)))
            if text:
                out.append(Block(text, el, nav, tag, len(out), paths))
        # An inline element's text is its parent's; only block children inside it (a <div> inside an
        # <a>, common in product cards) make blocks of their own.
        children = []
        for child in el:
            child_tag = _tag(child)
            if not child_tag or (inline and child_tag in SKIP_TAGS):
                continue
            if child_tag in INLINE_TAGS:
                children.append((child, nav or child_tag == "a", True))
            else:
                children.append((child, nav, False))
        stack.extend(reversed(children))


def _is_link_row(el: lxml.html.HtmlElement) -> bool:
    """``el`` holds two or more links or buttons and, between them, at most separators."""
    if not _MENU_SEPARATORS.fullmatch(el.text or ""):
        return False
    items = 0
    for child in el:
        tag = _tag(child)
        if tag in SKIP_TAGS or not tag:
            continue
        if tag not in _MENU_ITEM_TAGS or not _MENU_SEPARATORS.fullmatch(child.tail or ""):
            return False
        items += 1
    return items >= 2


def _inline_parts(el: lxml.html.HtmlElement) -> list[str]:
    """The text pieces of ``el`` and its visible inline descendants, a space where a block child or a
    comment breaks the run. Iterative, for the same reason as ``_walk``."""
    parts = [el.text or ""]
    levels = [iter(el)]
    closing: list[tuple[str, str]] = []  # for each inline element entered: (what follows it, its tail)
    while levels:
        child = next(levels[-1], None)
        if child is None:
            levels.pop()
            if closing:
                parts.extend(closing.pop())
            continue
        child_tag = _tag(child)
        if child_tag in INLINE_TAGS and not is_hidden(child):
            parts.append(child.text or "")
            levels.append(iter(child))
            closing.append((" " if child_tag == "br" else "", child.tail or ""))
        else:
            parts.append(" ")  # a block child or a comment ends the run of words
            parts.append(child.tail or "")
    return parts
