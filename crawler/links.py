"""Which links a storefront crawl follows: products, categories, pagination, promotions.

Pure functions over URLs so that they can be tested with tables. A crawl that
followed every link would drown in login, cart, account and search-result pages.
"""

from __future__ import annotations

import re
from enum import Enum
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url


class LinkKind(str, Enum):
    PRODUCT = "product"
    CATEGORY = "category"
    PAGINATION = "pagination"
    PROMOTION = "promotion"
    SKIP = "skip"
    OTHER = "other"


FOLLOWED_KINDS = frozenset({LinkKind.PRODUCT, LinkKind.CATEGORY, LinkKind.PAGINATION, LinkKind.PROMOTION})

SKIP_PATH_WORDS = (
    "login", "logout", "signin", "sign-in", "signup", "sign-up", "register", "account", "my-account",
    "profile", "password", "cart", "checkout", "wishlist", "compare", "search", "tim-kiem",
    "dang-nhap",  # log in
    "dang-ky-tai-khoan",  # create an account
    "gio-hang",  # shopping cart
    "thanh-toan",  # checkout
    "tai-khoan",  # account
    "yeu-thich",  # wishlist
    "so-sanh",  # compare
    "cdn-cgi", "wp-admin", "wp-login", "feed", "print",
)
# Search results and facet combinations explode into endless near-duplicate listings.
SKIP_QUERY_KEYS = frozenset({"q", "s", "keyword", "query", "search", "add-to-cart", "add_to_cart", "sort", "orderby",
                             "filter", "view", "limit", "price_min", "price_max", "color", "size", "brand",
                             "sessionid", "sid"})
TRACKING_KEYS = frozenset({"utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term", "fbclid", "gclid"})
PAGINATION_KEYS = frozenset({"page", "p", "pg", "trang", "paged"})  # trang: page
BINARY_EXTENSIONS = re.compile(
    r"\.(jpe?g|png|gif|webp|svg|ico|css|js|pdf|zip|rar|mp4|mp3|avi|mov|woff2?|ttf|eot|xml|json|apk|exe)$", re.I
)

PRODUCT_PATTERNS = (
    re.compile(r"/(products?|san-pham|sp|item|items|p|dp|chi-tiet)/[^/]+", re.I),  # san-pham: product
    re.compile(r"-p\d+(\.html)?$", re.I),
    re.compile(r"-i\.\d+\.\d+$", re.I),  # marketplace item ids
    re.compile(r"/[a-z0-9]+(-[a-z0-9]+){2,}\.html?$", re.I),  # slug pages of Vietnamese themes
)
CATEGORY_PATTERNS = (
    re.compile(r"/(collections?|categor(y|ies)|danh-muc|c|catalog|shop|gian-hang|store|nganh-hang|brands?)(/|$)", re.I),
    # danh-muc: category, gian-hang: seller's booth, nganh-hang: product line
    re.compile(r"-c\d+(\.html)?$", re.I),
)
PAGINATION_PATH = re.compile(r"/(page|trang)/\d+/?$", re.I)
PROMOTION_WORDS = (
    "khuyen-mai", "km-",  # promotion
    "uu-dai",  # offer
    "giam-gia",  # discount
    "vong-quay", "quay-so", "boc-tham", "minigame", "trung-thuong",  # spin wheel, draw, prize
    "promotion", "promo", "flash-sale", "sale", "deal", "voucher", "lucky",
)


def classify(url: str) -> LinkKind:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return LinkKind.SKIP
    path = parts.path or "/"
    lowered = path.lower()
    segments = [s for s in re.split(r"[/._?=&]+", lowered) if s]
    if BINARY_EXTENSIONS.search(lowered) or any(_skip_segment(s) for s in segments):
        return LinkKind.SKIP
    query_keys = {k.lower() for k, _ in parse_qsl(parts.query, keep_blank_values=True)}
    if query_keys & SKIP_QUERY_KEYS:
        return LinkKind.SKIP
    if query_keys & PAGINATION_KEYS or PAGINATION_PATH.search(lowered):
        return LinkKind.PAGINATION
    if any(word in lowered for word in PROMOTION_WORDS):
        return LinkKind.PROMOTION
    if any(p.search(path) for p in PRODUCT_PATTERNS):
        return LinkKind.PRODUCT
    if any(p.search(path) for p in CATEGORY_PATTERNS):
        return LinkKind.CATEGORY
    return LinkKind.OTHER


def _skip_segment(segment: str) -> bool:
    return any(segment == word or segment.startswith(word + "-") for word in SKIP_PATH_WORDS)


def normalize(url: str) -> str:
    """A canonical form for de-duplication: no fragment, no tracking keys, sorted query."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k.lower() not in TRACKING_KEYS]
    cleaned = urlunsplit((parts.scheme, parts.netloc, parts.path or "/", urlencode(query), ""))
    return canonicalize_url(cleaned)
