"""Encoding faults of real pages: repaired where that can be done with confidence, and said so."""

from __future__ import annotations

import unicodedata

import pytest

from detectors import detect, parse_page
from detectors.page.encoding import decode_document

from bench.golden import FIXTURES_DIR, load_case

TEXT = "<p>Giá gốc: <del>1.290.000₫</del> Giá bán: 490.000₫ — “Đặt hàng” ưu đãi, sản phẩm chính hãng</p>"


def browser_view(text: str, codec: str) -> str:
    """UTF-8 bytes shown as ``codec`` by a browser (bytes the codec leaves undefined as ISO-8859-1)."""
    out = []
    for byte in text.encode("utf-8"):
        try:
            out.append(bytes([byte]).decode(codec))
        except UnicodeDecodeError:
            out.append(chr(byte))
    return "".join(out)


def test_clean_utf8_is_read_as_it_is_and_says_nothing() -> None:
    decoded = decode_document(('<meta charset="utf-8">' + TEXT).encode())
    assert TEXT in decoded.text and decoded.repair is None and decoded.encoding == "utf-8"


@pytest.mark.parametrize(
    ("prefix", "header"),
    [('<meta charset="windows-1252">', None), ('<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">', None),
     ("", "iso-8859-1"), ('<meta charset="windows-1258">', None)],
)
def test_utf8_declared_as_a_single_byte_charset_is_read_as_utf8(prefix: str, header: str | None) -> None:
    decoded = decode_document((prefix + TEXT).encode("utf-8"), header)
    assert TEXT in decoded.text and decoded.encoding == "utf-8"
    assert decoded.repair and "bytes are UTF-8" in decoded.repair


def test_a_real_windows_1252_page_stays_windows_1252() -> None:
    page = '<meta charset="windows-1252"><p>Café “crème” à 3,50 €</p>'
    decoded = decode_document(page.encode("cp1252"))
    assert "Café “crème” à 3,50 €" in decoded.text and decoded.repair is None


def test_windows_1252_pieces_in_utf8_are_converted() -> None:
    mixed = TEXT.encode("utf-8") + " Café “Demo” 1.000₫".encode("cp1252", errors="replace")
    decoded = decode_document(mixed)
    assert TEXT in decoded.text and "Café “Demo”" in decoded.text
    assert decoded.repair and "detwingle" in decoded.repair


def test_a_vietnamese_windows_1258_page_declared_utf8_is_read_as_windows_1258() -> None:
    text = "<p>Giá bán ưu đãi: 490.000₫, đặt hàng ngay - sản phẩm chính hãng, bảo hành tận nơi</p>"
    decoded = decode_document(b'<meta charset="utf-8">' + _cp1258(text))
    assert decoded.encoding == "cp1258" and decoded.repair and "windows-1258" in decoded.repair
    assert unicodedata.normalize("NFC", decoded.text).endswith(text)


def _cp1258(text: str) -> bytes:
    """windows-1258 writes ư, ơ, ă, â, ê, ô precomposed and the tone marks as combining characters."""
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            base, *marks = unicodedata.normalize("NFD", char)
            head = unicodedata.normalize("NFC", base + "".join(m for m in marks if m in "\u0302\u0306\u031b"))
            out += head.encode("cp1258") + "".join(m for m in marks if m not in "\u0302\u0306\u031b").encode("cp1258")
    return bytes(out)


@pytest.mark.parametrize("codec", ["cp1252", "cp1258"])
def test_double_encoded_runs_are_decoded_again(codec: str) -> None:
    shown = browser_view(TEXT, codec)
    decoded = decode_document("<p>Tiêu đề đúng</p>" + shown)
    assert decoded.text == "<p>Tiêu đề đúng</p>" + TEXT
    assert decoded.repair and "double-encoded" in decoded.repair


def test_correct_vietnamese_with_a_few_odd_characters_is_left_alone() -> None:
    text = "<p>Ông Ánh Ã¡ nói: «Giá ÂU Ĩ» – 2 lượt</p>"  # one lookalike pair is not a page of mojibake
    decoded = decode_document(text)
    assert decoded.text == text and decoded.repair is None


def test_amounts_whose_dong_sign_was_lost_read_as_dong_only_when_the_page_lost_its_letters() -> None:
    lost = "<p>Gi? g?c: <del>1.290.000?</del> Gi? b?n 490.000 ? - c?a h?ng ??t h?ng t?n n?i</p>"
    decoded = decode_document(lost.encode("ascii"))
    assert "<del>1.290.000₫</del>" in decoded.text and "490.000 ₫" in decoded.text
    assert decoded.repair and "'?' inside words" in decoded.repair
    with_urls = ('<a href="/a.php?id=1">x</a> <a href="/b.php?id=2">x</a> <a href="/c?q=1&p=2">x</a>'
                 '<a href="/d.asp?x=1">x</a> <a href="/e?y=2">x</a> <p>Bạn muốn mua với giá 1.290.000?</p>')
    assert decode_document(with_urls).text == with_urls  # query strings are not lost letters


@pytest.mark.parametrize(
    "case", ["encoding-utf8-declared-windows-1252", "encoding-double-encoded-text", "encoding-lost-dong-sign"]
)
def test_findings_on_a_repaired_page_carry_the_repair(case: str) -> None:
    golden = load_case(FIXTURES_DIR / case)
    page = parse_page(golden.html, golden.url)
    (finding,) = detect(page, golden.context())
    assert finding.evidence["encoding_repair"] == page.encoding_repair and page.encoding_repair
    assert finding.evidence["price"] == "490000" and finding.evidence["reference_price"] == "1290000"
