"""Value types shared by the detectors and everything above them.

These are the contract between layers: storage persists ``Finding`` and
``RegistryRecord``; the crawler builds a ``Page`` through ``parse_page`` and
passes a ``Context``. Nothing here knows about Scrapy or SQLAlchemy.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Mapping, Protocol, Sequence

if TYPE_CHECKING:
    from detectors.page.document import Document


class Severity(str, enum.Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


@dataclass(frozen=True)
class Link:
    href: str  # absolute URL
    text: str
    css_path: str
    rel: str = ""


@dataclass(frozen=True)
class Image:
    src: str  # absolute URL ('' when missing)
    alt: str
    title: str
    css_path: str
    link_href: str | None = None  # absolute href of the enclosing <a>, if any


@dataclass(frozen=True)
class BadgeMark:
    """An element that looks like the MOIT badge, or a link to online.gov.vn, as written."""

    css_path: str  # of the enclosing link when there is one: one mark per link
    snippet: str  # the markup as served (shortened)
    href: str | None  # absolute link target, if any
    image_kind: str | None  # "notified" | "registered" | None: what the image/alt suggests
    # What made it a mark: "image" (file name), "icon" (class), "css-background" (a background image,
    # from a <style> rule or inline style), "label" (alt/title text), "portal-link" (a bare link).
    basis: str = ""
    image_url: str | None = None  # the badge image as written, when one was named


@dataclass(frozen=True)
class Offer:
    """One price statement on a page, as written and as understood.

    ``context_flags`` records why an offer must not be compared as a plain
    sale (instalment, member price, combo, per-unit, shipping fee, voucher,
    accessory, gift...): rules skip flagged offers instead of guessing.
    """

    name: str | None
    price: Decimal | None
    reference_price: Decimal | None
    currency: str | None
    source: str  # "jsonld" | "microdata" | "opengraph" | "dom"
    snippet: str
    css_path: str | None = None
    discount_text: str | None = None
    stated_discount_percent: Decimal | None = None
    context_flags: frozenset[str] = frozenset()
    # Added with the page model (all optional):
    price_text: str | None = None  # the price as written ("1.290.000₫")
    reference_price_text: str | None = None  # the reference price as written
    # How the reference price was recognised: "struck" (<del>/<s>/line-through), "class"
    # (old-price, compare-price...), "label" ("Giá gốc:"), "inferred" (a plain "price"
    # beside an explicitly marked sale price, higher than it), "structured" (schema.org
    # StrikethroughPrice/ListPrice, OpenGraph sale vs regular price).
    reference_basis: str | None = None
    stated_discount_up_to: bool = False  # the stated discount is a ceiling ("giảm đến 70%")
    # The offer's block as the page's text has it, verbatim (``snippet`` is spaced for reading and
    # matching, and may carry the product's name): what a finding quotes as evidence.
    quote: str | None = None
    # How the reference price was matched to this price: "card" (in the same product card) or
    # "section" (text boxes of a page builder, matched by the section they share); None without one.
    paired_by: str | None = None
    # Hosts the links of the offer's card lead to ("" for the page's own site, "redirect" for an
    # own /go/-style redirect): an offer whose links all lead elsewhere is quoted, not sold here.
    # Read for DOM offers with a reference price or a discount badge only; () otherwise.
    link_hosts: tuple[str, ...] = ()
    # The product's identifier as the shop declares it in structured data (sku, gtin*, mpn, productID),
    # "sku:ABC-1" style; None when the page declares none. Price history keys a product by it.
    product_id: str | None = None
    # Whether the shop declares it available (schema.org availability); None when it declares nothing.
    in_stock: bool | None = None


@dataclass(frozen=True)
class Signals:
    vietnamese_facing: bool
    vietnamese_reasons: tuple[str, ...]
    commerce: bool
    commerce_reasons: tuple[str, ...]
    marketplace: bool
    marketplace_reasons: tuple[str, ...]
    app_shell: bool = False  # an empty client-side application shell
    # The page publishes (news, blog, price comparison, link hub) and sells nothing itself: its prices
    # and draws are quoted, and ``commerce`` is False. The reasons say both what it publishes and,
    # when it is not a publisher after all, what it sells ("sells:...").
    publisher: bool = False
    publisher_reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Page:
    url: str  # the URL the evidence was fetched from (final URL after redirects)
    domain: str  # registrable domain of ``url``
    html: str
    text: str  # visible text, whitespace-normalised
    title: str
    lang: str | None  # detected language of the visible text
    declared_lang: str | None  # <html lang>, og:locale
    links: tuple[Link, ...]
    images: tuple[Image, ...]
    structured: Mapping[str, Any]  # extruct-style {"json-ld": [...], "microdata": [...], "opengraph": [...]}
    offers: tuple[Offer, ...]
    signals: Signals
    badge_marks: tuple[BadgeMark, ...]
    # The parsed tree the fields above were read from, for rules that quote a block of text.
    document: Document = field(repr=False, compare=False)
    # What was repaired to read the page (a mis-declared or mixed encoding, double-encoded text),
    # in words; None when the page read cleanly. Findings on a repaired page carry it as evidence.
    encoding_repair: str | None = None
    # What the parser had to leave out (elements nested beyond its depth limit), in words; None if nothing.
    parse_note: str | None = None


@dataclass(frozen=True)
class RegistryRecord:
    """A notification/registration record of the E-commerce Management Portal."""

    record_id: str
    domain: str
    kind: str  # "notified" | "registered"
    status: str  # "active" | "revoked" | "pending"
    company: str | None = None
    source: str = "csv"  # "csv" | "portal"
    url: str | None = None


class Registry(Protocol):
    def by_record_id(self, record_id: str) -> Sequence[RegistryRecord]: ...

    def by_domain(self, domain: str) -> Sequence[RegistryRecord]: ...


@dataclass(frozen=True)
class Finding:
    """A flag for a human reviewer, never a verdict.

    ``subject`` identifies what on the page was flagged (an offer, a badge
    link, the page itself) so that re-running the detectors over the same
    evidence updates the finding instead of duplicating it.
    """

    rule: str
    severity: Severity
    title: str
    title_vi: str
    legal_basis: str
    message: str
    evidence: Mapping[str, Any]  # at least "snippet" and "css_path"; plus the values compared
    subject: str
    uncertain: str | None = None  # why the legal basis is marked uncertain, if it is
    # "site": the same flag on every page of a site (a missing or fake badge) is one finding for
    # the site, not one per page; "page": the flag belongs to this page (an offer, a lucky draw).
    scope: str = "page"

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "title": self.title,
            "legal_basis": self.legal_basis,
            "message": self.message,
            "evidence": dict(self.evidence),
            "uncertain": self.uncertain,
            "scope": self.scope,
        }


@dataclass(frozen=True)
class Context:
    """What the detectors know besides the page: the date judged and the registry."""

    on: date
    registry: Registry | None = None
    ad_id: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
