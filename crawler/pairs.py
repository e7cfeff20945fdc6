"""``NAME=VALUE`` lists in settings: ``"a.vn=127.0.0.1,b.vn=127.0.0.1"`` (commas or semicolons)."""

from __future__ import annotations


def split_pairs(value: str, entry_label: str, shape: str, error: type[ValueError]) -> list[tuple[str, str]]:
    """The (name, value) pairs of ``value``; an entry without ``=`` raises ``error``:
    ``"<entry_label> 'x' is not <shape>"``."""
    pairs = []
    for item in value.replace(";", ",").split(","):
        if not item.strip():
            continue
        name, sep, setting = item.partition("=")
        if not sep:
            raise error(f"{entry_label} {item.strip()!r} is not {shape}")
        pairs.append((name, setting))
    return pairs
