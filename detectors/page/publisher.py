"""Pages that publish rather than sell: news, blogs, price comparison and link hubs.

Such a page quotes prices ("giá gốc 1,2 triệu, nay còn 490.000đ"), discounts and lucky draws of
others, but sells nothing and runs nothing itself; the registration and promotion rules do not
judge it (``signals.publisher``). Two kinds of evidence make a page a publisher:

- it is an article: schema.org ``Article`` types, ``og:type = article``, a published-time meta,
  or an ``<article>`` holding a story's worth of paragraphs;
- it is a hub: most of its discounted offers link only to other sites (affiliate and deal pages,
  also through an own ``/go/`` redirect), or it compares prices across sellers ("12 nơi bán").

and it shows no ordering of its own: no link to its own cart or checkout, no cart or order form
(a phone number and an address or quantity to fill in), no "Mua ngay" button but those leading to
other sites. A landing page styled as an advertorial keeps its order form, so it stays a shop.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping, Sequence
from urllib.parse import parse_qsl, unquote, urlsplit

import lxml.html

from detectors.domains import registrable_domain
from detectors.types import Link, Offer

__all__ = ["article_markers", "link_hosts", "order_forms", "own_cart_links", "own_ordering", "publisher_reasons"]

ARTICLE_TYPES = frozenset({
    "Article", "NewsArticle", "BlogPosting", "Blog", "Report", "LiveBlogPosting", "AnalysisNewsArticle",
    "OpinionNewsArticle", "ReportageNewsArticle", "ReviewNewsArticle", "TechArticle", "ScholarlyArticle",
})
MIN_ARTICLE_TEXT = 1500  # paragraph characters in one <article>: a story, not a product card
MIN_HUB_OFFERS = 3
HUB_SHARE = 0.6  # of the priced offers read from the page body
# "Giá từ 1.200.000đ tại 12 nơi bán" (price from ... at 12 sellers), "So sánh giá" (compare prices).
COMPARISON_PHRASES = ("nơi bán", "so sánh giá")
MIN_COMPARISON_HITS = 3
# Own-site paths that forward to another site: "/go/shopee", "/redirect?url=…", "/out/123".
_REDIRECT_PATH = re.compile(r"^/(?:go|out|redirect|chuyen-huong|link|click|aff|r)(?:/|\?|$)", re.IGNORECASE)
_PHONE_FIELD = re.compile(r"phone|tel|mobile|dien[-_\s]?thoai|điện\s*thoại|sđt|sdt", re.IGNORECASE)
_ORDER_FIELD = re.compile(r"address|dia[-_\s]?chi|địa\s*chỉ|quantity|so[-_\s]?luong|số\s*lượng|product|san[-_\s]?pham",
                          re.IGNORECASE)
_FIELD_ATTRIBUTES = ("name", "id", "placeholder", "aria-label")
# Chat services a shop takes orders through: a link there is the shop's own channel, not a quote.
CHAT_DOMAINS = frozenset({"zalo.me", "m.me", "messenger.com", "wa.me", "whatsapp.com", "t.me", "viber.com"})


def article_markers(root: lxml.html.HtmlElement, schema_types: set[str],
                    opengraph: Sequence[Mapping[str, Any]]) -> list[str]:
    """Why the page reads as an article; read before the tree is prepared (the <head> is gone then)."""
    reasons = [f"structured:{t}" for t in sorted(schema_types & ARTICLE_TYPES)]
    if any(str(og.get("og:type") or og.get("@type") or "").lower() == "article" for og in opengraph):
        reasons.append("og:type=article")
    head = root.find("head")  # the <head>'s own metas only: an itemprop date in the body is structured data
    if head is not None and any(m.get("property") == "article:published_time" or m.get("name") == "pubdate"
                                for m in head.iter("meta")):
        reasons.append("meta:published-time")
    for article in root.iter("article"):
        if sum(len(p.text_content()) for p in article.iter("p")) >= MIN_ARTICLE_TEXT:
            reasons.append("article:story-length text")
            break
    return reasons


def order_forms(root: lxml.html.HtmlElement) -> int:
    """Forms that take an order: a phone field and an address, quantity or product field."""
    count = 0
    for form in root.iter("form"):
        fields = [" ".join(f.get(a) or "" for a in _FIELD_ATTRIBUTES) for f in form.iter("input", "select", "textarea")]
        if any(_PHONE_FIELD.search(f) for f in fields) and any(_ORDER_FIELD.search(f) for f in fields):
            count += 1
    return count


def link_hosts(hrefs: Iterable[str]) -> tuple[str, ...]:
    """The hosts some links lead to ("" for the page's own site), looking through redirects that
    carry their target in the query ("/go?url=https%3A%2F%2Fshopee.vn%2F…")."""
    hosts = []
    for href in hrefs:
        href = href.strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        if href[0] == "/" and href[1:2] != "/" and "?" not in href and not _REDIRECT_PATH.match(href):
            hosts.append("")  # the common case: a path of this site
            continue
        try:
            parts = urlsplit(href)
        except ValueError:
            continue
        target = _redirect_target(parts.query)
        if target is not None:
            hosts.append(target)
        elif _REDIRECT_PATH.match(parts.path or ""):
            hosts.append("redirect")
        else:
            hosts.append((parts.hostname or "").lower() if parts.netloc else "")
    return tuple(hosts)


def _redirect_target(query: str) -> str | None:
    for _key, value in parse_qsl(query):
        value = unquote(value)
        if value.startswith(("http://", "https://")):
            try:
                return (urlsplit(value).hostname or "").lower() or None
            except ValueError:
                return None
    return None


def publisher_reasons(*, domain: str, lowered_text: str, markers: Sequence[str],
                      offers: Sequence[Offer]) -> list[str]:
    """Why the page reads as an article or a hub ([] when it does not); see ``own_ordering``."""
    reasons = list(markers)
    # The offers a promotion rule could flag: priced, read from the page, with a reference or a badge.
    priced = [o for o in offers if o.source == "dom" and o.price is not None
              and (o.reference_price is not None or o.stated_discount_percent is not None)]
    elsewhere = _Elsewhere(domain)
    quoted = [o for o in priced if o.link_hosts and all(elsewhere(h) for h in o.link_hosts)]
    if len(quoted) >= MIN_HUB_OFFERS and len(quoted) >= HUB_SHARE * len(priced):
        reasons.append(f"link-hub:{len(quoted)} of {len(priced)} discounted offers link only to other sites")
    comparisons = sum(lowered_text.count(p) for p in COMPARISON_PHRASES)
    if comparisons >= MIN_COMPARISON_HITS:
        reasons.append(f"price-comparison:{comparisons} mentions of sellers compared")
    return reasons


def own_ordering(*, domain: str, lowered_text: str, links: Sequence[Link], cart_phrases: Sequence[str],
                 cart_hrefs: Sequence[str], cart_forms: int, order_form_count: int) -> list[str]:
    """What shows the page takes orders itself; a page with any of it is no publisher."""
    found = []
    elsewhere = _Elsewhere(domain)
    own_cart = own_cart_links(domain, cart_hrefs)
    if own_cart:
        found.append(f"own cart link {urlsplit(own_cart[0]).path}")
    if cart_forms:
        found.append(f"{cart_forms} cart forms")
    if order_form_count:
        found.append(f"{order_form_count} order forms")
    if found or not cart_phrases:
        return found
    outbound_texts = " ".join(link.text.lower() for link in links if link.text and elsewhere(_host(link.href)))
    for phrase in cart_phrases:
        term = phrase.lower()
        if lowered_text.count(term) > outbound_texts.count(term):
            found.append(f"'{phrase}' not only on links to other sites")
            break
    return found


def own_cart_links(domain: str, cart_hrefs: Sequence[str]) -> list[str]:
    """The cart and checkout links that stay on the page's own site."""
    elsewhere = _Elsewhere(domain)
    return [href for href in cart_hrefs if not elsewhere(_host(href))]


class _Elsewhere:
    """Whether a host (as ``link_hosts`` gives it) is another site than ``domain``; a chat service a
    shop takes orders through is not. Hosts repeat on a page, and tldextract is not free: cached."""

    def __init__(self, domain: str) -> None:
        self.domain = domain
        self.known: dict[str, bool] = {"": False, "redirect": True}

    def __call__(self, host: str) -> bool:
        if host not in self.known:
            other = registrable_domain(host)
            self.known[host] = other != self.domain and other not in CHAT_DOMAINS
        return self.known[host]


def _host(href: str) -> str:
    hosts = link_hosts([href])
    return hosts[0] if hosts else ""
