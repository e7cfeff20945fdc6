"""Price history: what one visit saw of each product, and the product's key across visits.

One snapshot cannot prove that a "giá gốc" was never charged; nightly crawls can. Each judged page
gives one ``Observation`` per product it offers (price, reference price, discount words, the deadline
the page announces); storage keeps them, ``ecwatch detect --batch`` groups them across a batch, and
the history rules (``detectors.rules.history``) read a product's series.

A product's key is the identifier the shop declares (sku, gtin, mpn, productID: ``id:sku:AB-1``),
else the page's canonical URL and the product's normalised name (``url:https://shop.vn/p/1|ao thun``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from w3lib.url import canonicalize_url, url_query_cleaner

from detectors.page.deadline import Deadline, page_deadline
from detectors.page.prices import VND
from detectors.types import Offer, Page

__all__ = ["Observation", "observations_of", "product_key", "vietnam_day"]

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|gbraid|wbraid|zarsrc|mc_\w+|ref|aff\w*|srsltid)$", re.IGNORECASE)
MAX_KEY = 400
# No shop sells above ten trillion đồng: a larger amount is a misread (or a hostile page) and would not fit
# the store's 64-bit column.
MAX_AMOUNT = Decimal(10) ** 13


def vietnam_day(moment: datetime) -> date:
    """The day it was in Vietnam: rules are dated, and days counted, in Vietnamese law's calendar."""
    return moment.astimezone(VIETNAM).date()


@dataclass(frozen=True)
class Observation:
    """One product as one visit saw it."""

    product_key: str
    observed_at: datetime  # aware: when the page was fetched
    price: Decimal
    reference_price: Decimal | None = None
    discount_text: str | None = None
    in_stock: bool | None = None
    deadline: datetime | None = None  # when the page said the offer ends (aware), if it said
    name: str | None = None
    url: str = ""
    snippet: str = ""  # the offer's words, verbatim
    css_path: str | None = None
    deadline_quote: str | None = None  # the words or markup the deadline was read from
    source: str | None = None  # where it was seen: "snapshot 12", "case 3"

    @property
    def on(self) -> date:
        return vietnam_day(self.observed_at)

    @property
    def discounted(self) -> bool:
        """Sold below a reference price shown beside it, or with a discount stated."""
        return (self.reference_price is not None and self.reference_price > self.price) or bool(self.discount_text)

    def describe(self) -> dict[str, Any]:
        """The observation as evidence: plain JSON values."""
        return {
            "observed_at": self.observed_at.isoformat(timespec="seconds"),
            "on": self.on.isoformat(),
            "price": str(self.price),
            "reference_price": str(self.reference_price) if self.reference_price is not None else None,
            "deadline": self.deadline.isoformat(timespec="seconds") if self.deadline else None,
            "source": self.source,
        }


def observations_of(page: Page, observed_at: datetime, *, source: str | None = None) -> tuple[Observation, ...]:
    """One observation per product the page sells in đồng (flagged offers and publishers' quotes left out);
    the first offer of a product on the page wins."""
    if page.signals.publisher:
        return ()
    deadline = page_deadline(page.text, page.html, observed_at)
    seen: dict[str, Observation] = {}
    for offer in page.offers:
        if not _plain_sale(offer):
            continue
        key = product_key(offer, page.url)
        if key not in seen:
            seen[key] = _observation(offer, key, page.url, observed_at, deadline, source)
    return tuple(seen.values())


def _plain_sale(offer: Offer) -> bool:
    elsewhere = bool(offer.link_hosts) and all(host not in ("", "redirect") for host in offer.link_hosts)
    amounts = (offer.price, offer.reference_price or 0)
    return (offer.price is not None and offer.price > 0 and all(a < MAX_AMOUNT for a in amounts)
            and offer.currency in (VND, None) and not offer.context_flags and not elsewhere)


def _observation(offer: Offer, key: str, url: str, observed_at: datetime, deadline: Deadline | None,
                 source: str | None) -> Observation:
    assert offer.price is not None
    return Observation(
        product_key=key, observed_at=observed_at, price=offer.price, reference_price=offer.reference_price,
        discount_text=offer.discount_text, in_stock=offer.in_stock, deadline=deadline.at if deadline else None,
        name=offer.name, url=url,
        snippet=(offer.quote or offer.snippet)[:500], css_path=offer.css_path,
        deadline_quote=deadline.quote[:200] if deadline else None, source=source)


def product_key(offer: Offer, url: str) -> str:
    """``id:<declared identifier>``, else ``url:<canonical URL>|<normalised name>``."""
    if offer.product_id:
        return f"id:{offer.product_id}"[:MAX_KEY]
    return f"url:{canonical_url(url)}|{normalised_name(offer.name)}"[:MAX_KEY]


def canonical_url(url: str) -> str:
    """The URL without fragment and tracking parameters, its query sorted (w3lib)."""
    kept = [name for name in _query_names(url) if not _TRACKING.match(name)]
    return canonicalize_url(url_query_cleaner(url, parameterlist=kept, keep_fragments=False))


def _query_names(url: str) -> list[str]:
    query = url.partition("#")[0].partition("?")[2]
    return [part.partition("=")[0] for part in query.split("&") if part]


def normalised_name(name: str | None) -> str:
    """Case, accents' composition and punctuation folded, so the same product reads the same each night."""
    text = unicodedata.normalize("NFC", name or "").casefold()
    return re.sub(r"[\W_]+", " ", text).strip()[:120]
