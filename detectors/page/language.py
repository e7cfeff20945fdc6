"""Language of a page: detected from its visible text, and declared by its markup.

py3langid ships its model in the wheel (no network) and copes with Vietnamese typed
without diacritics (shared/env-notes.md §6). Importing it pulls in numpy and loading the
model takes most of a second, so both happen on the first call, once per process.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from lxml.html import HtmlElement

# Below this many letters the classifier's answer is noise ("OK", "Giỏ hàng").
MIN_LETTERS = 20
LETTERS_LOOKED_AT = 400
# Classifying 35 KB of text costs ~5 ms and tells no more than a few samples of it.
SAMPLE_CHARS = 1500

_classify: Callable[[str], tuple[str, float]] | None = None


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the main language of ``text``, or None when it is too short to tell."""
    if sum(map(str.isalpha, text[:LETTERS_LOOKED_AT])) < MIN_LETTERS:
        return None
    lang, _score = _classifier()(_sample(text))
    return lang


def _classifier() -> Callable[[str], tuple[str, float]]:
    global _classify
    if _classify is None:
        import py3langid

        _classify = py3langid.classify
    return _classify


def _sample(text: str) -> str:
    """Three slices (start, middle, end): menus open a page, the content sits in the middle."""
    if len(text) <= SAMPLE_CHARS:
        return text
    third = SAMPLE_CHARS // 3
    middle = len(text) // 2
    return " ".join((text[:third], text[middle - third // 2 : middle + third // 2], text[-third:]))


def primary_subtag(value: str | None) -> str | None:
    """``vi-VN`` / ``vi_VN`` / ``VI`` → ``vi``; None for empty or ``x-default``."""
    if not value:
        return None
    primary = value.strip().replace("_", "-").split("-")[0].lower()
    if not primary.isalpha() or not 2 <= len(primary) <= 3:
        return None
    return primary


def declared_language(root: HtmlElement) -> str | None:
    """The page's own statement: ``<html lang>``, else ``og:locale``, else ``content-language``."""
    html_lang = primary_subtag(root.get("lang") or root.get("xml:lang"))
    if html_lang:
        return html_lang
    for value in root.xpath(
        "//meta[@property='og:locale']/@content"
        " | //meta[translate(@http-equiv,'CONTENTLAGU','contentlagu')='content-language']/@content"
    ):
        lang = primary_subtag(str(value))
        if lang:
            return lang
    return None


def hreflang_languages(root: HtmlElement) -> tuple[str, ...]:
    """Languages the page offers through ``<link rel=alternate hreflang>``, once each."""
    found: dict[str, None] = {}
    for value in root.xpath("//link[@hreflang]/@hreflang | //a[@hreflang]/@hreflang"):
        lang = primary_subtag(str(value))
        if lang:
            found[lang] = None
    return tuple(found)
