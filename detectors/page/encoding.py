"""Turning a page's bytes into text, and repairing the encodings pages get wrong.

The usual order decides (w3lib: byte-order mark, the HTTP header's charset, ``<meta charset>``,
then UTF-8), and then three faults seen on real Vietnamese pages are repaired when it can be done
with confidence; every repair is said in words (``Decoded.repair``), and findings carry it:

- *Mis-declared UTF-8*: the page says windows-1252 / ISO-8859-1 / windows-1258 but its bytes are
  valid UTF-8 with multi-byte characters (random single-byte text almost never is): read as UTF-8.
- *Mixed bytes*: UTF-8 with windows-1252 pieces pasted in (smart quotes, "é" from an old CMS):
  bs4's ``UnicodeDammit.detwingle``, then each byte still invalid read as windows-1252. A page with
  more invalid bytes than valid UTF-8 characters is not UTF-8 at all: read as windows-1258
  (Vietnamese) when that yields Vietnamese letters, else windows-1252.
- *Double encoding* (mojibake): UTF-8 read as windows-1252 or -1258 and saved again ("GiÃ¡ gá»‘c",
  "GiĂ¡"): runs of such characters are turned back into the bytes they were and decoded as UTF-8,
  only on a page showing several of them and only where the result is valid UTF-8.

A page that lost its characters outright (saved in a charset without them, so "₫" and Vietnamese
letters became "?") cannot be repaired; its amounts followed by "?" are read as đồng when the page
shows that loss in its words too (``Gi? g?c``), and the repair note says so.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from bs4 import UnicodeDammit
from w3lib.encoding import html_to_unicode

__all__ = ["Decoded", "decode_document", "repair_text"]

MIN_MOJIBAKE = 3  # double-encoded characters a page must show before any run is repaired
MIN_LOST = 5  # "?" inside words a page must show before "1.290.000?" is read as đồng
MAX_QUESTION_MARKS = 400  # "?" looked at for lost letters: a page that lost them shows them early
SAMPLE = 50_000  # characters looked at for double encoding: it shows all through a page that has it

_SINGLE_BYTE = frozenset({"cp1252", "windows-1252", "iso8859-1", "latin-1", "latin1", "iso-8859-1",
                          "cp1258", "windows-1258", "ascii", "us-ascii"})
# UTF-8 lead bytes of Latin/Vietnamese letters as windows-1252/-1258 show them, followed by a
# continuation byte shown the same way ("Ã¡" = "á", "á»‘" = "ố", "Ä‘" = "đ", "Æ°" = "ư", "Ă¡" = "á").
_MOJIBAKE = re.compile(
    "[\u00c2-\u00c6\u00e1\u0102\u00e2][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e"
    "\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)
# Cheap test first (counting is fast, the pattern is not): double-encoded Vietnamese shows "Ã" (UTF-8
# C3 xx: à á â ã è é ê ì í ò ó ô õ ù ú ý, as windows-1252), "á»"/"áº" (E1 BB/BA xx: letters with a
# tone mark, either codec), "Ä‘" (đ), "Æ°" (ư).
_MOJIBAKE_HINTS = ("Ã", "á»", "áº", "Ä‘", "Æ°")
_MOJIBAKE_HINT_BYTES = tuple(hint.encode("utf-8") for hint in _MOJIBAKE_HINTS)
# Letters only Vietnamese writes (ă đ ơ ư and the tone-marked letters of U+1EA0–U+1EF9): a page showing
# them did not lose its letters to "?". In UTF-8 the tone-marked ones start E1 BA / E1 BB.
_VIETNAMESE_LETTER = re.compile("[\u0102\u0103\u0110\u0111\u01a0\u01a1\u01af\u01b0\u1ea0-\u1ef9]")
_VIETNAMESE_LETTER_BYTES = (b"\xe1\xba", b"\xe1\xbb")
# A run of non-ASCII characters that windows-1252 or -1258 (or the ISO-8859-1 fallback for 0x80–0x9F)
# write as one byte each: a double-encoded character is such a run (UTF-8 puts no ASCII byte inside a
# character), while correct text, run by run, almost never decodes as UTF-8 ("á" alone is 0xE1).
_SINGLE_BYTE_RUN = re.compile(
    "[\u0080-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014"
    "\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122\u0102\u0103\u01a0\u01a1\u01af\u01b0"
    "\u0110\u0111\u20ab\u0300\u0301\u0303\u0309\u0323]+"
)
_VIETNAMESE_LETTERS = re.compile("[ăâđêôơưĂÂĐÊÔƠƯ\u0300\u0301\u0303\u0309\u0323]")
_URL_PUNCTUATION = re.compile(r"[=/.&%]")
_LOST_CURRENCY = re.compile(r"(?<=\d[.,]\d{3})(\s?)[?\ufffd](?![\w?])")


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # what the bytes were read as ("utf-8", "cp1252", "str" when given text)
    repair: str | None = None  # what was repaired, in words


def decode_document(html: str | bytes, declared: str | None = None) -> Decoded:
    """The text of a document (``declared``: the HTTP header's charset, if any), repaired."""
    if isinstance(html, str):
        decoded = Decoded(html, "str")
    else:
        decoded = _decode_bytes(html, declared)
    # The cheap tests below read the bytes when the text is their UTF-8 reading: counting bytes is
    # several times faster than counting non-ASCII characters in a str.
    raw = html if isinstance(html, bytes) and decoded.encoding == "utf-8" and not decoded.repair else None
    text, repairs = repair_text(decoded.text, raw)
    if decoded.repair:
        repairs.insert(0, decoded.repair)
    return Decoded(text, decoded.encoding, "; ".join(repairs) or None)


def repair_text(text: str, raw: bytes | None = None) -> tuple[str, list[str]]:
    """Double-encoded runs turned back, and amounts whose "₫" was lost read as đồng; ``raw``, when
    given, is ``text`` as UTF-8 bytes."""
    repairs: list[str] = []
    if raw is not None:
        hints = sum(raw.count(hint, 0, SAMPLE) for hint in _MOJIBAKE_HINT_BYTES)
    else:
        hints = sum(text.count(hint, 0, SAMPLE) for hint in _MOJIBAKE_HINTS)
    if hints >= MIN_MOJIBAKE and len(_MOJIBAKE.findall(text, 0, SAMPLE)) >= MIN_MOJIBAKE:
        text, count = _undo_double_encoding(text)
        if count:
            repairs.append(f"{count} runs of double-encoded text (UTF-8 shown as windows-1252/1258) decoded again")
    if not _has_vietnamese_letters(text, raw) and _lost_characters(text) >= MIN_LOST:
        text, count = _LOST_CURRENCY.subn(r"\1₫", text)
        if count:
            repairs.append(f"the page lost its non-Latin characters ('?' inside words): {count} amounts "
                           "followed by '?' read as đồng")
    return text, repairs


def _has_vietnamese_letters(text: str, raw: bytes | None) -> bool:
    if raw is not None:
        return any(lead in raw for lead in _VIETNAMESE_LETTER_BYTES)
    return _VIETNAMESE_LETTER.search(text) is not None


def _lost_characters(text: str) -> int:
    """How many "?" inside a word ("Gi?", "c?a") or U+FFFD the text shows, counting to ``MIN_LOST``."""
    count = min(text.count("\ufffd"), MIN_LOST)
    index, looked = text.find("?"), 0
    while index >= 0 and count < MIN_LOST and looked < MAX_QUESTION_MARKS:
        looked += 1
        if 0 < index < len(text) - 1 and text[index - 1].isalpha() and text[index + 1].isalpha():
            start = max(text.rfind(" ", 0, index), text.rfind(">", 0, index)) + 1
            end = min(x for x in (text.find(" ", index), text.find("<", index), len(text)) if x >= 0)
            if not _URL_PUNCTUATION.search(text, start, end):  # "index.php?id=3" is no lost letter
                count += 1
        index = text.find("?", index + 1)
    return count


def _decode_bytes(data: bytes, declared: str | None) -> Decoded:
    content_type = f"text/html; charset={declared}" if declared else None
    encoding, text = html_to_unicode(content_type, data, default_encoding="utf-8")
    encoding = codecs.lookup(encoding).name if _known(encoding) else encoding
    if data.isascii():
        return Decoded(text, encoding)
    if encoding != "utf-8":
        if _normal(encoding) in _SINGLE_BYTE and (utf8 := _strict_utf8(data)) is not None:
            return Decoded(utf8, "utf-8", f"declared {encoding}, but the bytes are UTF-8: read as UTF-8")
        return Decoded(text, encoding)
    if "\ufffd" not in text or _strict_utf8(data) is not None:
        return Decoded(text, encoding)
    return _mixed_or_single_byte(data)


def _mixed_or_single_byte(data: bytes) -> Decoded:
    """Bytes that are not all valid UTF-8 although UTF-8 was declared or assumed."""
    lenient = data.decode("utf-8", errors="replace")
    invalid = lenient.count("\ufffd")
    valid = sum(1 for char in lenient if char > "\x7f") - invalid  # multi-byte characters that decoded
    if valid < invalid:
        as_1258 = data.decode("cp1258", errors="replace")
        if len(_VIETNAMESE_LETTERS.findall(as_1258)) >= MIN_MOJIBAKE:
            return Decoded(as_1258, "cp1258", "declared or assumed UTF-8, but the bytes are not: read as windows-1258")
        return Decoded(data.decode("cp1252", errors="replace"), "cp1252",
                       "declared or assumed UTF-8, but the bytes are not: read as windows-1252")
    untwined = UnicodeDammit.detwingle(data)
    text = untwined.decode("utf-8", errors="ecwatch-cp1252")
    return Decoded(text, "utf-8", f"mixed UTF-8 and windows-1252 bytes ({invalid} invalid): the windows-1252 "
                   "pieces converted (detwingle)")


def _windows_1252_piece(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeDecodeError)
    piece = error.object[error.start : error.end]
    return bytes(piece).decode("cp1252", errors="replace"), error.end


codecs.register_error("ecwatch-cp1252", _windows_1252_piece)


def _undo_double_encoding(text: str) -> tuple[str, int]:
    count = 0

    def undo(run: re.Match[str]) -> str:
        nonlocal count
        chunk = run.group(0)
        if not _MOJIBAKE.search(chunk):
            return chunk
        for codec in ("cp1252", "cp1258"):
            raw = _as_bytes(chunk, codec)
            if raw is None:
                continue
            try:
                fixed = raw.decode("utf-8")
            except UnicodeDecodeError:
                continue
            count += 1
            return fixed
        return chunk

    return _SINGLE_BYTE_RUN.sub(undo, text), count


def _as_bytes(chunk: str, codec: str) -> bytes | None:
    """The bytes ``chunk`` was read from with ``codec`` (0x80–0x9F it leaves undefined read as
    ISO-8859-1, as browsers do)."""
    out = bytearray()
    for char in chunk:
        try:
            out += char.encode(codec)
        except UnicodeEncodeError:
            if ord(char) > 0xFF:
                return None
            out.append(ord(char))
    return bytes(out)


def _strict_utf8(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _known(encoding: str) -> bool:
    try:
        codecs.lookup(encoding)
    except LookupError:
        return False
    return True


def _normal(encoding: str) -> str:
    return encoding.lower().replace("_", "-")
