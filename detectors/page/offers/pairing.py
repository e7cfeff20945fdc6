"""Offers of one product card: its prices paired up in document order.

Adjacent reference + current (or unmarked) prices pair up. An unmarked price beside an
explicitly marked sale price is its reference only when it is higher (themes that put
the original price in ``.price``, next to ``.price-drop``). Two adjacent unmarked prices
are ambiguous and skipped; so are prices whose trap flags differ (an instalment next to
a price, a gift next to a product). Each discount badge goes to the nearest offer.

A reference price left alone in its card (an *orphan*) may still belong to a price of another
card: page builders put every text box in a card of its own (``offers.sections``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from lxml.html import HtmlElement

from detectors.page.offers.context import (
    AMOUNT_OFF, CURRENT, NEUTRAL, REFERENCE, Badge, Token, card_flags, is_own_pack_price,
)
from detectors.page.publisher import link_hosts
from detectors.page.text import CssPaths, css_path, element_text, source_text
from detectors.types import Offer

SNIPPET_CHARS = 300


@dataclass
class Pair:
    """A price and, when one was found, the price it is compared against."""

    current: Token
    reference: Token | None
    paired_by: str | None = None  # "card" | "section"


@dataclass
class CardPrices:
    """The prices of one card: paired, and the references nothing in the card pairs with."""

    card: HtmlElement
    name: str | None
    flags: frozenset[str]
    pairs: list[Pair]
    orphans: list[Token]
    badges: list[Badge] = field(default_factory=list)
    amounts_off: list[Token] = field(default_factory=list)

    @functools.cached_property
    def link_hosts(self) -> tuple[str, ...]:
        return link_hosts(str(h) for h in self.card.xpath("descendant-or-self::a/@href"))


def pair_card(card: HtmlElement, tokens: list[Token], badges: list[Badge], name: str | None) -> CardPrices:
    tokens.sort(key=lambda t: t.order)
    amounts_off = [t for t in tokens if t.role == AMOUNT_OFF]
    pairs, orphans = _pairs(_collapse([t for t in tokens if t.role != AMOUNT_OFF]))
    return CardPrices(card, name, card_flags(card, name), pairs, orphans, badges, amounts_off)


def card_offers(prices: CardPrices, css_paths: CssPaths | None, read_link_hosts: bool = True) -> list[Offer]:
    badge_of = _assign_badges(prices.badges, prices.pairs)
    return [_offer(prices, pair, badge_of.get(index), css_paths, read_link_hosts)
            for index, pair in enumerate(prices.pairs)]


def _collapse(tokens: list[Token]) -> list[Token]:
    """Drop a token repeating the one before it (same amount and role): duplicated markup."""
    kept: list[Token] = []
    for token in tokens:
        if kept and (kept[-1].money.amount, kept[-1].role) == (token.money.amount, token.role):
            continue
        kept.append(token)
    return kept


def _pairs(sequence: list[Token]) -> tuple[list[Pair], list[Token]]:
    """Pairs in document order, and the references left alone; ambiguity dropped."""
    pairs: list[Pair] = []
    orphans: list[Token] = []
    i = 0
    while i < len(sequence):
        a = sequence[i]
        b = sequence[i + 1] if i + 1 < len(sequence) else None
        paired = _pair(a, b) if b is not None else None
        if paired is not None:
            pairs.append(Pair(*paired, paired_by="card"))
            i += 2
        elif a.role == NEUTRAL and b is not None and b.role == NEUTRAL and a.flags == b.flags:
            i += 2  # two unmarked prices side by side: which one is struck is in the CSS
        else:
            if a.role in (CURRENT, NEUTRAL):
                pairs.append(Pair(a, None))
            elif a.role == REFERENCE:
                orphans.append(a)
            i += 1
    return [p for p in pairs if currency_of(p.current, p.reference) is not None], orphans


def _pair(a: Token, b: Token) -> tuple[Token, Token] | None:
    if a.flags != b.flags or currency_of(a, b) is None:
        return None  # an instalment next to a price, a gift next to a product: not a pair
    roles = {a.role, b.role}
    by_role = {a.role: a, b.role: b}
    if roles == {REFERENCE, CURRENT} or roles == {REFERENCE, NEUTRAL}:
        current = by_role.get(CURRENT) or by_role[NEUTRAL]
        reference = by_role[REFERENCE]
    elif roles == {CURRENT, NEUTRAL} and by_role[NEUTRAL].money.amount > by_role[CURRENT].money.amount:
        current, reference = by_role[CURRENT], _as_inferred_reference(by_role[NEUTRAL])
    else:
        return None
    if reference.money.amount <= current.money.amount:
        return None
    return current, reference


def _as_inferred_reference(token: Token) -> Token:
    return Token(token.el, token.order, token.money, REFERENCE, "inferred", token.flags, token.before)


def currency_of(a: Token, b: Token | None) -> str | None:
    currencies = {t.money.currency for t in (a, b) if t is not None} - {None}
    return currencies.pop() if len(currencies) == 1 else None


def _assign_badges(badges: list[Badge], pairs: list[Pair]) -> dict[int, Badge]:
    """Each badge goes to the offer nearest to it in the card: one "-42%" is one statement."""
    assigned: dict[int, Badge] = {}
    if not pairs:
        return assigned
    for badge in badges:
        index = min(range(len(pairs)), key=lambda i: _distance(badge, pairs[i]))
        current = assigned.get(index)
        if current is None or _distance(badge, pairs[index]) < _distance(current, pairs[index]):
            assigned[index] = badge
    return assigned


def _distance(badge: Badge, pair: Pair) -> float:
    return min(abs(badge.order - token.order) for token in (pair.current, pair.reference) if token is not None)


def _offer(prices: CardPrices, pair: Pair, badge: Badge | None, css_paths: CssPaths | None,
           read_link_hosts: bool) -> Offer:
    current, reference, name = pair.current, pair.reference, prices.name
    block = _evidence_block(prices.card, [current.el] + ([reference.el] if reference else []))
    quote = source_text(block)
    snippet = element_text(block)
    if name and name not in snippet:
        snippet = f"{name} — {snippet}"
    plain_amounts_off = [t.money.text for t in prices.amounts_off if not t.flags]  # not a voucher's "giảm 50K"
    discount_text = badge.percent.text if badge else next(iter(plain_amounts_off), None)
    flags = prices.flags
    if "combo" in flags and reference is not None and is_own_pack_price(name, reference):
        flags = flags - {"combo"}  # a pack tier with its own pre-promotion price is a sale like any other
    return Offer(
        name=name,
        price=current.money.amount,
        reference_price=reference.money.amount if reference else None,
        currency=currency_of(current, reference),
        source="dom",
        snippet=snippet[:SNIPPET_CHARS],
        quote=quote[:SNIPPET_CHARS],
        css_path=css_path(block, css_paths),
        discount_text=discount_text,
        stated_discount_percent=badge.percent.value if badge else None,
        context_flags=flags | current.flags | (reference.flags if reference else frozenset()),
        price_text=current.money.text,
        reference_price_text=reference.money.text if reference else None,
        reference_basis=reference.basis if reference else None,
        stated_discount_up_to=badge.percent.up_to if badge else False,
        paired_by=pair.paired_by if reference else None,
        # Only an offer a rule could flag needs to say where it leads (``page.publisher``'s hubs).
        link_hosts=prices.link_hosts if read_link_hosts and (reference is not None or badge is not None) else (),
    )


def _evidence_block(card: HtmlElement, elements: list[HtmlElement]) -> HtmlElement:
    """The smallest element around the prices with enough text to show a reviewer."""
    block = _common_ancestor(elements)
    while block is not card and len(element_text(block)) < 40 and block.getparent() is not None:
        block = block.getparent()
    return block


def _common_ancestor(elements: list[HtmlElement]) -> HtmlElement:
    common = elements[0]
    for other in elements[1:]:
        # The set holds the proxies alive, so lxml hands back these same objects below.
        lineage = set(other.iterancestors())
        lineage.add(other)
        while common not in lineage:
            parent = common.getparent()
            if parent is None:
                return common
            common = parent
    return common
