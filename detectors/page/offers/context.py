"""What surrounds a price in the DOM: its product card, the card's name, and the words
that make it something other than a plain sale price (the ``context_flags``).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from lxml.html import HtmlElement

from detectors import lexicons as lx
from detectors.page.prices import MoneyMatch, Percent, find_money, may_hold_money, parse_percent
from detectors.page.text import element_text, normalize_whitespace

# Roles of an amount in the DOM.
REFERENCE, CURRENT, NEUTRAL, AMOUNT_OFF = "reference", "current", "neutral", "amount_off"
NOT_A_PRICE = "not_a_price"  # a cart total, a price filter: dropped

MAX_CARD_CLIMB = 15
MAX_NAME = 200
# Above this a "card" is a region of the page: its words say nothing about one item.
CARD_TEXT_FOR_FLAGS = 1500

# Headings inside tooltips and pop-ups ("KHUYẾN MÃI" over a copy of the card's prices)
# would split a card in two.
_POPUP_CLASS = re.compile(r"tooltip|popup|modal|quickview", re.IGNORECASE)
# "product-name", "info_name", "product-meta__title": a class that ends in name/title ...
_NAME_CLASS = re.compile(r"(?:^|[-_])(?:name|title)$", re.IGNORECASE)
# ... unless it names something else: an attribute, a menu, a section, a brand, a shop.
_NOT_PRODUCT_NAME = re.compile(
    r"attr|label|option|brand|vendor|shop|store|user|author|site|menu|nav|section|box|block|widget"
    r"|cat|footer|header|head|page|group|tab|modal|popup|form|field|filter|sub|post|blog|news",
    re.IGNORECASE,
)
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_LETTER = re.compile(r"[^\W\d_]")
_UI_LINK = lx.compile_terms(lx.UI_LINK_WORDS)
_LABEL_ONLY = re.compile(
    "(?:" + "|".join(re.escape(w) for w in lx.REFERENCE_LABELS + lx.CURRENT_LABELS) + r")\s*:?",
    re.IGNORECASE,
)
# An amount per day or a down payment is a way of paying, not the price of the goods
# ("Mỗi ngày chỉ 33.000đ", "Trả trước 0đ"): read as instalments.
PAYMENT_PLAN_WORDS = (
    "Mỗi ngày",  # per day
    "Một ngày",  # a day
    "Mỗi ngày chỉ",  # only ... a day
    "Trả trước",  # down payment
    "Trả sau",  # pay later
)
# A price label standing in an element of its own ("<span>Tiết kiệm</span><b>4.000.000₫</b>"):
# nothing but one of these words, so a heading that merely starts with "Giảm giá" is not one.
_BARE_LABEL = re.compile(
    "(?:" + "|".join(re.escape(w) for w in sorted(
        lx.REFERENCE_LABELS + lx.CURRENT_LABELS + lx.AMOUNT_OFF_WORDS + lx.INSTALMENT_WORDS + PAYMENT_PLAN_WORDS,
        key=len, reverse=True
    )) + r")\s*:?",
    re.IGNORECASE,
)

_LABELS = (
    (REFERENCE, lx.compile_terms(lx.REFERENCE_LABELS)),
    (CURRENT, lx.compile_terms(lx.CURRENT_LABELS)),
    (AMOUNT_OFF, lx.compile_terms(lx.AMOUNT_OFF_WORDS)),
)
# Fees are charged beside the goods, never their price ("Phí lắp đặt 300.000đ").
FEE_WORDS = (
    "Phí lắp đặt",  # installation fee
    "Phí dịch vụ",  # service fee
    "Phí bảo hành",  # warranty fee
    "Phí thu hộ",  # cash-on-delivery fee
    "Phụ phí",  # surcharge
    "Lệ phí",  # (official) fee
)
# Flag → (words looked for in the label before the amount, in the text after it).
_TOKEN_FLAG_WORDS: dict[str, tuple[re.Pattern[str] | None, re.Pattern[str] | None]] = {
    "instalment": (lx.compile_terms(lx.INSTALMENT_WORDS + PAYMENT_PLAN_WORDS),
                   lx.compile_terms(lx.INSTALMENT_WORDS + ("mỗi ngày", "một ngày"))),
    "member_price": (lx.compile_terms(lx.MEMBER_PRICE_WORDS), None),
    "shipping_fee": (lx.compile_terms(lx.SHIPPING_WORDS), None),
    "fee": (lx.compile_terms(FEE_WORDS), None),
    "voucher": (lx.compile_terms(lx.VOUCHER_WORDS), lx.compile_terms(lx.VOUCHER_WORDS)),
    "accessory": (lx.compile_terms(lx.ACCESSORY_WORDS), None),
    "gift": (lx.compile_terms(lx.GIFT_WORDS), None),
    "price_from": (lx.compile_terms(lx.PRICE_FROM_WORDS), None),
}
_PER_UNIT = lx.compile_terms(lx.PER_UNIT_SUFFIXES)
_SECOND_HAND = lx.compile_terms(lx.SECOND_HAND_WORDS)
_GIFT_NAME = lx.compile_terms(("Quà tặng", "Trị giá"))
# Before a pack's reference price, these say it is the sum of single prices, not a price the pack
# itself had before the promotion (legal-rules §2.6: the price immediately before the promotion).
SUM_OF_SINGLES_WORDS = (
    "Giá lẻ",  # price when bought singly
    "Mua lẻ",  # bought singly
    "Mua riêng",  # bought separately
    "Mua rời",  # bought separately
    "Giá từng",  # price of each
    "Tổng giá",  # total price (of the items)
    "Nếu mua",  # if bought (singly)
)
_SUM_OF_SINGLES = lx.compile_terms(SUM_OF_SINGLES_WORDS)
# "Mua 2 tặng 1", "tặng kèm": a bundle with a gift, judged as a gift, never as a discount.
_BUY_AND_GET = re.compile(r"mua\s+\d+\s+tặng\s+\d+|tặng\s+kèm", re.IGNORECASE)
# How a reference must have been marked to be the pack's own price: struck, or labelled or classed
# as the old price. An inferred reference (a higher plain price nearby) is not enough for a pack.
_PACK_REFERENCE_BASES = frozenset({"struck", "label", "class"})
_OPEN_RANGE = re.compile(r"\d\s*[-–~]\s*$")


@dataclass(frozen=True)
class Token:
    """One amount in the DOM with what we made of it."""

    el: HtmlElement
    order: float
    money: MoneyMatch
    role: str
    basis: str | None
    flags: frozenset[str]
    before: str = ""  # the running text just before the amount, uncut by other numbers


@dataclass(frozen=True)
class Badge:
    """A discount badge ("-45%") and where it sits."""

    el: HtmlElement
    order: float
    percent: Percent


def is_name_candidate(el: HtmlElement, tag: str) -> bool:
    """A heading, a link with a title, or an element whose class mentions name/title."""
    if tag in _HEADINGS or (tag == "a" and el.get("title")):
        return True
    classes = el.get("class")
    return bool(classes) and ("name" in classes or "title" in classes)


def is_bare_label(text: str) -> bool:
    """``text`` is a price label and nothing else ("Tiết kiệm", "Giá gốc:", "Trả góp")."""
    return len(text) <= 30 and bool(_BARE_LABEL.fullmatch(text))


def find_name_elements(candidates: list[HtmlElement]) -> list[tuple[HtmlElement, str]]:
    """The candidates that name a product, with the name."""
    found = []
    for el in candidates:
        text = _name_text(el)
        if text is not None and not _in_popup(el):
            found.append((el, text))
    return found


def _in_popup(el: HtmlElement) -> bool:
    return any(_POPUP_CLASS.search(a.get("class") or "") for a in el.iterancestors())


def _name_text(el: HtmlElement) -> str | None:
    if el.tag in _HEADINGS or any(_is_name_class(c) for c in (el.get("class") or "").split()):
        text = element_text(el)
    elif el.tag == "a":
        text = normalize_whitespace(el.get("title") or "")
        if _UI_LINK.search(text):
            return None
    else:
        return None
    if not 3 <= len(text) <= MAX_NAME or not _LETTER.search(text):
        return None
    if len(text) <= 40 and (_is_price_text(text) or _LABEL_ONLY.fullmatch(text) or _is_badge_text(text)):
        return None  # a heading that is a price, a label or a badge ("299.000 VNĐ", "Giá gốc:", "Giảm 45%")
    return text


def _is_price_text(text: str) -> bool:
    # "Smart Tivi 4K 55 inch" is a name: only a written currency makes a heading a price
    return may_hold_money(text) and any(m.explicit_currency for m in find_money(text))


def _is_badge_text(text: str) -> bool:
    return "%" in text and parse_percent(text) is not None


@functools.lru_cache(maxsize=4096)
def _is_name_class(cls: str) -> bool:
    return bool(_NAME_CLASS.search(cls)) and not _NOT_PRODUCT_NAME.search(cls)


class Cards:
    """Product cards: the largest element around a price that names at most one product and
    holds at most one "card-like" child (a price together with an image or a link).

    The second test finds the cards of a list whose names the markup does not reveal.
    """

    def __init__(
        self, root: HtmlElement, name_candidates: list[HtmlElement], price_elements: list[HtmlElement]
    ) -> None:
        self._keys: dict[HtmlElement, set[str]] = {}
        self._display: dict[str, str] = {}
        for el, text in find_name_elements(name_candidates):
            key = text.casefold()[:120]
            self._display.setdefault(key, text)
            self._propagate_name(el, key)
        self._priced = _with_ancestors(price_elements)
        self._linked = _with_ancestors(root.xpath("//img | //a[@href]"))
        self._card_like_children: dict[HtmlElement, int] = {}

    def _propagate_name(self, el: HtmlElement, key: str) -> None:
        # Stops early: an element already holding this key, or two keys, passed it up before.
        node: HtmlElement | None = el
        while node is not None:
            keys = self._keys.setdefault(node, set())
            if len(keys) >= 2 or key in keys:
                return
            keys.add(key)
            node = node.getparent()

    def card_of(self, el: HtmlElement) -> HtmlElement:
        node = el
        for _ in range(MAX_CARD_CLIMB):
            parent = node.getparent()
            if parent is None or parent.tag in ("body", "html") or self._holds_several(parent):
                break
            node = parent
        return node

    def _holds_several(self, el: HtmlElement) -> bool:
        if len(self._keys.get(el, ())) >= 2:
            return True
        if el not in self._card_like_children:
            self._card_like_children[el] = sum(
                1 for child in el if child in self._priced and child in self._linked
            )
        return self._card_like_children[el] >= 2

    def name_of(self, card: HtmlElement) -> str | None:
        keys = self._keys.get(card, set())
        return self._display[next(iter(keys))] if len(keys) == 1 else None


def _with_ancestors(elements: list[HtmlElement]) -> set[HtmlElement]:
    marked: set[HtmlElement] = set()
    for el in elements:
        node: HtmlElement | None = el
        while node is not None and node not in marked:
            marked.add(node)
            node = node.getparent()
    return marked


@functools.lru_cache(maxsize=4096)
def label_role(label: str) -> str | None:
    """The role named by the label word closest to the amount ("Giá gốc" → reference)."""
    best: tuple[int, int, str] | None = None
    for role, pattern in _LABELS:
        for m in pattern.finditer(label):
            candidate = (m.end(), m.end() - m.start(), role)
            if best is None or candidate[:2] > best[:2]:
                best = candidate
    return best[2] if best else None


def token_flags(label: str, after: str, amount: object) -> frozenset[str]:
    """Trap flags from the words right around one amount."""
    flags = _word_flags(label, after)
    return flags | {"gift"} if amount == 0 else flags


@functools.lru_cache(maxsize=4096)
def _word_flags(label: str, after: str) -> frozenset[str]:
    flags = set()
    for flag, (before_words, after_words) in _TOKEN_FLAG_WORDS.items():
        if (before_words and before_words.search(label)) or (after_words and after_words.search(after)):
            flags.add(flag)
    if _PER_UNIT.match(after.replace("/ ", "/")):
        flags.add("per_unit")
    if _OPEN_RANGE.search(label):
        flags.add("price_range")  # "Giá từ 5 - 10 triệu"
    return frozenset(flags)


def is_own_pack_price(name: str | None, reference: Token) -> bool:
    """A pack or combo ("Combo 3 hộp", "02 bộ") shown with its own struck or "giá gốc" price: a pair
    in its own right (the labelling policy's pack tiers), unlike a pack set against the sum of its
    single prices ("Giá lẻ 3 hộp") or a buy-and-get bundle."""
    if reference.basis not in _PACK_REFERENCE_BASES or _SUM_OF_SINGLES.search(reference.before):
        return False
    return not (name and _BUY_AND_GET.search(name))


def card_flags(card: HtmlElement, name: str | None) -> frozenset[str]:
    """Trap flags that hold for every price of a card: bundles and second-hand goods."""
    flags = set()
    if name and lx.COMBO_PATTERN.search(name):
        flags.add("combo")
    if name and _GIFT_NAME.search(name):
        flags.add("gift")  # "Tặng 2 máng ngậm trị giá": the card prices a gift
    text = _short_text(card)
    if text is not None:
        hrefs = " ".join(card.xpath(".//a/@href") + ([card.get("href")] if card.get("href") else []))
        if _SECOND_HAND.search(text) or any(slug in hrefs for slug in lx.SECOND_HAND_SLUGS):
            flags.add("second_hand")
    return frozenset(flags)


def _short_text(card: HtmlElement) -> str | None:
    """The card's text, or None as soon as it is too long to be about one item."""
    chunks, length = [], 0
    for chunk in card.itertext():
        length += len(chunk)
        if length > 2 * CARD_TEXT_FOR_FLAGS:
            return None
        chunks.append(chunk)
    text = normalize_whitespace("".join(chunks))
    return text if len(text) <= CARD_TEXT_FOR_FLAGS else None
