"""Offers read from the DOM: price elements, grouped by product card, paired in order.

1. *Price elements*: an element whose own text (without descendants that hold numbers of
   their own) is one amount plus at most a short label: ``1.290.000₫``, ``Giá gốc:
   1.000.000 đ``, ``Giá từ: 10.110.000₫``. Numbers inside prose are not prices.
2. *Role*: the nearest marker decides: ``<del>``/``<s>``/``<strike>``/line-through or an
   ``old-price``-like class → reference; ``<ins>`` or a ``sale-price``-like class →
   current; else a label in front ("Giá gốc", "Giá online"); else neutral. A minus sign
   or "Giảm"/"Tiết kiệm" in front makes an amount off. The class ``oldprice`` is no
   marker: on thegioididong it holds the price of *used* devices.
3. *Card*: from a price element, climb while the parent holds at most one product name
   and at most one "card-like" child (see ``offers_context.Cards``).
4. *Pairs*: see ``offers.pairing``; a struck price left alone in its card may still pair with the
   one price of its section (``offers.sections``: page builders' text boxes).

A price may be struck by the page's own stylesheet (``styles.struck_elements``): the caller
passes those elements as ``struck``.
"""

from __future__ import annotations

import functools
import re

from lxml.html import HtmlElement

from detectors import lexicons as lx
from detectors.page.offers.context import (
    AMOUNT_OFF,
    CURRENT,
    NEUTRAL,
    NOT_A_PRICE,
    REFERENCE,
    Badge,
    Cards,
    Token,
    is_bare_label,
    is_name_candidate,
    label_role,
    token_flags,
)
from detectors.page.offers.pairing import CardPrices, card_offers, pair_card
from detectors.page.offers.sections import adopt_orphans
from detectors.page.prices import MoneyMatch, find_money, may_hold_money, parse_percent
from detectors.page.styles import BoxPositions
from detectors.page.text import CssPaths, element_text, normalize_whitespace
from detectors.types import Offer

MAX_OWN_TEXT = 80  # longer text around a number is prose, not a price element
MAX_LABEL = 30  # what may sit beside an amount: "Giá gốc:", "/tháng", "Chỉ từ"
MAX_HEADING_LABEL = 15  # a heading is a name unless it is little more than a price
MAX_MAGNITUDE_TEXT = 25  # "GIÁ 539K" yes, "Smart Tivi 4K 55 Inch" no
MAX_BADGE_TEXT = 30  # "-45%", "Giảm 45%", "30% OFF"
MARKER_DEPTH = 4  # how many ancestors a class or tag may mark a price from

_DIGIT = re.compile(r"\d")
_CURRENCY_PREFIX = re.compile(r"\s?(?:₫|đồng|đ|vnđ|vnd)(?!\w)", re.IGNORECASE)
_BARE_AMOUNT = re.compile(r"^\d{1,3}(?:[.,]\d{3})+$")
_REF_CLASS = re.compile(
    r"(?:old|compare|compare[-_]at|original|regular|market|was|before|strike|through|retail|list)[-_]*price"
    r"|price[-_]*(?:old|compare|original|regular|market|was|before|line|strike|through|retail)"
    r"|giagoc|gia[-_]goc|giacu|gia[-_]cu|line[-_]?through|^strike$"
)
_CURRENT_CLASS = re.compile(
    r"(?:new|sale|special|current|final|now|drop|deal|discount|promo|actual|sell|selling|km|highlight|online)"
    r"[-_]*price"
    r"|price[-_]*(?:new|sale|special|current|final|now|drop|deal|discount|promo|actual|sell|km|highlight)"
    r"|gia[-_]?(?:ban|km|moi|sale)"
)
# The header's cart ("$0.00"), not an offer.
_CART_TOTAL_CLASS = re.compile(
    r"^(?:mini-?)?cart(?:[-_]+(?:total|subtotal|price|amount|count))?$|cart[-_]*(?:sub)?total"
)
_SR_ONLY = frozenset({"sr-only", "screen-reader-text", "visually-hidden", "visuallyhidden", "hidden"})
_LINE_THROUGH = re.compile(r"line-through", re.IGNORECASE)
_BADGE_CLASS = re.compile(r"sale|discount|percent|giam|off|badge|label|tag|flash|km|promo", re.IGNORECASE)
_BADGE_WORDS = lx.compile_terms(lx.DISCOUNT_BADGE_WORDS)
_PRICE_CONTEXT = re.compile(r"(?<!\w)(?:giá|price)(?!\w)", re.IGNORECASE)
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_PRICE_FILTER = lx.compile_terms(lx.PRICE_FILTER_WORDS)


def dom_offers(root: HtmlElement, css_paths: CssPaths | None = None,
               struck: frozenset[HtmlElement] = frozenset(), positions: BoxPositions | None = None,
               *, read_link_hosts: bool = True) -> list[Offer]:
    """Offers shown in the page body; ``root`` must have been through ``prepare_for_text``.

    ``css_paths`` is the page's CSS path cache (see ``text.css_path``); ``struck`` the elements
    the page's stylesheets strike through; ``positions`` where a page builder placed its boxes."""
    price_owners, percent_owners, name_candidates = _scan(root)
    tokens = [token for el, order in price_owners for token in _price_tokens(el, order, struck)]
    if not tokens:
        return []
    badges = [b for b in (_badge(el, order) for el, order in percent_owners) if b is not None]
    cards = Cards(root, name_candidates, [t.el for t in tokens])
    by_card: dict[HtmlElement, tuple[list[Token], list[Badge]]] = {}
    for token in tokens:
        by_card.setdefault(cards.card_of(token.el), ([], []))[0].append(token)
    for badge in badges:
        by_card.setdefault(cards.card_of(badge.el), ([], []))[1].append(badge)
    priced: list[CardPrices] = [
        pair_card(card, card_tokens, card_badges, cards.name_of(card))
        for card, (card_tokens, card_badges) in by_card.items()
    ]
    adopt_orphans(priced, positions)
    return [offer for prices in priced for offer in card_offers(prices, css_paths, read_link_hosts)]


# --- finding price elements ---------------------------------------------------------------


def _scan(
    root: HtmlElement,
) -> tuple[list[tuple[HtmlElement, float]], list[tuple[HtmlElement, float]], list[HtmlElement]]:
    """Elements whose own text may hold an amount / a percentage, in document order, and
    the elements that may name a product (see ``offers_context.is_name_candidate``).

    One pass over ``text`` and ``tail`` (a tail belongs to the parent and sits after the
    element it follows, hence ``order + 0.5``), with cheap checks first: most text on a
    page has no digit, and most digits are not money.
    """
    prices: dict[HtmlElement, float] = {}
    percents: dict[HtmlElement, float] = {}
    names: list[HtmlElement] = []
    for order, el in enumerate(root.iter()):
        tag, text, tail = el.tag, el.text, el.tail
        if not isinstance(tag, str):
            continue
        if is_name_candidate(el, tag):
            names.append(el)
        if text and _DIGIT.search(text):
            _note(el, order, text.strip(), prices, percents)
        if tail and _DIGIT.search(tail):
            parent = el.getparent()
            if parent is not None:
                _note(parent, order + 0.5, tail.strip(), prices, percents)
    return list(prices.items()), list(percents.items()), names


def _note(
    el: HtmlElement,
    order: float,
    chunk: str,
    prices: dict[HtmlElement, float],
    percents: dict[HtmlElement, float],
) -> None:
    # A chunk longer than the element text allowed is prose: its element cannot qualify.
    # (Templates indent text inside elements: measure it without the runs of white space.)
    if len(chunk) > MAX_BADGE_TEXT and ("  " in chunk or "\n" in chunk or "\t" in chunk):
        chunk = " ".join(chunk.split())
    if len(chunk) > MAX_OWN_TEXT:
        return
    if "%" in chunk and len(chunk) <= MAX_BADGE_TEXT:
        percents.setdefault(el, order)
    if may_hold_money(chunk):
        prices.setdefault(el, order)


def _is_screen_reader_only(el: HtmlElement) -> bool:
    for node in (el, el.getparent()):
        if node is not None and _SR_ONLY.intersection((node.get("class") or "").split()):
            return True
    return False


def _own_text(el: HtmlElement) -> str:
    """Text of ``el`` without the subtrees of children that hold numbers of their own."""
    parts = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str):
            inner = "".join(child.itertext())
            if not _DIGIT.search(inner):
                parts.append(inner)
        parts.append(child.tail or "")
    return normalize_whitespace("".join(parts))


def _price_tokens(el: HtmlElement, order: float, struck: frozenset[HtmlElement]) -> list[Token]:
    source = _price_source(el)
    if source is None or _is_screen_reader_only(el):
        return []
    token_el, text = source
    matches = find_money(text)
    if not matches and not _BARE_AMOUNT.match(text):
        return []  # most numbers on a page: dates, counts, specs
    marker = _marker(token_el, struck)
    if marker is not None and marker[0] == NOT_A_PRICE:
        return []
    if not matches:
        matches = find_money(text, assume_vnd=True) if marker is not None else []
    if not matches or len(matches) > 2 or any(m.amount is None for m in matches):
        return []  # unreadable amounts leave the whole element out
    is_range = len(matches) == 2 and _is_range(text, matches)
    if len(matches) == 2 and not is_range:
        return []
    leftover = _without(text, matches)
    if len(leftover) > (MAX_HEADING_LABEL if token_el.tag in _HEADINGS else MAX_LABEL):
        return []  # a heading that mentions an amount ("… quanh mốc 1.800 USD/ounce")
    tokens = []
    for match in matches[:1] if is_range else matches:  # a range reads as its low end
        if not _is_money_here(match, text, marker):
            continue
        label, after, before = _label_and_after(token_el, text, match)
        if _PRICE_FILTER.search(label):
            continue  # "Giá dưới 5 triệu": a link to a price range, not a price
        role, basis = _role(match, marker, label)
        flags = token_flags(label, after, match.amount) | ({"price_range"} if is_range else set())
        tokens.append(Token(token_el, order, match, role, basis, frozenset(flags), before))
    return tokens


def _is_money_here(match: MoneyMatch, text: str, marker: tuple[str, str | None] | None) -> bool:
    """An amount without a currency sign needs its surroundings to say it is a price."""
    if match.explicit_currency:
        return True
    if match.currency is None:  # a bare "590.000": only as the whole text of a price element
        return marker is not None and text == match.text and bool(_BARE_AMOUNT.match(text))
    # "299K", "2 triệu": a price label, or a short price element
    return bool(_PRICE_CONTEXT.search(text)) or (marker is not None and len(text) <= MAX_MAGNITUDE_TEXT)


def _price_source(el: HtmlElement) -> tuple[HtmlElement, str] | None:
    """The element and text to read a price from: ``el`` itself, or a short ancestor when the
    currency sits in a sibling (``<b>1.290.000</b><sup>đ</sup>``)."""
    own = _own_text(el)
    if len(own) > MAX_OWN_TEXT:
        return None
    if _BARE_AMOUNT.match(own):
        node = el.getparent()
        for _ in range(2):
            if node is None:
                break
            full = element_text(node)
            if len(full) > MAX_OWN_TEXT:
                break
            if any(m.explicit_currency and own in m.text for m in find_money(full)):
                return node, full  # the sign written next to this very number
            node = node.getparent()
    return el, own


def _marker(el: HtmlElement, struck: frozenset[HtmlElement] = frozenset()) -> tuple[str, str | None] | None:
    """The role a tag, inline style, stylesheet rule or class gives to a price, from ``el`` up."""
    node: HtmlElement | None = el
    seen_price_class = False
    for _ in range(MARKER_DEPTH):
        if node is None or node.tag in ("body", "html"):
            break
        if node.tag in ("del", "s", "strike") or node in struck or _LINE_THROUGH.search(node.get("style") or ""):
            return REFERENCE, "struck"
        if node.tag == "ins":
            return CURRENT, "class"
        role, price_class = _class_role(node.get("class") or "")
        if role is not None:
            return role, (None if role == NOT_A_PRICE else "class")
        seen_price_class = seen_price_class or price_class
        node = node.getparent()
    return (NEUTRAL, None) if seen_price_class else None


@functools.lru_cache(maxsize=4096)
def _class_role(classes: str) -> tuple[str | None, bool]:
    """(role named by a class attribute, whether it names a price at all); themes repeat
    the same class strings on every card, hence the cache."""
    price_class = False
    for cls in classes.lower().split():
        if cls == "oldprice":
            continue  # thegioididong: the price of used devices
        if _CART_TOTAL_CLASS.search(cls):
            return NOT_A_PRICE, False
        if _REF_CLASS.search(cls):
            return REFERENCE, True
        if _CURRENT_CLASS.search(cls):
            return CURRENT, True
        price_class = price_class or "price" in cls or cls.startswith("gia")
    return None, price_class


def _role(
    match: MoneyMatch, marker: tuple[str, str | None] | None, label: str
) -> tuple[str, str | None]:
    from_label = label_role(label)
    struck = marker is not None and marker[1] == "struck"
    if match.negative or (from_label == AMOUNT_OFF and not struck):
        return AMOUNT_OFF, None
    if marker is not None and marker[0] != NEUTRAL:
        return marker
    if from_label in (REFERENCE, CURRENT):
        return from_label, "label"
    return NEUTRAL, None


def _label_and_after(el: HtmlElement, text: str, match: MoneyMatch) -> tuple[str, str, str]:
    """Words just before the amount (inside the element, else just before it), the text after
    it, and the running text before it uncut ("Giá lẻ 3 hộp:", where the label is only "hộp:")."""
    label = text[: match.start].strip()
    after = text[match.end :].strip()
    before = label
    if not label:
        before = _text_before(el)
        label = _after_last_amount(before)
    return label[-MAX_LABEL:], after[:MAX_LABEL], before[-2 * MAX_LABEL :]


def _text_before(el: HtmlElement) -> str:
    """The text just before ``el``: running text it sits in ("Giá online:<span>…", "… TRỊ GIÁ
    <b>…", "Trị giá<br><b>…"), or a separate element only when it reads "Label:" or is nothing but
    a price label ("Tiết kiệm", "Giá gốc") — a sibling "Trả góp 0%" badge says nothing about the
    price next to it."""
    node = el
    for _ in range(3):
        previous, parent = _previous_skipping_breaks(node), node.getparent()
        if previous is not None and normalize_whitespace(previous.tail or ""):
            return normalize_whitespace(previous.tail or "")
        if previous is not None:
            text = normalize_whitespace("".join(previous.itertext()))
            return text if text.endswith(":") or is_bare_label(text) else ""
        if parent is None:
            return ""
        if normalize_whitespace(parent.text or ""):
            return normalize_whitespace(parent.text or "")
        node = parent
    return ""


def _previous_skipping_breaks(node: HtmlElement) -> HtmlElement | None:
    """The previous sibling, looking through line breaks that carry no text ("Trị giá<br><b>…")."""
    previous = node.getprevious()
    while previous is not None and previous.tag in ("br", "wbr") and not normalize_whitespace(previous.tail or ""):
        previous = previous.getprevious()
    return previous


def _after_last_amount(raw: str) -> str:
    """What follows the last number: a label cannot reach back past another amount."""
    text = normalize_whitespace(raw)
    last_digit = max(text.rfind(digit) for digit in "0123456789")
    if last_digit < 0:
        return text
    rest = text[last_digit + 1 :]
    return rest[m.end() :].strip() if (m := _CURRENCY_PREFIX.match(rest)) else rest.strip()


def _is_range(text: str, matches: list[MoneyMatch]) -> bool:
    between = text[matches[0].end : matches[1].start].strip()
    return between in ("-", "–", "~", "đến")


def _without(text: str, matches: list[MoneyMatch]) -> str:
    kept, position = [], 0
    for m in matches:
        kept.append(text[position : m.start])
        position = m.end
    kept.append(text[position:])
    return " ".join("".join(kept).split())


# --- discount badges ----------------------------------------------------------------------


def _badge(el: HtmlElement, order: float) -> Badge | None:
    text = _own_text(el)
    if len(text) > MAX_BADGE_TEXT or _is_screen_reader_only(el):
        return None
    percent = parse_percent(text)
    if percent is None:
        return None
    signed = bool(re.search(r"[-−–]\s?\d", text))
    hinted = bool(_BADGE_WORDS.search(text) or _BADGE_CLASS.search(_classes_up(el, 2)))
    return Badge(el, order, percent) if signed or hinted else None


def _classes_up(el: HtmlElement, depth: int) -> str:
    parts = []
    node: HtmlElement | None = el
    for _ in range(depth):
        if node is None:
            break
        parts.append(node.get("class") or "")
        node = node.getparent()
    return " ".join(parts)
