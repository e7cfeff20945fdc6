"""Reading prices and percentages as Vietnamese shops write them.

Rules (each one a decision about an ambiguous case; "never guess" means None):

* Thousands separators. In a VND amount a ``.`` or ``,`` followed by exactly three digits
  is a thousands separator: ``1.299.000₫``, ``1,299,000 đ``, ``1.299₫`` (= 1 299 đ).
  Groups must be consistent (``1.29.000đ`` is None). A trailing part with the *other*
  separator is a decimal part and is accepted only when it is zero (``1.299.000,00 đ``):
  the đồng has no minor unit, so ``890.00Đ`` (a typo for 890.000) is None.
* Currency. Without ``₫``/``đ``/``đồng``/``VND``/``VNĐ`` or a Vietnamese magnitude word
  (``k``, ``nghìn``/``ngàn``, ``tr``/``triệu``, ``tỷ``) a number is not read as a price,
  unless the caller knows the context is VND (``assume_vnd=True``, e.g. a struck-through
  element on a VND page or ``priceCurrency: VND``). Even then ``1.299`` reads 1 299.
* Magnitudes. ``299K`` = 299 000; ``1,5 triệu`` = ``1.5tr`` = ``1tr5`` = 1 500 000 (digits
  after a magnitude with none of their own are its decimals: ``1tr250`` = 1 250 000);
  ``2 triệu 500 nghìn`` = 2 500 000. With a magnitude, a single separator followed by
  exactly three digits still groups thousands: ``1.500 triệu`` = 1 500 000 000.
* ``Liên hệ`` / ``Call`` (ask for a price) is None; ``0đ`` is a real zero (gifts).
* A leading minus makes an amount off, not a price: ``-500.000đ`` is None.
* Two different amounts in one text (a range, two prices) are None for ``parse_price``.

Foreign amounts (``$56.20``, ``¥1,800``, ``£9.56``) are read with price-parser and keep
their currency; they are never converted.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from price_parser import Price

from detectors.lexicons import NON_DISCOUNT_PERCENT_WORDS, UP_TO_WORDS, compile_terms

VND = "VND"

_MAGNITUDES = {
    "k": Decimal(1_000), "nghìn": Decimal(1_000), "ngàn": Decimal(1_000), "nghin": Decimal(1_000),
    "ngan": Decimal(1_000), "tr": Decimal(1_000_000), "triệu": Decimal(1_000_000),
    "trieu": Decimal(1_000_000), "tỷ": Decimal(1_000_000_000), "tỉ": Decimal(1_000_000_000),
}
_MAG = "tỷ|tỉ|triệu|trieu|tr|nghìn|ngàn|nghin|ngan|k"
# Digits after a magnitude belong to it: attached to an abbreviation ("1tr5", "3tỷ9"), or
# after a space only for a full word ("2 triệu 500", "1 triệu 2"); "4K 65 Inch" is no price.
_MAG_TAIL = r"(?:(?:tỷ|tỉ|tr|k)(?:\d+)?|(?:triệu|trieu|nghìn|ngàn|nghin|ngan)(?:\s?\d+)?)(?![.,]?\d)"
# "d"/"dong" (no diacritics) only count after a grouped number, see _vnd_amount.
_VND_AFTER = "₫|vnđ|vnd|đồng|dong|đ|d"
_VND_RE = re.compile(
    rf"""(?<![\w.,])
    (?:(?P<pre>₫|vnđ|vnd)\s?)?
    (?P<num>\d+(?:[.,]\d+)*)
    (?P<mags>(?:\s?{_MAG_TAIL})*)
    (?:\s?(?P<cur>{_VND_AFTER}))?
    (?![\w%°])""",
    re.IGNORECASE | re.VERBOSE,
)
_MAG_PART = re.compile(rf"\s?({_MAG})(?:\s?(\d+))?", re.IGNORECASE)

_FOREIGN_SYMBOLS = {
    "us$": "USD", "usd": "USD", "$": "USD", "€": "EUR", "eur": "EUR", "£": "GBP", "gbp": "GBP",
    "円": "JPY", "jpy": "JPY", "元": "CNY", "cny": "CNY", "rmb": "CNY", "s$": "SGD", "sgd": "SGD",
    "฿": "THB", "thb": "THB", "₩": "KRW", "krw": "KRW",
    "¥": "¥",  # yen or yuan: kept as written rather than guessed
}
_FOREIGN_CODES = "|".join(
    re.escape(s) for s in sorted(_FOREIGN_SYMBOLS, key=len, reverse=True) if s[0].isalpha()
)
_FOREIGN_SIGNS = "|".join(re.escape(s) for s in _FOREIGN_SYMBOLS if not s[0].isalpha())
_FOREIGN_RE = re.compile(
    # a sign may follow a word ("Sale price¥1,500"); a code may not ("BUSD")
    rf"(?:(?P<pre>(?<![^\W\d_])(?:{_FOREIGN_CODES})|{_FOREIGN_SIGNS})\s?(?P<num>\d+(?:[.,]\d+)*)"
    rf"|(?<![\w.,])(?P<num2>\d+(?:[.,]\d+)*)\s?(?P<post>{_FOREIGN_CODES}|{_FOREIGN_SIGNS}))(?![\w%])",
    re.IGNORECASE,
)
# Cheap pre-check (case-sensitive on purpose: IGNORECASE makes it ten times slower, and it
# runs on every text with a digit): a sign or magnitude word right after a digit, or a symbol.
_MONEY_HINT = re.compile(
    "\\d[ \u00a0]?(?:[đĐdDkK₫]|[tT][rRỷỉỶỈ]|[nN][gG][hH]?[ìiàaÌIÀA])|[₫$€£¥円元₩฿]|[vV][nN][dDđĐ]"
    "|USD|EUR|GBP|JPY|CNY|RMB|SGD|THB|KRW|&#"
)
_FOREIGN_HINT = re.compile(r"[$€£¥円元₩฿]|[A-Za-z]{3}")
_GROUPED = re.compile(r"\d[.,]\d{3}(?!\d)")
_PERCENT_RE = re.compile(r"(?P<sign>[-−–+])?\s?(?P<num>\d{1,3}(?:[.,]\d{1,2})?)\s?%")
_MACHINE_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_NON_DISCOUNT = compile_terms(NON_DISCOUNT_PERCENT_WORDS)
_UP_TO = compile_terms(UP_TO_WORDS)
_ONE = Decimal(1)


@dataclass(frozen=True)
class MoneyMatch:
    """One amount found in a text, with where it was and what marked it as money."""

    start: int
    end: int
    text: str
    amount: Decimal | None  # None: looks like money but cannot be read with confidence
    currency: str | None  # "VND", an ISO code, "¥", or None for a bare number
    explicit_currency: bool  # ₫/đ/VND/$... written next to it (a magnitude word alone is not)
    negative: bool  # written with a leading minus: an amount off


@dataclass(frozen=True)
class Percent:
    value: Decimal
    up_to: bool  # "giảm đến 70%", "up to 70%": a ceiling, not a statement about one item
    text: str


def parse_price(text: str, *, assume_vnd: bool = False) -> Decimal | None:
    """The one VND price written in ``text`` (labels around it allowed), else None."""
    matches = [m for m in find_money(text, assume_vnd=assume_vnd) if m.currency in (VND, None)]
    amounts = {m.amount for m in matches}
    if len(amounts) != 1 or matches[0].negative:
        return None
    only = matches[0]
    if only.currency is None and not assume_vnd:
        return None
    return only.amount


def read_money(text: str, *, assume_vnd: bool = False) -> MoneyMatch | None:
    """The one amount in ``text`` in any currency, or None if there are none or several."""
    matches = [m for m in find_money(text, assume_vnd=assume_vnd) if m.currency is not None]
    if len({(m.amount, m.currency) for m in matches}) != 1 or matches[0].amount is None:
        return None
    return matches[0]


def may_hold_money(text: str) -> bool:
    """Cheap pre-check: a currency sign, a magnitude word or a grouped amount is present."""
    return bool(_MONEY_HINT.search(text) or _GROUPED.search(text))


def find_money(text: str, *, assume_vnd: bool = False) -> list[MoneyMatch]:
    """Every amount in ``text`` in order; bare numbers only when ``assume_vnd``."""
    if not assume_vnd and not _MONEY_HINT.search(text):
        return []  # the common case on a page: numbers that are not money
    text = _clean(text)
    found = [m for m in (_vnd_match(x, text, assume_vnd) for x in _VND_RE.finditer(text)) if m]
    taken = [(m.start, m.end) for m in found]
    foreign = _FOREIGN_RE.finditer(text) if _FOREIGN_HINT.search(text) else ()
    for x in foreign:
        if not any(s < x.end() and x.start() < e for s, e in taken):
            found.append(_foreign_match(x, text))
    found = [m for m in found if m.currency is not None or assume_vnd]
    return sorted(found, key=lambda m: m.start)


def parse_amount(value: object, currency: str | None = None) -> Decimal | None:
    """A machine-written amount (JSON-LD ``price``, microdata, ``product:price:amount``).

    ``"1299000"``, ``"1299000.00"``, ``1299000`` and ``1.299e6`` read as they are. In VND a
    non-zero fraction is None (``"1.299"`` could be 1 299 or a typo; the đồng has no cents),
    and grouped human text (``"1.299.000"``) is read with the VND rules.
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float, Decimal)):
        amount = _to_decimal(str(value))
    elif isinstance(value, str):
        text = _clean(value)
        if _MACHINE_NUMBER.fullmatch(text):
            amount = _to_decimal(text)
        elif currency in (None, VND):
            return parse_price(text, assume_vnd=True)
        else:
            amount = Price.fromstring(text).amount
    else:
        return None
    if amount is None or amount < 0:
        return None
    return _whole_dong(amount) if currency in (None, VND) else amount


def parse_percent(text: str) -> Percent | None:
    """The one discount percentage in ``text``: ``-45%``, ``Giảm 45%``, ``giảm đến 70%``.

    None when there is no percentage, several different ones, a ``+`` sign, a value over
    100, or words saying it is not a discount (``Trả góp 0%``, ``VAT 10%``, ``Đặt cọc 30%``).
    """
    text = _clean(text)
    matches = list(_PERCENT_RE.finditer(text))
    values = {m.group("num").replace(",", ".") for m in matches}
    if len(values) != 1 or any(m.group("sign") == "+" for m in matches):
        return None
    if _NON_DISCOUNT.search(text):
        return None
    value = _to_decimal(values.pop())
    if value is None or value > 100:
        return None
    return Percent(value=value, up_to=bool(_UP_TO.search(text)), text=text)


def _clean(text: str) -> str:
    if "&" in text:
        text = html.unescape(text)
    return " ".join(text.replace("\u00a0", " ").split())


def _vnd_match(x: re.Match[str], text: str, assume_vnd: bool) -> MoneyMatch | None:
    num, mags = x.group("num"), x.group("mags").strip()
    marker = (x.group("pre") or x.group("cur") or "").lower()
    if marker in ("d", "dong") and not re.search(r"[.,]\d{3}", num):
        marker = ""  # "2d", "5 dong": not money without a grouped amount
        if x.group("cur") and not mags:
            return None
    explicit = bool(marker)
    currency = VND if explicit or mags else None
    if currency is None and not assume_vnd:
        return None
    amount = _vnd_amount(num, mags)
    return MoneyMatch(
        start=x.start(), end=x.end(), text=x.group(0), amount=amount, currency=currency,
        explicit_currency=explicit, negative=_has_minus_before(text, x.start()),
    )


def _vnd_amount(num: str, mags: str) -> Decimal | None:
    if not mags:
        base = _grouped_integer(num)
        return None if base is None else _whole_dong(base)
    base = _magnitude_number(num)
    parts = _MAG_PART.findall(mags)
    if base is None or not parts:
        return None
    total = Decimal(0)
    for index, (word, trailing) in enumerate(parts):
        scale = _MAGNITUDES.get(word.lower())
        if scale is None:
            # IGNORECASE also matches look-alike letters ("trıệu" with a dotless i): not a price we can read.
            return None
        total += base * scale
        if not trailing:
            base = Decimal(0)
        elif index + 1 < len(parts):
            base = Decimal(trailing)  # "2 triệu 500 nghìn": 500 belongs to the next magnitude
        else:
            total += Decimal(trailing) / Decimal(10) ** len(trailing) * scale  # "1tr5"
            base = Decimal(0)
    return _whole_dong(total)


def _grouped_integer(num: str) -> Decimal | None:
    """``1.299.000`` / ``1,299,000`` / ``1299000`` / ``1.299.000,00``; else None."""
    seps = [c for c in num if c in ".,"]
    if not seps:
        return Decimal(num)
    groups = re.split(r"[.,]", num)
    if len(set(seps)) == 2:
        if seps[-1] in seps[:-1] or set(groups[-1]) != {"0"} or len(groups[-1]) > 2:
            return None  # mixed separators only as "1.299.000,00"
        groups, seps = groups[:-1], seps[:-1]
    if len(seps) == 1 and len(groups[-1]) in (1, 2) and len(groups[0]) > 3:
        return _zero_fraction(groups)  # machine-style "1299000.00"
    if not 1 <= len(groups[0]) <= 3 or any(len(g) != 3 for g in groups[1:]):
        return None
    return Decimal("".join(groups))


def _zero_fraction(groups: list[str]) -> Decimal | None:
    return Decimal(groups[0]) if set(groups[1]) == {"0"} else None


def _magnitude_number(num: str) -> Decimal | None:
    """The number before ``triệu``/``k``: ``1,5`` and ``1.5`` are decimals, ``1.500`` groups."""
    seps = [c for c in num if c in ".,"]
    if len(seps) == 1 and len(num.split(seps[0])[1]) != 3:
        return _to_decimal(num.replace(",", "."))
    return _grouped_integer(num)


def _whole_dong(amount: Decimal) -> Decimal | None:
    if amount != amount.to_integral_value():
        return None
    return amount.quantize(_ONE)


def _foreign_match(x: re.Match[str], text: str) -> MoneyMatch:
    symbol = (x.group("pre") or x.group("post")).lower()
    return MoneyMatch(
        start=x.start(), end=x.end(), text=x.group(0), amount=Price.fromstring(x.group(0)).amount,
        currency=_FOREIGN_SYMBOLS[symbol], explicit_currency=True,
        negative=_has_minus_before(text, x.start()),
    )


def _has_minus_before(text: str, start: int) -> bool:
    """``-500.000đ`` yes; the second half of a range ``100.000đ - 200.000đ`` no."""
    before = text[:start].rstrip()
    if not before.endswith(("-", "−", "–")):
        return False
    previous = before[:-1].rstrip()[-1:]
    return not previous or not (previous.isalnum() or previous in "₫$€£¥")


def _to_decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None
