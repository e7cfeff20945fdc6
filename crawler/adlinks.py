"""The ads spider's input: ad or affiliate links from ad libraries, one a row.

CSV with the columns ``ad_id, source, url, first_seen`` (any order, more columns ignored):
``ad_id`` names the ad in findings and must be unique, ``url`` is the click URL (http or https),
``source`` says where the ad was seen (``facebook_ad_library`` ...), ``first_seen`` is a date
(``YYYY-MM-DD``) or an ISO date-time, and may be empty. Every error names the file and line.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from .seeds import SeedError, check_url, read_user_file

COLUMNS = ("ad_id", "source", "url", "first_seen")
AD_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,127}$")  # fits Finding.ad_id (128)


class AdLinksError(SeedError):
    """A mistake in an ad links file or argument; the message names the file and line."""


@dataclass(frozen=True)
class AdLink:
    ad_id: str
    source: str
    url: str
    first_seen: date | None
    file: str
    line: int


@dataclass(frozen=True)
class AdArguments:
    links: tuple[AdLink, ...]
    files: tuple[str, ...]

    @classmethod
    def parse(cls, links: str = "", seeds: str = "", urls: str | list[str] = "") -> AdArguments:
        if urls:
            raise AdLinksError("the ads spider takes a CSV of ad links (ad_id, source, url, first_seen): "
                               "give --seeds FILE or -a links=FILE, not --url")
        files = tuple(dict.fromkeys(f for f in (links, seeds) if f))
        if not files:
            raise AdLinksError("no ad links: give --seeds FILE or -a links=FILE "
                               "(CSV with ad_id, source, url, first_seen)")
        collected: list[AdLink] = []
        for name in files:
            collected.extend(read_ad_links(Path(name)))
        _check_unique(collected)
        return cls(links=tuple(collected), files=files)

    def as_dict(self) -> dict[str, object]:
        return {"links": list(self.files), "ads": len(self.links),
                "sources": dict(Counter(link.source for link in self.links))}


def read_ad_links(path: Path) -> list[AdLink]:
    text = read_user_file(path, "ad links", AdLinksError)
    reader = csv.DictReader(io.StringIO(text))
    names = {(name or "").strip().lower(): name for name in reader.fieldnames or []}
    missing = [column for column in COLUMNS if column not in names]
    if missing:
        raise AdLinksError(f"ad links {path} line 1: missing column(s) {', '.join(missing)} "
                           f"(expected {', '.join(COLUMNS)})")
    links = []
    for row in reader:
        values = {column: (row.get(names[column]) or "").strip() for column in COLUMNS}
        if not any(values.values()):
            continue
        links.append(_link(values, str(path), reader.line_num))
    if not links:
        raise AdLinksError(f"ad links: {path} has no rows")
    return links


def _link(values: dict[str, str], file: str, line: int) -> AdLink:
    where = f"ad links {file} line {line}"
    ad_id = values["ad_id"]
    if not AD_ID.match(ad_id):
        raise AdLinksError(f"{where}: ad_id {ad_id!r} must be 1-128 letters, digits, '_', '.', ':' or '-'")
    try:
        url = check_url(values["url"], f"{where}, url")
    except SeedError as exc:
        raise AdLinksError(str(exc)) from None
    return AdLink(ad_id=ad_id, source=values["source"], url=url,
                  first_seen=_first_seen(values["first_seen"], where), file=file, line=line)


def _first_seen(value: str, where: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value).date()
    except ValueError:
        raise AdLinksError(f"{where}: first_seen {value!r} is not a date (YYYY-MM-DD)") from None


def _check_unique(links: list[AdLink]) -> None:
    seen: dict[str, AdLink] = {}
    for link in links:
        earlier = seen.setdefault(link.ad_id, link)
        if earlier is not link:
            first = f"line {earlier.line}" if earlier.file == link.file else f"{earlier.file} line {earlier.line}"
            raise AdLinksError(f"ad links {link.file} line {link.line}: ad_id {link.ad_id} is already on {first}")
