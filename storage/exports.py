"""Findings as rows for investigators: CSV that Excel opens correctly, or JSONL for scripts.

Rows are streamed from ``iter_findings`` straight to the output file, so memory does not grow
with the number of findings. Every export is written to a temporary file beside the target and
renamed into place only when complete: a failed export never leaves a half-written file.

The review app calls ``export_findings`` (and ``bundles.export_bundle``) with its current
``FindingFilter``; the CLI does the same with the filter built from its options.
"""

from __future__ import annotations

import csv
import json
import os
import secrets
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from pathlib import Path
from typing import IO, Any, Callable, Iterator, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from .models import Artifact, Finding
from .repository import FindingFilter, iter_findings

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
ARTIFACT_KINDS = ("html", "dom", "screenshot", "warc")
# The first columns keep their order (scripts read them by position); new ones are only ever appended.
COLUMNS = (
    "finding_id", "rule", "title", "legal_basis", "severity", "site", "url", "observed_at_utc",
    "observed_at_local", "message", "evidence", "status", "reviewer", "note",
    *(f"{kind}_{field}" for kind in ARTIFACT_KINDS for field in ("path", "sha256")),
    "title_vi", "uncertain", "ad_id", "first_seen", "last_seen", "state", "decision", "ad_redirect_chain",
)
FORMATS = ("csv", "jsonl")
# OWASP "CSV Injection": a cell starting with one of these is a formula (or DDE) to spreadsheets.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

ArtifactPath = Callable[[Artifact], str]
RowCallback = Callable[[int], None]


class ExportError(Exception):
    """Base of the export problems a user can fix; the message is one line."""


class OutputError(ExportError):
    """The output file cannot be written (missing directory, no permission, a directory)."""


class UnknownFindingsError(ExportError):
    """Some of the finding ids asked for do not exist (or the other filters exclude them)."""

    def __init__(self, ids: list[int]) -> None:
        self.ids = ids
        super().__init__(f"no finding with id {', '.join(map(str, ids))}")


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: int


# --- values -------------------------------------------------------------------------------


def parse_since(text: str) -> datetime:
    """``YYYY-MM-DD`` as the start of that day in Asia/Ho_Chi_Minh, returned in UTC."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a date in the form YYYY-MM-DD") from None
    return datetime.combine(day, time(0), tzinfo=VIETNAM).astimezone(timezone.utc)


def neutralise(value: str) -> str:
    """Make a cell inert in spreadsheets by prefixing ``'`` when it could start a formula.

    Leading spaces are skipped before the test because some spreadsheet imports trim them.
    """
    return "'" + value if value.lstrip(" ").startswith(FORMULA_TRIGGERS) else value


def utc_iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def local_iso(moment: datetime) -> str:
    return moment.astimezone(VIETNAM).isoformat(timespec="seconds")


def compact_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True, default=str)


def data_dir_paths(data_dir: Path) -> ArtifactPath:
    """Artifact paths as absolute files in the data dir (``export findings``)."""
    root = str(Path(data_dir).resolve())
    # os.path.join, not pathlib: it runs four times per row and pathlib was a sixth of the export time.
    return lambda artifact: os.path.join(root, artifact.path)


def finding_row(finding: Finding, artifact_path: ArtifactPath) -> dict[str, Any]:
    """One finding as a row keyed by ``COLUMNS``; ``None`` where there is no value."""
    row: dict[str, Any] = {
        "finding_id": finding.id,
        "rule": finding.rule,
        "title": finding.title,
        "legal_basis": finding.legal_basis,
        "severity": finding.severity,
        "site": finding.site.domain,
        "url": finding.url,
        "observed_at_utc": utc_iso(finding.observed_at),
        "observed_at_local": local_iso(finding.observed_at),
        "message": finding.message,
        "evidence": finding.evidence,
        "status": finding.status,
        "reviewer": finding.decided_by,
        "note": finding.decision_note,
    }
    snapshot = finding.snapshot
    by_kind = {artifact.kind: artifact for artifact in snapshot.artifacts} if snapshot is not None else {}
    for kind in ARTIFACT_KINDS:
        artifact = by_kind.get(kind)
        row[f"{kind}_path"] = artifact_path(artifact) if artifact else None
        row[f"{kind}_sha256"] = artifact.sha256 if artifact else None
    row.update({
        "title_vi": finding.title_vi or None,
        "uncertain": finding.uncertain,
        "ad_id": finding.ad_id,
        "first_seen": local_iso(finding.first_seen_at),
        "last_seen": local_iso(finding.last_seen_at),
        "state": finding.state,
        "decision": finding.decision,
        # The hops the ad went through to the page of the reference sighting (that snapshot's own chain).
        "ad_redirect_chain": (snapshot.redirect_chain or None) if finding.ad_id and snapshot is not None else None,
    })
    return row


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return neutralise(compact_json(value))
    return neutralise(str(value))


# --- writers ------------------------------------------------------------------------------


class RowWriter(Protocol):
    def write(self, row: dict[str, Any]) -> None: ...


class CsvRowWriter:
    """RFC 4180 with CRLF; the handle must be opened with ``encoding="utf-8-sig", newline=""``."""

    def __init__(self, handle: IO[str]) -> None:
        self._writer = csv.writer(handle, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
        self._writer.writerow(COLUMNS)

    def write(self, row: dict[str, Any]) -> None:
        self._writer.writerow([csv_cell(row[column]) for column in COLUMNS])


class JsonlRowWriter:
    """One JSON object a line, values as stored: no formula neutralising, evidence as an object."""

    def __init__(self, handle: IO[str]) -> None:
        self._handle = handle

    def write(self, row: dict[str, Any]) -> None:
        self._handle.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")


def open_text(path: Path, fmt: str) -> IO[str]:
    # The BOM is what makes Excel read the file as UTF-8 rather than the ANSI code page.
    encoding = "utf-8-sig" if fmt == "csv" else "utf-8"
    return open(path, "w", encoding=encoding, newline="")


def row_writer(fmt: str, handle: IO[str]) -> RowWriter:
    if fmt == "csv":
        return CsvRowWriter(handle)
    if fmt == "jsonl":
        return JsonlRowWriter(handle)
    raise ValueError(f"unknown export format {fmt!r}; expected one of {', '.join(FORMATS)}")


# --- streaming ----------------------------------------------------------------------------


def iter_selected(session: Session, flt: FindingFilter, on_row: RowCallback | None = None) -> Iterator[Finding]:
    """``iter_findings`` that reports progress and, at the end, ids asked for but not found.

    Checking at the end keeps it one streaming pass; the atomic output discards the file.
    """
    wanted = set(flt.ids)
    count = 0
    for finding in iter_findings(session, flt):
        wanted.discard(finding.id)
        yield finding
        count += 1
        if on_row is not None:
            on_row(count)
    if wanted:
        raise UnknownFindingsError(sorted(wanted))


def export_findings(session: Session, flt: FindingFilter, output: Path, *, data_dir: Path,
                    fmt: str = "csv", on_row: RowCallback | None = None) -> ExportResult:
    """Write the findings matching ``flt`` to ``output`` as CSV or JSONL, atomically."""
    rows = 0
    with atomic_output(output) as tmp:
        with open_text(tmp, fmt) as handle:
            writer = row_writer(fmt, handle)
            artifact_path = data_dir_paths(data_dir)
            for finding in iter_selected(session, flt, on_row):
                writer.write(finding_row(finding, artifact_path))
                rows += 1
    return ExportResult(path=output, rows=rows)


# --- atomic files -------------------------------------------------------------------------


def scratch_path(beside: Path, label: str = "part") -> Path:
    """Create an empty, uniquely named file next to ``beside`` and return its path.

    ``os.open`` with 0666 lets the umask decide the final permissions, as for any new file.
    """
    path = beside.with_name(f".{beside.name}.{secrets.token_hex(6)}.{label}")
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    except OSError as exc:
        raise OutputError(f"cannot write {beside}: {exc.strerror}") from None
    return path


@contextmanager
def atomic_output(output: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``output``; rename it onto ``output`` only on success."""
    output = Path(output)
    if output.is_dir():
        raise OutputError(f"cannot write {output}: it is a directory")
    if not output.parent.is_dir():
        raise OutputError(f"cannot write {output}: directory {output.parent} does not exist")
    tmp = scratch_path(output)
    try:
        yield tmp
        _fsync(tmp)
        os.replace(tmp, output)
    finally:
        tmp.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    # Investigators may copy the file away right after the command returns.
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())
