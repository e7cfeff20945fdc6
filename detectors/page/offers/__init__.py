"""Offers: the price statements of a page, from structured data first, then from the DOM.

Structured data (JSON-LD, microdata, OpenGraph ``product:*``) is what the shop declares
to machines; the DOM is what buyers see, and only the DOM shows struck-through
reference prices in most Vietnamese themes. ``dom_offers`` lives in ``offers_dom``.

An offer that cannot be read with confidence is left out rather than guessed, and
``context_flags`` say when a price must not be compared as a plain sale (instalment,
member price, combo, per unit, shipping, voucher, accessory, gift, range, second-hand).
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any, Iterator, Mapping

from lxml.html import HtmlElement

from detectors.page.offers.dom import dom_offers
from detectors.page.prices import VND, parse_amount
from detectors.page.styles import BoxPositions
from detectors.page.text import CssPaths, normalize_whitespace
from detectors.types import Offer

_PRODUCT_TYPES = frozenset({"Product", "ProductGroup", "IndividualProduct", "ProductModel", "SomeProducts"})
_OFFER_TYPES = frozenset({"Offer", "AggregateOffer"})
# schema.org priceType values that name the price a sale is compared against.
_REFERENCE_PRICE_TYPES = ("StrikethroughPrice", "ListPrice", "MSRP", "RegularPrice")
# Identifier properties of schema.org Product/Offer, most specific first.
_ID_KEYS = ("sku", "gtin14", "gtin13", "gtin12", "gtin8", "gtin", "mpn", "productID")
# schema.org ItemAvailability values (lower case), for the price history's "in stock".
_IN_STOCK = frozenset({"instock", "limitedavailability", "onlineonly", "instoreonly", "preorder", "presale"})
_OUT_OF_STOCK = frozenset({"outofstock", "soldout", "discontinued", "backorder"})
_SNIPPET_KEYS = ("@type", "price", "lowPrice", "highPrice", "priceCurrency", "priceSpecification")


def extract_offers(
    root: HtmlElement,
    structured: Mapping[str, Any],
    css_paths: CssPaths | None = None,
    struck: frozenset[HtmlElement] = frozenset(),
    positions: BoxPositions | None = None,
    *,
    read_link_hosts: bool = True,
) -> tuple[Offer, ...]:
    """All offers of a page, structured first, duplicates removed.

    ``root`` must have been through ``text.prepare_for_text``; ``css_paths`` is the page's
    CSS path cache, if it has one; ``struck`` the elements its stylesheets strike through and
    ``positions`` where they place a builder's boxes; ``read_link_hosts`` whether to say where each
    discounted offer's links lead (``Offer.link_hosts``).
    """
    dom = dom_offers(root, css_paths, struck, positions, read_link_hosts=read_link_hosts)
    return dedupe(structured_offers(structured) + dom)


def dedupe(offers: list[Offer]) -> tuple[Offer, ...]:
    """One offer per (name, price, reference, currency); a bare price loses to a pair, which keeps the
    product identifier and availability the bare one declared."""
    paired = {_key(o, with_reference=False) for o in offers if o.reference_price is not None}
    declared = {_key(o, with_reference=False): o for o in reversed(offers) if o.product_id or o.in_stock is not None}
    seen: set[tuple[object, ...]] = set()
    kept: list[Offer] = []
    for offer in offers:
        key = _key(offer, with_reference=True)
        if key in seen or (offer.reference_price is None and _key(offer, with_reference=False) in paired):
            continue
        seen.add(key)
        kept.append(_with_declared(offer, declared.get(_key(offer, with_reference=False))))
    return tuple(kept)


def _with_declared(offer: Offer, declared: Offer | None) -> Offer:
    """``offer`` with the identifier and availability its structured twin declared, where it has none."""
    if declared is None or declared is offer:
        return offer
    product_id = offer.product_id or declared.product_id
    in_stock = offer.in_stock if offer.in_stock is not None else declared.in_stock
    if (product_id, in_stock) == (offer.product_id, offer.in_stock):
        return offer
    return replace(offer, product_id=product_id, in_stock=in_stock)


def _key(offer: Offer, *, with_reference: bool) -> tuple[object, ...]:
    name = normalize_whitespace(offer.name or "").casefold()
    reference = offer.reference_price if with_reference else None
    return (name, offer.price, reference, offer.currency)


# --- JSON-LD and microdata ----------------------------------------------------------------


def structured_offers(structured: Mapping[str, Any]) -> list[Offer]:
    """Offers declared in extruct's uniform output (``json-ld``, ``microdata``, ``opengraph``)."""
    offers: list[Offer] = []
    for syntax, source in (("json-ld", "jsonld"), ("microdata", "microdata")):
        for name, product_id, node in _offer_nodes(structured.get(syntax) or [], None, None):
            offer = _schema_offer(name, node, source, product_id)
            if offer is not None:
                offers.append(offer)
    offers.extend(_opengraph_offers(structured.get("opengraph") or []))
    return offers


def _offer_nodes(node: Any, name: str | None,
                 product_id: str | None) -> Iterator[tuple[str | None, str | None, Mapping[str, Any]]]:
    """(product name, product identifier, Offer/AggregateOffer node) anywhere in a JSON-LD/microdata tree."""
    if isinstance(node, list):
        for item in node:
            yield from _offer_nodes(item, name, product_id)
        return
    if not isinstance(node, Mapping):
        return
    types = _types(node)
    if types & _PRODUCT_TYPES:
        product_name = _text(node.get("name")) or name
        own_id = _product_id(node) or product_id
        for offer in _as_list(node.get("offers")):
            yield from _offer_nodes(offer, product_name, own_id)
        for variant in _as_list(node.get("hasVariant")):
            yield from _offer_nodes(variant, product_name, own_id)
    elif types & _OFFER_TYPES:
        yield (name or _text(_first(node.get("itemOffered"), "name")), _product_id(node) or product_id, node)
        for offer in _as_list(node.get("offers")):  # AggregateOffer listing its offers
            yield from _offer_nodes(offer, name, product_id)
    else:
        for key, value in node.items():
            if key not in ("isRelatedTo", "isSimilarTo", "isAccessoryOrSparePartFor"):
                yield from _offer_nodes(value, name, product_id)


def _product_id(node: Mapping[str, Any]) -> str | None:
    for key in _ID_KEYS:
        value = _text(_first(node, key))
        if value and value.strip():
            return f"{key.lower()}:{value.strip()[:120]}"
    return None


def _schema_offer(name: str | None, node: Mapping[str, Any], source: str,
                  product_id: str | None = None) -> Offer | None:
    currency = _currency(node)
    flags: set[str] = set()
    raw_price = _first(node, "price")
    reference_raw = None
    for spec in _as_list(node.get("priceSpecification")):
        if not isinstance(spec, Mapping):
            continue
        if str(_first(spec, "priceType") or "").rsplit("/", 1)[-1] in _REFERENCE_PRICE_TYPES:
            reference_raw = _first(spec, "price")
        elif raw_price is None:
            raw_price = _first(spec, "price")
        currency = currency or _currency(spec)
    if "AggregateOffer" in _types(node) and raw_price is None:
        raw_price = _first(node, "lowPrice")
        high = parse_amount(_first(node, "highPrice"), currency)
        if high is not None and high != parse_amount(raw_price, currency):
            flags.add("price_range")
    price = parse_amount(raw_price, currency)
    if price is None:
        return None
    reference = parse_amount(reference_raw, currency) if reference_raw is not None else None
    return Offer(
        name=name,
        price=price,
        reference_price=reference,
        currency=currency,
        source=source,
        snippet=_snippet(name, node),
        context_flags=frozenset(flags | ({"gift"} if price == 0 else set())),
        price_text=_text(raw_price),
        reference_price_text=_text(reference_raw),
        reference_basis="structured" if reference is not None else None,
        product_id=product_id,
        in_stock=_availability(node),
    )


def _availability(node: Mapping[str, Any]) -> bool | None:
    value = str(_first(node, "availability") or "").rsplit("/", 1)[-1].strip().lower()
    if value in _IN_STOCK:
        return True
    return False if value in _OUT_OF_STOCK else None


def _snippet(name: str | None, node: Mapping[str, Any]) -> str:
    shown = {k: node[k] for k in _SNIPPET_KEYS if k in node}
    body = json.dumps(shown, ensure_ascii=False, default=str)
    return (f"{name}: {body}" if name else body)[:300]


def _currency(node: Mapping[str, Any]) -> str | None:
    value = _text(_first(node, "priceCurrency"))
    if not value:
        return None
    value = value.strip().upper()
    return VND if value in ("VND", "VNĐ", "₫", "Đ") else value


# --- OpenGraph ----------------------------------------------------------------------------


def _opengraph_offers(items: list[Mapping[str, Any]]) -> list[Offer]:
    """``product:price:amount`` is the regular price; ``product:sale_price:amount`` the sale."""
    offers = []
    for og in items:
        currency_raw = og.get("product:price:currency") or og.get("og:price:currency")
        currency = _currency({"priceCurrency": currency_raw})
        regular_raw = og.get("product:price:amount") or og.get("og:price:amount")
        sale_raw = og.get("product:sale_price:amount")
        original_raw = og.get("product:original_price:amount")
        price_raw = sale_raw or regular_raw
        reference_raw = original_raw or (regular_raw if sale_raw else None)
        price = parse_amount(price_raw, currency)
        if price is None:
            continue
        reference = parse_amount(reference_raw, currency) if reference_raw else None
        name = _text(og.get("og:title")) or None
        offers.append(
            Offer(
                name=name,
                price=price,
                reference_price=reference,
                currency=currency,
                source="opengraph",
                snippet=_og_snippet(og),
                context_flags=frozenset({"gift"} if price == 0 else ()),
                price_text=_text(price_raw),
                reference_price_text=_text(reference_raw),
                reference_basis="structured" if reference is not None else None,
            )
        )
    return offers


def _og_snippet(og: Mapping[str, Any]) -> str:
    shown = {k: v for k, v in og.items() if k.startswith(("product:", "og:price", "og:title"))}
    return json.dumps(shown, ensure_ascii=False)[:300]


# --- helpers ------------------------------------------------------------------------------


def _types(node: Mapping[str, Any]) -> set[str]:
    return {str(t).rsplit("/", 1)[-1] for t in _as_list(node.get("@type"))}


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _first(node: Any, key: str) -> Any:
    """``node[key]``, or its first item when microdata repeated the property."""
    if isinstance(node, list):
        node = node[0] if node else None
    if not isinstance(node, Mapping):
        return None
    value = node.get(key)
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (Mapping, list)):
        return None
    text = normalize_whitespace(str(value))
    return text or None


__all__ = ["dedupe", "extract_offers", "structured_offers"]
