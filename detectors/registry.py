"""Registry records: an in-memory registry and the investigators' CSV export.

CSV columns (header row required, any order): ``domain,record_id,kind,status`` and optionally
``company``, ``url``. ``kind`` is ``notified`` | ``registered``; ``status`` is ``active`` |
``revoked`` | ``pending``. ``record_id`` may be the number or a portal record URL. Domains are
normalised to their registrable domain so ``https://www.shop.example.vn/`` matches ``example.vn``.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import replace
from typing import Iterable, Iterator, Sequence

from detectors.portal import parse_portal_link
from detectors.types import RegistryRecord

from detectors.domains import registrable_domain

__all__ = ["InMemoryRegistry", "KINDS", "RegistryFileError", "STATUSES", "normalise_record", "read_registry_csv"]

KINDS = ("notified", "registered")
STATUSES = ("active", "revoked", "pending")
REQUIRED_COLUMNS = ("domain", "record_id", "kind", "status")
OPTIONAL_COLUMNS = ("company", "url")


class RegistryFileError(ValueError):
    """A registry CSV cannot be read; the message names the line and the column."""

    def __init__(self, message: str, *, line: int | None = None, column: str | None = None) -> None:
        where = []
        if line is not None:
            where.append(f"line {line}")
        if column is not None:
            where.append(f"column '{column}'")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)
        self.line = line
        self.column = column


class InMemoryRegistry:
    """Implements ``types.Registry`` over a list of records."""

    def __init__(self, records: Iterable[RegistryRecord] = ()) -> None:
        self._records = [normalise_record(r) for r in records]
        self._by_id: dict[str, list[RegistryRecord]] = defaultdict(list)
        self._by_domain: dict[str, list[RegistryRecord]] = defaultdict(list)
        for record in self._records:
            self._by_id[record.record_id].append(record)
            self._by_domain[record.domain].append(record)

    def by_record_id(self, record_id: str) -> Sequence[RegistryRecord]:
        return tuple(self._by_id.get(_record_id(record_id), ()))

    def by_domain(self, domain: str) -> Sequence[RegistryRecord]:
        return tuple(self._by_domain.get(registrable_domain(domain), ()))

    def with_records(self, records: Iterable[RegistryRecord]) -> InMemoryRegistry:
        """A new registry with ``records`` added; one for the same (record id, domain) replaces the old
        (a record fetched from the portal is fresher than a CSV row)."""
        added = [normalise_record(r) for r in records]
        replaced = {(r.record_id, r.domain) for r in added}
        kept = [r for r in self._records if (r.record_id, r.domain) not in replaced]
        return InMemoryRegistry([*kept, *added])

    def __len__(self) -> int:
        return len(self._records)

    def __iter__(self) -> Iterator[RegistryRecord]:
        return iter(self._records)


def normalise_record(record: RegistryRecord) -> RegistryRecord:
    """Registrable domain, bare record id, lower-case kind/status."""
    return replace(
        record,
        record_id=_record_id(record.record_id),
        domain=registrable_domain(record.domain),
        kind=record.kind.strip().lower(),
        status=record.status.strip().lower(),
    )


def read_registry_csv(text: str) -> list[RegistryRecord]:
    """Parse an investigators' registry export; raise ``RegistryFileError`` on the first bad row."""
    text = text.lstrip("\ufeff")  # spreadsheets export UTF-8 with a BOM
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise RegistryFileError("empty file: expected a header row", line=1) from None
    columns = [c.strip().lower() for c in header]
    for name in REQUIRED_COLUMNS:
        if name not in columns:
            raise RegistryFileError(f"missing required column (have: {', '.join(columns)})", line=1, column=name)
    unknown = [c for c in columns if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        raise RegistryFileError("unknown column", line=1, column=unknown[0])
    records = []
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(columns):
            raise RegistryFileError(f"expected {len(columns)} fields, found {len(row)}", line=line)
        records.append(_row_record(dict(zip(columns, (c.strip() for c in row))), line))
    return records


def _row_record(row: dict[str, str], line: int) -> RegistryRecord:
    domain = registrable_domain(row["domain"]) if row["domain"] else ""
    if not domain or "." not in domain and domain != "localhost":
        raise RegistryFileError(f"not a domain: {row['domain']!r}", line=line, column="domain")
    record_id = _record_id(row["record_id"])
    if not record_id.isdigit():
        raise RegistryFileError(
            f"expected a number or a portal record URL, got {row['record_id']!r}", line=line, column="record_id"
        )
    kind, status = row["kind"].lower(), row["status"].lower()
    if kind not in KINDS:
        raise RegistryFileError(f"expected {'|'.join(KINDS)}, got {row['kind']!r}", line=line, column="kind")
    if status not in STATUSES:
        raise RegistryFileError(f"expected {'|'.join(STATUSES)}, got {row['status']!r}", line=line, column="status")
    return RegistryRecord(
        record_id=record_id, domain=domain, kind=kind, status=status,
        company=row.get("company") or None, source="csv", url=row.get("url") or None,
    )


def _record_id(value: str) -> str:
    value = str(value).strip()
    link = parse_portal_link(value) if "/" in value else None
    return link.record_id if link else value
