"""Seed URLs from ``--url`` and ``--seeds FILE`` (one URL a line, or CSV with a ``url`` column)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit


class SeedError(ValueError):
    """A user mistake in the seeds: the message names the argument, file and line."""


@dataclass(frozen=True)
class SeedArguments:
    urls: tuple[str, ...]

    @classmethod
    def parse(cls, urls: str | list[str] = "", seeds: str = "") -> SeedArguments:
        given = urls.replace(",", "\n").split() if isinstance(urls, str) else list(urls)
        collected = [check_url(url, "--url") for url in given]
        if seeds:
            collected.extend(read_seed_file(Path(seeds)))
        if not collected:
            raise SeedError("no seeds: give --url URL (repeatable) or --seeds FILE")
        return cls(urls=tuple(dict.fromkeys(collected)))

    def as_dict(self) -> dict[str, object]:
        return {"urls": list(self.urls)}


def check_url(url: str, where: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SeedError(f"{where}: {url!r} is not an http(s) URL")
    return url


def read_seed_file(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise SeedError(f"--seeds: file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SeedError(f"--seeds: cannot read {path}: {exc}") from None
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise SeedError(f"--seeds: {path} has no URLs")
    if "url" in [c.strip().lower() for c in next(csv.reader([lines[0]]))]:
        return _read_csv(text, path)
    return [check_url(line, f"--seeds {path} line {n}") for n, line in _numbered(text)]


def _numbered(text: str) -> list[tuple[int, str]]:
    return [(n, line) for n, line in enumerate(text.splitlines(), 1)
            if line.strip() and not line.lstrip().startswith("#")]


def _read_csv(text: str, path: Path) -> list[str]:
    reader = csv.DictReader(io.StringIO(text))
    column = next(name for name in reader.fieldnames or [] if name.strip().lower() == "url")
    urls = []
    for row in reader:
        value = (row.get(column) or "").strip()
        if value:
            urls.append(check_url(value, f"--seeds {path} line {reader.line_num}"))
    if not urls:
        raise SeedError(f"--seeds: {path} has a url column but no URLs")
    return urls
