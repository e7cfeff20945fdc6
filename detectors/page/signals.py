"""Signals: is the page Vietnamese-facing, does it sell, is it a marketplace?

Each answer comes with its reasons (``"domain:.vn"``, ``"payment:MoMo"``...), so that a
reviewer sees why. These are heuristics, not the statutory tests
(shared/legal-rules.md §4.3):

* Vietnamese-facing: a ``.vn`` domain, visible text detected as Vietnamese or prices in
  VND each suffice; otherwise two kinds of weaker evidence are needed (declared language,
  phone numbers, payment rails, carriers, addresses, business identifiers, a link to the
  online.gov.vn portal).
* Commerce: a priced offer, a schema.org Product/Offer or a cart/buy phrase each suffice;
  otherwise two of: checkout words, links to a cart, cart forms.
* Marketplace: an invitation to sellers ("Đăng ký bán hàng", "Kênh người bán"), three or
  more seller storefront links, or one such link next to marketplace words.
* Publisher: an article or a link hub that sells nothing itself (``page.publisher``); its priced
  offers are quotes, so it is no commerce page.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping, Sequence
from urllib.parse import urlsplit

from detectors import lexicons as lx
from detectors.domains import is_vn_domain, registrable_domain
from detectors.page.publisher import own_ordering, publisher_reasons
from detectors.types import Link, Offer, Signals

MAX_TERMS_PER_KIND = 3  # reasons stay readable: "province:Hà Nội", not all 34

# Looked for in the page text through one lexicons.TermIndex.
_WEAK_VN_TERMS = (
    ("payment", lx.PAYMENT_RAILS),
    ("carrier", lx.CARRIERS),
    ("address", lx.ADDRESS_WORDS),
    ("province", lx.PROVINCES),
    ("business-id", lx.BUSINESS_IDS),
)
_VND_IN_TEXT = re.compile(r"\d[.,]\d{3}\s?(?:₫|đ|Đ|VNĐ|VND|vnđ|vnd)(?!\w)|\d\s?₫")
# Each pattern starts with a literal so that the regex engine can skip ahead quickly over
# a page's text; the "not after a digit" checks come after that first character.
_PHONE_INTL = re.compile(r"[+(]\+?84[\s.)-]*\d")
_PHONE_MOBILE = re.compile(r"0(?<![\d+]0)[35789]\d(?:[ .]?\d){7}(?!\d)")
_PHONE_HOTLINE = re.compile(r"1(?<!\d1)[89]00[ .]?\d(?:[ .]?\d){3,5}(?!\d)")
_CART_HREF = re.compile(
    r"/(?:cart|gio-hang|giohang|checkout|thanh-toan)(?:[/?#.]|$)|add-to-cart|add_to_cart", re.IGNORECASE
)
_PORTAL_HOST = "online.gov.vn"
_SELLER_PATH = re.compile(
    r"^[a-z][a-z0-9+.-]*://(?P<host>[^/?#]+)"
    rf"/(?P<kind>{'|'.join(lx.SELLER_PATH_SEGMENTS)})/(?P<name>[^/?#]+)",
    re.IGNORECASE,
)


def compute_signals(
    *,
    domain: str,
    text: str,
    lang: str | None,
    declared_lang: str | None,
    hreflangs: Sequence[str] = (),
    links: Sequence[Link] = (),
    offers: Sequence[Offer] = (),
    structured: Mapping[str, Any] | None = None,
    cart_forms: int = 0,
    app_shell: bool = False,
    article_markers: Sequence[str] = (),
    order_forms: int = 0,
) -> Signals:
    words = lx.TermIndex(text.lower())
    vn_reasons, vn = _vietnamese_facing(domain, text, words, lang, declared_lang, hreflangs, links, offers)
    commerce_reasons, commerce = _commerce(words, links, offers, structured or {}, cart_forms)
    market_reasons, marketplace = _marketplace(domain, words, links)
    published = publisher_reasons(domain=domain, lowered_text=words.text, markers=article_markers, offers=offers)
    selling = own_ordering(
        domain=domain, lowered_text=words.text, links=links, cart_phrases=words.find(lx.CART_PHRASES),
        cart_hrefs=[link.href for link in links if is_cart_href(link.href)], cart_forms=cart_forms,
        order_form_count=order_forms,
    ) if published else []
    publisher = bool(published) and not selling
    if publisher:
        commerce = False
        commerce_reasons.append("quoted, not sold: the page publishes and sells nothing itself")
    return Signals(
        vietnamese_facing=vn,
        vietnamese_reasons=tuple(vn_reasons),
        commerce=commerce,
        commerce_reasons=tuple(commerce_reasons),
        marketplace=marketplace,
        marketplace_reasons=tuple(market_reasons),
        app_shell=app_shell,
        publisher=publisher,
        publisher_reasons=tuple(published + [f"sells:{s}" for s in selling]),
    )


def is_cart_href(href: str) -> bool:
    return bool(_CART_HREF.search(href))


# --- Vietnamese-facing --------------------------------------------------------------------


def _vietnamese_facing(
    domain: str,
    text: str,
    words: lx.TermIndex,
    lang: str | None,
    declared_lang: str | None,
    hreflangs: Sequence[str],
    links: Sequence[Link],
    offers: Sequence[Offer],
) -> tuple[list[str], bool]:
    strong = []
    if is_vn_domain(domain):
        strong.append("domain:.vn")
    if lang == "vi":
        strong.append("lang:vi")
    if any(o.currency == "VND" for o in offers) or _VND_IN_TEXT.search(text):
        strong.append("currency:VND")
    weak = []
    if declared_lang == "vi":
        weak.append("declared-lang:vi")
    if "vi" in hreflangs:
        weak.append("hreflang:vi")
    weak.extend(_phone_reasons(text, links))
    for kind, terms in _WEAK_VN_TERMS:
        weak.extend(f"{kind}:{term}" for term in words.find(terms)[:MAX_TERMS_PER_KIND])
    if any(_PORTAL_HOST in link.href and _host(link.href).endswith(_PORTAL_HOST) for link in links):
        weak.append("badge-link:online.gov.vn")
    kinds = {reason.split(":", 1)[0] for reason in weak}
    kinds -= {"province"} if "address" in kinds else set()  # one address, counted once
    return strong + weak, bool(strong) or len(kinds) >= 2


def _phone_reasons(text: str, links: Sequence[Link]) -> list[str]:
    tel = " ".join(link.href for link in links if link.href.startswith("tel:"))
    haystack = f"{text} {tel}"
    reasons = []
    if _PHONE_INTL.search(haystack):
        reasons.append("phone:+84")
    if _PHONE_MOBILE.search(haystack):
        reasons.append("phone:0[35789]xxxxxxxx")
    if _PHONE_HOTLINE.search(haystack):
        reasons.append("phone:1900/1800")
    return reasons


# --- commerce -----------------------------------------------------------------------------


def _commerce(
    words: lx.TermIndex,
    links: Sequence[Link],
    offers: Sequence[Offer],
    structured: Mapping[str, Any],
    cart_forms: int,
) -> tuple[list[str], bool]:
    strong = [f"cart:{term}" for term in words.find(lx.CART_PHRASES)]
    priced = sum(1 for o in offers if o.price is not None)
    if priced:
        strong.append(f"offers:{priced} priced offers")
    types = sorted(schema_types(structured) & {"Product", "Offer", "AggregateOffer", "ProductGroup"})
    strong.extend(f"structured:{t}" for t in types)
    weak = [f"checkout:{term}" for term in words.find(lx.CHECKOUT_WORDS)]
    cart_links = sorted({_path_and_query(link.href) for link in links if _CART_HREF.search(link.href)})
    if cart_links:
        weak.append(f"cart-link:{cart_links[0]}")
    if cart_forms:
        weak.append(f"cart-form:{cart_forms}")
    return strong + weak, bool(strong) or len(weak) >= 2


def schema_types(structured: Mapping[str, Any]) -> set[str]:
    found: set[str] = set()
    for syntax in ("json-ld", "microdata"):
        _collect_types(structured.get(syntax) or [], found)
    for og in structured.get("opengraph") or []:
        if isinstance(og, Mapping) and str(og.get("@type") or og.get("og:type") or "").lower() == "product":
            found.add("Product")
    return found


def _collect_types(node: Any, found: set[str]) -> None:
    if isinstance(node, list):
        for item in node:
            _collect_types(item, found)
    elif isinstance(node, Mapping):
        kinds = node.get("@type")
        for kind in kinds if isinstance(kinds, list) else [kinds]:
            if kind:
                found.add(str(kind).rsplit("/", 1)[-1])
        for value in node.values():
            if isinstance(value, (list, Mapping)):
                _collect_types(value, found)


# --- marketplace --------------------------------------------------------------------------


def _marketplace(domain: str, words: lx.TermIndex, links: Sequence[Link]) -> tuple[list[str], bool]:
    reasons = [f"onboarding:{t}" for t in words.find(lx.SELLER_ONBOARDING_PHRASES)]
    sellers = _seller_paths(domain, links)
    if sellers:
        reasons.append(f"sellers:{len(sellers)} seller links")
    found = words.find(lx.MARKETPLACE_WORDS)
    reasons.extend(f"words:{w}" for w in found[:MAX_TERMS_PER_KIND])
    strong_words = [w for w in found if w not in ("Shop", "Mall")]  # every shop says "Shop"
    has_onboarding = any(r.startswith("onboarding:") for r in reasons)
    return reasons, has_onboarding or len(sellers) >= 3 or (len(sellers) >= 1 and bool(strong_words))


def _seller_paths(domain: str, links: Iterable[Link]) -> set[str]:
    """Distinct ``/shop/<name>``-like storefront paths on the page's own site."""
    found = set()
    for link in links:
        match = _SELLER_PATH.match(link.href)
        if match and (not domain or registrable_domain(match["host"]) == domain):
            found.add(f"{match['kind'].lower()}/{match['name'].lower()}")
    return found


def _path_and_query(href: str) -> str:
    parts = urlsplit(href)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _host(href: str) -> str:
    try:
        return (urlsplit(href).hostname or "").lower()
    except ValueError:
        return ""
