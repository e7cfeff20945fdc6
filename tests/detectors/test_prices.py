"""Price and percentage reading, against formats seen on Vietnamese shop pages.

Examples were written from the formats noted in the development corpus
(shared/corpus/real-pages/index.jsonl: Sapo, Haravan, WooCommerce, LadiPage, classifieds,
news) and from the rules documented in ``detectors.page.prices``. "Never guess" cases are
kept in their own table: each one is an ambiguity that must stay None.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from detectors.page.prices import find_money, parse_amount, parse_percent, parse_price, read_money

VND_PRICES = [
    # thousands separators, every currency marker
    ("1.299.000₫", 1_299_000),
    ("1,299,000 đ", 1_299_000),
    ("1.299.000 VNĐ", 1_299_000),
    ("1.299.000 VND", 1_299_000),
    ("1.299.000 vnđ", 1_299_000),
    ("1.299.000&#x20AB;", 1_299_000),  # entity, as in a raw attribute
    ("1.299.000&#8363;", 1_299_000),
    ("12.190.000 Đ", 12_190_000),  # upper-case Đ (Điện Máy Chợ Lớn)
    ("15.000.000đ", 15_000_000),
    ("250,000 VNĐ", 250_000),
    ("1.650.000 đồng", 1_650_000),
    ("299.000d", 299_000),  # typed without diacritics
    ("₫1.299.000", 1_299_000),
    ("VND 1.299.000", 1_299_000),
    ("2.349.000.000 Đ", 2_349_000_000),
    ("7.200.000.000 đ", 7_200_000_000),
    ("1.299₫", 1_299),  # one group of three digits after the dot: thousands
    ("500đ", 500),
    ("1299000đ", 1_299_000),
    ("1.299.000,00 đ", 1_299_000),  # zero decimals with the other separator
    ("1,299,000.00 VND", 1_299_000),
    ("2.190.000\u00a0₫", 2_190_000),  # WooCommerce puts a no-break space before the sign
    # magnitude words
    ("299K", 299_000),
    ("299k", 299_000),
    ("GIÁ 539K", 539_000),
    ("1,5 triệu", 1_500_000),
    ("1.5tr", 1_500_000),
    ("1tr5", 1_500_000),
    ("1tr250", 1_250_000),
    ("1 triệu 2", 1_200_000),
    ("2 triệu 500 nghìn", 2_500_000),
    ("2 triệu 500", 2_500_000),
    ("500 Ngàn", 500_000),
    ("1.500 triệu", 1_500_000_000),  # a dot followed by three digits still groups thousands
    ("Giá 6 Tỷ", 6_000_000_000),
    ("3tỷ9", 3_900_000_000),
    ("66,1 triệu đồng/lượng", 66_100_000),
    # labels and units around one amount
    ("Giá: 1.299.000₫", 1_299_000),
    ("Giá gốc: 1.000.000 đ", 1_000_000),
    ("Giá từ: 10.110.000₫", 10_110_000),
    ("20.000 VND / lít", 20_000),
    ("1.200.000đ/tháng", 1_200_000),
    # a real zero: free gifts
    ("0đ", 0),
    ("0 ₫", 0),
]

NEVER_GUESS = [
    "Liên hệ",  # ask for a price
    "Call",
    "Liên hệ: 0912345678",  # a phone number is not a price
    "1.299",  # no currency: 1 299 or 1.299?
    "1299000",  # no currency
    "890.00Đ/ HỘP",  # typo for 890.000 (corpus 019): đồng has no cents
    "12,5đ",
    "1.29.000đ",  # broken grouping
    "1.299.000,50 đ",  # non-zero decimals
    "100.000đ - 200.000đ",  # a range: two amounts
    "Giá gốc 750.000đ, giá bán 589.000đ",  # two prices
    "-500.000đ",  # an amount off, not a price
    "Tiết kiệm: -421.000 VNĐ",
    "50%",
    "Trả góp 0%",
    "Rượu 30°",
    "2d",
    "$56.20",  # not VND
    "",
]


@pytest.mark.parametrize(("text", "expected"), VND_PRICES)
def test_parse_price_reads_vietnamese_formats(text: str, expected: int) -> None:
    assert parse_price(text) == Decimal(expected)


@pytest.mark.parametrize("text", NEVER_GUESS)
def test_parse_price_never_guesses(text: str) -> None:
    assert parse_price(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.299", 1_299),  # a struck "590.000" on a VND page: the dot groups thousands
        ("590.000", 590_000),
        ("1299000", 1_299_000),
        ("1299000.00", 1_299_000),  # machine-written
        ("1.299.000", 1_299_000),
    ],
)
def test_parse_price_when_the_context_is_vnd(text: str, expected: int) -> None:
    assert parse_price(text, assume_vnd=True) == Decimal(expected)


@pytest.mark.parametrize("text", ["890.00", "12,5", "0856.833.855", "4K 65 Inch 2"])
def test_assumed_vnd_still_rejects_malformed_numbers(text: str) -> None:
    assert parse_price(text, assume_vnd=True) is None


def test_vnd_amounts_are_whole_dong() -> None:
    price = parse_price("1,5 triệu")
    assert price == Decimal(1_500_000)
    assert str(price) == "1500000"


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("$56.20", "56.20", "USD"),
        ("US$1,299.99", "1299.99", "USD"),
        ("£9.56", "9.56", "GBP"),
        ("9,56 £", "9.56", "GBP"),
        ("€1.234,56", "1234.56", "EUR"),
        ("1,500円", "1500", "JPY"),
        ("Sale price¥1,500", "1500", "¥"),  # yen or yuan: kept as written
        ("1.299.000₫", "1299000", "VND"),
    ],
)
def test_read_money_keeps_foreign_currencies(text: str, amount: str, currency: str) -> None:
    money = read_money(text)
    assert money is not None
    assert (money.amount, money.currency) == (Decimal(amount), currency)


def test_find_money_lists_every_amount_with_its_place() -> None:
    text = "Giá gốc: 750.000đ - Giá bán: 589.000đ"
    found = find_money(text)
    assert [m.amount for m in found] == [Decimal(750_000), Decimal(589_000)]
    assert [text[m.start : m.end] for m in found] == ["750.000đ", "589.000đ"]
    assert not any(m.negative for m in found)


def test_find_money_marks_amounts_off() -> None:
    (amount,) = find_money("Giảm -500.000đ")
    assert amount.negative is False  # "Giảm -": the minus follows a word
    (amount,) = find_money("(-500.000đ)")
    assert amount.negative is True


def test_magnitude_without_currency_sign_is_not_explicit() -> None:
    (match,) = find_money("4K")
    assert match.explicit_currency is False
    (match,) = find_money("299.000đ")
    assert match.explicit_currency is True


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        ("1299000", "VND", "1299000"),
        ("1299000.00", "VND", "1299000"),
        (1299000, "VND", "1299000"),
        (1299000.0, "VND", "1299000"),
        ("1.299.000", "VND", "1299000"),  # human format in JSON-LD
        ("1,299,000 VND", "VND", "1299000"),
        ("1299000", None, "1299000"),
        ("9.56", "GBP", "9.56"),
        ("12.50", "USD", "12.50"),
        ("1.299", "VND", None),  # 1 299 or a typo: the đồng has no decimals
        ("12.50", "VND", None),
        ("-1", None, None),
        (True, None, None),
        (None, "VND", None),
        ("abc", "VND", None),
        ({"price": 1}, "VND", None),
    ],
)
def test_parse_amount_reads_structured_data(value: object, currency: str | None, expected: str | None) -> None:
    result = parse_amount(value, currency)
    assert result == (Decimal(expected) if expected is not None else None)


@pytest.mark.parametrize(
    ("text", "value", "up_to"),
    [
        ("-45%", "45", False),
        ("Giảm 45%", "45", False),
        ("GIẢM GIÁ 22%", "22", False),
        ("(-64%)", "64", False),
        ("30% OFF", "30", False),
        ("Giảm 50.44%", "50.44", False),
        ("-50,5%", "50.5", False),
        ("giảm đến 70%", "70", True),
        ("Giảm tới 50%", "50", True),
        ("55% GIẢM GIÁ LÊN ĐẾN", "55", True),
        ("HOT SALE UP TO 55%", "55", True),
        ("Giảm tối đa 30%", "30", True),
    ],
)
def test_parse_percent(text: str, value: str, up_to: bool) -> None:
    percent = parse_percent(text)
    assert percent is not None
    assert (percent.value, percent.up_to) == (Decimal(value), up_to)


@pytest.mark.parametrize(
    "text",
    [
        "Trả góp 0%",  # instalments
        "Lãi suất 0%",
        "VAT 10%",
        "Đặt cọc: 55%",  # deposit (corpus 034)
        "Chiết khấu phí mua hàng: 30%",  # a fee, not the goods
        "Bồi thường 150% nếu hàng giả",  # compensation
        "Niacinamide 10% + Zinc 1%",  # a product name
        "Giảm 45% - 50%",
        "+20%",
        "Đã bán 80%",
        "giảm giá",
    ],
)
def test_parse_percent_rejects_what_is_not_a_discount(text: str) -> None:
    assert parse_percent(text) is None


@pytest.mark.parametrize("text", ["1,5 trıệu", "2 TRİỆU", "1,5 trıeu đ"])
def test_look_alike_letters_in_a_magnitude_word_are_no_price_and_no_crash(text: str) -> None:
    # Found by a fuzzing pass: regex IGNORECASE matches dotless/dotted i, the magnitude table does not.
    assert parse_price(text) is None
