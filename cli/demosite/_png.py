"""Tiny solid-colour PNGs, so demo pages never 404 on their images.

Generated instead of committed: a crawler or a browser only needs a valid
image, and a few bytes of code are easier to review than binary files.
"""

from __future__ import annotations

import functools
import hashlib
import struct
import zlib

# The portal's two badge images must be told apart by a human looking at a
# screenshot: blue for "Đã thông báo", red for "Đã đăng ký" (legal-rules §5.1).
_NAMED_COLOURS: tuple[tuple[str, tuple[int, int, int]], ...] = (
    ("logoccdv", (204, 32, 39)),
    ("salenoti", (0, 84, 166)),
    ("bct", (0, 84, 166)),
)


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


@functools.lru_cache(maxsize=64)
def solid_png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """An 8-bit RGB PNG of one colour."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    row = b"\x00" + bytes(rgb) * width  # filter byte "None", then the pixels
    pixels = zlib.compress(row * height)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", pixels) + _chunk(b"IEND", b"")


def png_for_path(path: str) -> bytes:
    """A stable image for any image path: badge colours by name, else a colour from the path."""
    lowered = path.lower()
    for needle, colour in _NAMED_COLOURS:
        if needle in lowered:
            return solid_png(4, 4, colour)
    digest = hashlib.sha256(path.encode("utf-8")).digest()
    return solid_png(4, 4, (digest[0], digest[1], digest[2]))
