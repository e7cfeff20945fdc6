"""Seed URLs from ``--url`` and ``--seeds FILE`` (one URL a line, or CSV with a ``url`` column).

A CSV may also have a ``render`` column (``always`` | ``never`` | ``auto``, empty: the settings'
mode) for the seed's site; ``ECWATCH_RENDER_SITES`` wins over it (``crawler.rendermode``).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from .rendermode import RenderMode, RenderModeError, parse_render_mode, parse_render_sites


class SeedError(ValueError):
    """A user mistake in the seeds: the message names the argument, file and line."""


@dataclass(frozen=True)
class SeedArguments:
    urls: tuple[str, ...]
    render: tuple[tuple[str, RenderMode], ...] = ()  # (host, mode) from a seed CSV's render column

    @classmethod
    def parse(cls, urls: str | list[str] = "", seeds: str = "", render: str = "") -> SeedArguments:
        """``render``: ``host=mode,...`` (what a resumed run recorded of its seed file's modes)."""
        given = urls.replace(",", "\n").split() if isinstance(urls, str) else list(urls)
        collected = [check_url(url, "--url") for url in given]
        try:
            render_sites: dict[str, RenderMode] = dict(parse_render_sites(render, "render")) if render else {}
        except RenderModeError as exc:
            raise SeedError(str(exc)) from None
        if seeds:
            rows = read_seed_rows(Path(seeds))
            collected.extend(url for url, _ in rows)
            render_sites.update(_render_modes(rows, seeds))
        if not collected:
            raise SeedError("no seeds: give --url URL (repeatable) or --seeds FILE")
        return cls(urls=tuple(dict.fromkeys(collected)), render=tuple(render_sites.items()))

    @property
    def render_sites(self) -> dict[str, RenderMode]:
        return dict(self.render)

    def as_dict(self) -> dict[str, object]:
        arguments: dict[str, object] = {"urls": list(self.urls)}
        if self.render:
            arguments["render"] = {host: mode.value for host, mode in self.render}
        return arguments


def check_url(url: str, where: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SeedError(f"{where}: {url!r} is not an http(s) URL")
    return url


def read_user_file(path: Path, label: str, error: type[ValueError]) -> str:
    """A user's UTF-8 text file (BOM allowed); a missing or unreadable file is ``error`` naming it."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise error(f"{label}: file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{label}: cannot read {path}: {exc}") from None


def read_seed_file(path: Path) -> list[str]:
    return [url for url, _ in read_seed_rows(path)]


def read_seed_rows(path: Path) -> list[tuple[str, tuple[int, RenderMode] | None]]:
    """``(url, (line, render mode) or None)`` for each seed of the file."""
    text = read_user_file(path, "--seeds", SeedError)
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise SeedError(f"--seeds: {path} has no URLs")
    if "url" in [c.strip().lower() for c in next(csv.reader([lines[0]]))]:
        return _read_csv(text, path)
    return [(check_url(line, f"--seeds {path} line {n}"), None) for n, line in _numbered(text)]


def _numbered(text: str) -> list[tuple[int, str]]:
    return [(n, line) for n, line in enumerate(text.splitlines(), 1)
            if line.strip() and not line.lstrip().startswith("#")]


def _read_csv(text: str, path: Path) -> list[tuple[str, tuple[int, RenderMode] | None]]:
    reader = csv.DictReader(io.StringIO(text))
    names = {name.strip().lower(): name for name in reader.fieldnames or []}
    rows: list[tuple[str, tuple[int, RenderMode] | None]] = []
    for row in reader:
        where = f"--seeds {path} line {reader.line_num}"
        value = (row.get(names["url"]) or "").strip()
        if not value:
            continue
        mode = (row.get(names["render"]) or "").strip() if "render" in names else ""
        try:
            render = (reader.line_num, parse_render_mode(mode, f"{where}, render")) if mode else None
        except RenderModeError as exc:
            raise SeedError(str(exc)) from None
        rows.append((check_url(value, where), render))
    if not rows:
        raise SeedError(f"--seeds: {path} has a url column but no URLs")
    return rows


def _render_modes(rows: list[tuple[str, tuple[int, RenderMode] | None]], path: str) -> dict[str, RenderMode]:
    """One mode per host; two rows of a host that disagree are a mistake worth naming."""
    modes: dict[str, tuple[int, RenderMode]] = {}
    for url, render in rows:
        if render is None:
            continue
        host = (urlsplit(url).hostname or "").removeprefix("www.")
        earlier = modes.setdefault(host, render)
        if earlier[1] is not render[1]:
            raise SeedError(f"--seeds {path} line {render[0]}: render {render[1].value!r} for {host} "
                            f"contradicts {earlier[1].value!r} on line {earlier[0]}")
    return {host: mode for host, (_, mode) in modes.items()}
