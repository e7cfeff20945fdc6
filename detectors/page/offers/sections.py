"""Reference prices matched by the section they share, not by a product card.

Landing-page builders (LadiPage and the like) place every text box absolutely: "Giá gốc:
<s>9.000.000đ</s>" and "4.460.000đ" are sibling boxes of one group, beside headings ("Miễn phí giao
hàng", "Tặng 1") that split the group into several "cards". A struck price left alone in its card
(an *orphan*) is given the one price that shares its nearest section, when that is unambiguous:

- climb from the orphan to the first ancestor that holds any other price, at most
  ``MAX_SECTION_CLIMB`` levels and never to ``<body>``;
- there, the prices without flags (gift values, instalments... never compete) must be lone prices
  (a card's price with no reference of its own); another struck price or an already paired price
  there means several products share the section, and nothing is guessed;
- one such price that is lower, in the same currency, with the same flags, and plainly a price (no
  words before it but a selling-price label: "Phí lắp đặt 300.000₫" is no partner), is the partner;
  of several, the one the builder placed nearest (``#ID { top; left }`` rules,
  ``styles.BoxPositions``) when it is clearly nearer than the next, else none.
"""

from __future__ import annotations

from lxml.html import HtmlElement

import math
import re

from detectors.page.offers.context import CURRENT, Token, label_role
from detectors.page.offers.pairing import CardPrices, Pair, currency_of
from detectors.page.styles import BoxPositions

__all__ = ["MAX_SECTION_CLIMB", "adopt_orphans"]

_LETTERS = re.compile(r"[^\W\d_]+")
MAX_SECTION_CLIMB = 4  # a builder's group sits two or three levels above its text boxes
NEARER = 0.5  # the nearest placed price must be at most this fraction of the next one's distance
_PAGE = ("body", "html")


def adopt_orphans(cards: list[CardPrices], positions: BoxPositions | None = None) -> None:
    """Give each orphan reference the lone price of its section, in place (``paired_by="section"``)."""
    orphans = sorted((t for c in cards for t in c.orphans), key=lambda t: t.order)
    if not orphans:
        return
    lone = {id(p.current): p for c in cards for p in c.pairs if p.reference is None}
    if not lone:
        return
    others = [t for c in cards for p in c.pairs for t in (p.current, p.reference) if t is not None]
    others += orphans
    holders = {id(t): _ancestors(t.el) for t in others}
    for orphan in orphans:
        pair = _section_price(orphan, others, holders, lone, positions)
        if pair is not None:
            pair.reference, pair.paired_by = orphan, "section"
            del lone[id(pair.current)]


def _section_price(orphan: Token, others: list[Token], holders: dict[int, frozenset[HtmlElement]],
                   lone: dict[int, Pair], positions: BoxPositions | None) -> Pair | None:
    node: HtmlElement | None = orphan.el
    for _ in range(MAX_SECTION_CLIMB):
        node = node.getparent() if node is not None else None
        if node is None or node.tag in _PAGE:
            return None
        inside = [t for t in others if t is not orphan and node in holders[id(t)]]
        if inside:
            rivals = [t for t in inside if not t.flags]
            if not rivals or any(id(t) not in lone for t in rivals):
                return None
            fitting = [lone[id(t)] for t in rivals if _fits(orphan, t)]
            if len(fitting) == 1 and len(rivals) == 1:
                return fitting[0]
            return _nearest_placed(orphan, fitting, node, positions) if len(fitting) == len(rivals) else None
    return None


def _nearest_placed(orphan: Token, pairs: list[Pair], section: HtmlElement, positions: BoxPositions | None) -> Pair | None:
    """Of several fitting prices, the one placed clearly nearest the struck price, if the builder's
    rules place them all."""
    if positions is None or len(pairs) < 2:
        return None
    origin = positions.of(orphan.el, section)
    placed = [(positions.of(p.current.el, section), p) for p in pairs]
    if origin is None or any(at is None for at, _ in placed):
        return None
    ranked = sorted((math.dist(origin, at), index) for index, (at, _) in enumerate(placed) if at is not None)
    (best, best_index), (second, _) = ranked[0], ranked[1]
    return placed[best_index][1] if best <= NEARER * second else None


def _fits(reference: Token, current: Token) -> bool:
    return (
        _plainly_a_price(current)
        and reference.flags == current.flags
        and currency_of(reference, current) is not None
        and reference.money.amount is not None
        and current.money.amount is not None
        and reference.money.amount > current.money.amount
    )


def _plainly_a_price(token: Token) -> bool:
    words = _LETTERS.findall(token.before)
    return not words or label_role(token.before) == CURRENT


def _ancestors(el: HtmlElement) -> frozenset[HtmlElement]:
    found = []
    node = el.getparent()
    for _ in range(MAX_SECTION_CLIMB + 1):
        if node is None:
            break
        found.append(node)
        node = node.getparent()
    return frozenset(found)
