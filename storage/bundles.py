"""Signed evidence bundles: a zip an investigator can hand over and anyone can check.

Layout of ``case.zip``::

    artifacts/<sha256>-<kind>.<ext>   every evidence file of the selected findings, once each
    findings.csv                      the export CSV; its *_path columns name the files above
    public_key.pem                    the Ed25519 public key that signed the manifest
    VERIFY.txt                        how to check the bundle without ecwatch
    manifest.json                     every file above with its SHA-256 and size, plus created_at,
                                      tool version, key fingerprint and the selection
    manifest.sig                      raw 64-byte Ed25519 signature of the manifest.json bytes

Artifacts are streamed from the data dir into the zip and checked against their recorded
SHA-256 on the way: a file altered on disk stops the export instead of being signed.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import IO, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy.orm import Session

from .exports import (
    CsvRowWriter,
    ExportError,
    RowCallback,
    atomic_output,
    finding_row,
    iter_selected,
    open_text,
    scratch_path,
    utc_iso,
)
from .keys import KeyFormatError, fingerprint, load_public_key, public_pem, signature_verifies
from .models import Artifact
from .repository import FindingFilter

BUNDLE_FORMAT = "ecwatch-evidence-bundle/1"
CSV_NAME = "findings.csv"
MANIFEST_NAME = "manifest.json"
SIGNATURE_NAME = "manifest.sig"
PUBLIC_KEY_NAME = "public_key.pem"
README_NAME = "VERIFY.txt"
CHUNK = 1 << 20
# Already-compressed formats are stored as they are: deflating them again only costs time.
STORED_EXTENSIONS = (".png", ".jpg", ".gz")

VERIFY_TEXT = f"""\
ecwatch evidence bundle ({BUNDLE_FORMAT})

{MANIFEST_NAME} lists every file of this bundle (except itself and {SIGNATURE_NAME}) with its
SHA-256 and size. {SIGNATURE_NAME} is the raw Ed25519 signature of the exact bytes of
{MANIFEST_NAME}, made with the key in {PUBLIC_KEY_NAME}; compare that key's fingerprint
(manifest "key_fingerprint", SHA-256 of the raw 32-byte key) with the one the issuer published.

With ecwatch:   ecwatch evidence verify case.zip
Without it, in the unzipped folder:
    openssl pkeyutl -verify -pubin -inkey {PUBLIC_KEY_NAME} -rawin -in {MANIFEST_NAME} -sigfile {SIGNATURE_NAME}
    jq -r '.files[] | "\\(.sha256)  \\(.path)"' {MANIFEST_NAME} | sha256sum -c
    openssl pkey -pubin -in {PUBLIC_KEY_NAME} -outform DER | tail -c 32 | sha256sum   # the fingerprint
"""


class EvidenceFileError(ExportError):
    """An artifact in the data dir is missing or no longer matches its recorded SHA-256."""


class EmptySelectionError(ExportError):
    """No finding matches: a signed bundle of nothing would only mislead its recipient."""


@dataclass(frozen=True)
class ManifestEntry:
    path: str
    sha256: str
    size: int


@dataclass(frozen=True)
class BundleResult:
    path: Path
    findings: int
    files: int
    key_fingerprint: str


def tool_version() -> str:
    try:
        return version("ecwatch")
    except PackageNotFoundError:
        return "unknown"


def selection_of(flt: FindingFilter) -> dict[str, Any]:
    """The filter, recorded in the manifest so a reader knows how the findings were chosen."""
    selection: dict[str, Any] = {"finding_ids": list(flt.ids)} if flt.ids else {}
    for name in ("status", "rule", "site", "state", "decision", "severity"):
        if getattr(flt, name):
            selection[name] = getattr(flt, name)
    for name in ("since", "until"):
        if getattr(flt, name):
            selection[name] = utc_iso(getattr(flt, name))
    if flt.after_id is not None:
        selection["after_finding_id"] = flt.after_id
    return selection


def artifact_extension(kind: str, head: bytes) -> str:
    if kind in ("html", "dom"):
        return ".html"
    if kind == "screenshot":
        return ".jpg" if head.startswith(b"\xff\xd8\xff") else ".png"
    if kind == "warc":
        return ".warc.gz" if head.startswith(b"\x1f\x8b") else ".warc"
    return ".bin"


class _ZipWriter:
    """Adds members to the zip while hashing them, and remembers each one for the manifest."""

    def __init__(self, archive: zipfile.ZipFile, stamp: datetime) -> None:
        self.archive = archive
        self.entries: list[ManifestEntry] = []
        self._date_time = stamp.timetuple()[:6]

    def add_bytes(self, name: str, data: bytes, *, listed: bool = True) -> None:
        self.archive.writestr(self._info(name, len(data)), data)
        if listed:
            self.entries.append(ManifestEntry(name, hashlib.sha256(data).hexdigest(), len(data)))

    def add_file(self, name: str, source: IO[bytes], size: int) -> ManifestEntry:
        digest = hashlib.sha256()
        written = 0
        with self.archive.open(self._info(name, size), "w") as target:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                target.write(chunk)
                written += len(chunk)
        entry = ManifestEntry(name, digest.hexdigest(), written)
        self.entries.append(entry)
        return entry

    def _info(self, name: str, size: int) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=self._date_time)
        info.compress_type = zipfile.ZIP_STORED if name.endswith(STORED_EXTENSIONS) else zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        info.file_size = size  # lets zipfile choose ZIP64 up front for files over 4 GiB
        return info


class _ArtifactPacker:
    """Puts each artifact into ``artifacts/`` once, checking it against its recorded hash."""

    def __init__(self, writer: _ZipWriter, data_dir: Path) -> None:
        self._writer = writer
        self._data_dir = Path(data_dir)
        # Grows with distinct artifacts, like the zip's own directory, not with finding rows.
        self._names: dict[tuple[str, str], str] = {}

    def member_name(self, artifact: Artifact) -> str:
        return self._names[(artifact.sha256, artifact.kind)]

    def add(self, artifact: Artifact) -> None:
        key = (artifact.sha256, artifact.kind)
        if key in self._names:
            return
        source = self._data_dir / artifact.path
        try:
            handle = open(source, "rb")
        except OSError as exc:
            raise EvidenceFileError(f"{artifact.kind} evidence {source} cannot be read: {exc.strerror}") from None
        with handle:
            name = f"artifacts/{artifact.sha256}-{artifact.kind}{artifact_extension(artifact.kind, handle.read(16))}"
            handle.seek(0)
            entry = self._writer.add_file(name, handle, artifact.size)
        if entry.sha256 != artifact.sha256 or entry.size != artifact.size:
            raise EvidenceFileError(f"{artifact.kind} evidence {source} no longer matches its recorded SHA-256 "
                                    f"{artifact.sha256} (altered or damaged in the data dir); nothing was exported")
        self._names[key] = name


def export_bundle(session: Session, flt: FindingFilter, output: Path, *, data_dir: Path,
                  signing_key: Ed25519PrivateKey, on_row: RowCallback | None = None,
                  created_at: datetime | None = None) -> BundleResult:
    """Write the findings matching ``flt`` and all their evidence to a signed zip, atomically."""
    stamp = (created_at or datetime.now(timezone.utc)).astimezone(timezone.utc)
    output = Path(output)
    with atomic_output(output) as tmp_zip:
        csv_path = scratch_path(output, "csv")
        try:
            with zipfile.ZipFile(tmp_zip, "w", allowZip64=True) as archive:
                writer = _ZipWriter(archive, stamp)
                rows = _pack_findings(session, flt, writer, data_dir, csv_path, on_row)
                if rows == 0:
                    raise EmptySelectionError("no finding matches the selection; no bundle was written")
                with open(csv_path, "rb") as handle:
                    writer.add_file(CSV_NAME, handle, csv_path.stat().st_size)
                _sign_and_close(writer, signing_key, stamp, flt, rows)
        finally:
            csv_path.unlink(missing_ok=True)
        files = len(writer.entries)
    return BundleResult(path=output, findings=rows, files=files, key_fingerprint=fingerprint(signing_key.public_key()))


def _pack_findings(session: Session, flt: FindingFilter, writer: _ZipWriter, data_dir: Path, csv_path: Path,
                   on_row: RowCallback | None) -> int:
    # The CSV goes to a scratch file: a zip member must be complete before the next one starts,
    # and the artifacts are added while the rows are read.
    packer = _ArtifactPacker(writer, data_dir)
    rows = 0
    with open_text(csv_path, "csv") as handle:
        csv_writer = CsvRowWriter(handle)
        for finding in iter_selected(session, flt, on_row):
            for artifact in sorted(finding.snapshot.artifacts, key=lambda a: a.kind):
                packer.add(artifact)
            csv_writer.write(finding_row(finding, packer.member_name))
            rows += 1
    return rows


def _sign_and_close(writer: _ZipWriter, key: Ed25519PrivateKey, stamp: datetime, flt: FindingFilter,
                    rows: int) -> None:
    writer.add_bytes(PUBLIC_KEY_NAME, public_pem(key.public_key()))
    writer.add_bytes(README_NAME, VERIFY_TEXT.encode())
    manifest = manifest_bytes(writer.entries, stamp, fingerprint(key.public_key()), flt, rows)
    writer.add_bytes(MANIFEST_NAME, manifest, listed=False)
    writer.add_bytes(SIGNATURE_NAME, key.sign(manifest), listed=False)


def manifest_bytes(entries: list[ManifestEntry], stamp: datetime, key_fingerprint: str, flt: FindingFilter,
                   rows: int) -> bytes:
    manifest = {
        "format": BUNDLE_FORMAT,
        "created_at": utc_iso(stamp),
        "tool": "ecwatch",
        "tool_version": tool_version(),
        "key_fingerprint": key_fingerprint,
        "signature": {"file": SIGNATURE_NAME, "algorithm": "Ed25519", "public_key": PUBLIC_KEY_NAME},
        "selection": selection_of(flt),
        "findings": rows,
        "files": [{"path": e.path, "sha256": e.sha256, "size": e.size} for e in sorted(entries, key=lambda e: e.path)],
    }
    return (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode()


@dataclass
class VerifyReport:
    """What ``verify_bundle`` found: an empty ``problems`` list means the bundle is intact."""

    problems: list[str] = field(default_factory=list)
    files_checked: int = 0
    key_fingerprint: str | None = None
    created_at: str | None = None
    findings: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_bundle(path: Path, trusted_key: Ed25519PublicKey | None = None) -> VerifyReport:
    """Check every hash and the signature of a bundle, never extracting anything.

    Without ``trusted_key`` the bundle's own public key is used, which proves the files match
    what that key signed; compare ``key_fingerprint`` with the issuer's published one.
    """
    report = VerifyReport()
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        report.problems.append(f"{Path(path).name}: not a readable zip file ({exc})")
        return report
    with archive:
        members = _safe_members(archive, report.problems)
        manifest_raw = _read_small(archive, members, MANIFEST_NAME, report.problems)
        _check_signature(archive, members, manifest_raw, trusted_key, report)
        manifest = _parse_manifest(manifest_raw, report.problems) if manifest_raw is not None else None
        if manifest is not None:
            report.created_at = shown(str(manifest.get("created_at")))
            findings = manifest.get("findings")
            report.findings = findings if type(findings) is int else None
            _check_fingerprint(manifest, report)
            _check_files(archive, members, manifest, report)
    return report


def shown(text: str) -> str:
    """Escape control characters: names come from the zip and end up on the reader's terminal."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def unsafe_name(name: str) -> bool:
    """Absolute, drive-qualified, backslashed or ``..`` names could escape an extraction folder."""
    return (not name or name.startswith("/") or "\\" in name or (len(name) > 1 and name[1] == ":")
            or ".." in name.split("/"))


def _safe_members(archive: zipfile.ZipFile, problems: list[str]) -> dict[str, zipfile.ZipInfo]:
    members: dict[str, zipfile.ZipInfo] = {}
    counts: dict[str, int] = {}
    for info in archive.infolist():
        counts[info.filename] = counts.get(info.filename, 0) + 1
        if unsafe_name(info.filename):
            problems.append(f"{shown(info.filename)}: unsafe path in the zip (absolute or '..')")
        elif not info.is_dir():
            members[info.filename] = info
    for name, count in counts.items():
        if count > 1:
            problems.append(f"{shown(name)}: appears {count} times in the zip")
            members.pop(name, None)  # which copy a reader extracts is undefined: check neither
    return members


def _read_small(archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], name: str,
                problems: list[str], limit: int = 64 << 20) -> bytes | None:
    info = members.get(name)
    if info is None:
        problems.append(f"{name}: missing")
        return None
    try:
        with archive.open(info) as handle:
            data = handle.read(limit + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
        problems.append(f"{name}: damaged in the zip (CRC or compression error)")
        return None
    if len(data) > limit:
        problems.append(f"{name}: larger than {limit >> 20} MiB, not read")
        return None
    return data


def _check_signature(archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], manifest: bytes | None,
                     trusted_key: Ed25519PublicKey | None, report: VerifyReport) -> None:
    signature = _read_small(archive, members, SIGNATURE_NAME, report.problems)
    pem = _read_small(archive, members, PUBLIC_KEY_NAME, report.problems)
    bundled = None
    if pem is not None:
        try:
            bundled = load_public_key(pem, PUBLIC_KEY_NAME)
        except KeyFormatError as exc:
            report.problems.append(str(exc))
    if trusted_key is not None and bundled is not None and fingerprint(bundled) != fingerprint(trusted_key):
        report.problems.append(f"{PUBLIC_KEY_NAME}: key {fingerprint(bundled)} is not the trusted key "
                               f"{fingerprint(trusted_key)}")
    key = trusted_key or bundled
    if key is None or signature is None or manifest is None:
        return
    report.key_fingerprint = fingerprint(key)
    if len(signature) != 64:
        report.problems.append(f"{SIGNATURE_NAME}: not an Ed25519 signature ({len(signature)} bytes, expected 64)")
    elif not signature_verifies(key, signature, manifest):
        report.problems.append(f"{MANIFEST_NAME}: signature does not verify with key {fingerprint(key)}")


def _parse_manifest(raw: bytes, problems: list[str]) -> dict[str, Any] | None:
    try:
        manifest = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        problems.append(f"{MANIFEST_NAME}: not valid JSON ({exc})")
        return None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), list):
        problems.append(f"{MANIFEST_NAME}: has no 'files' list")
        return None
    return manifest


def _check_fingerprint(manifest: dict[str, Any], report: VerifyReport) -> None:
    listed = manifest.get("key_fingerprint")
    if report.key_fingerprint is not None and listed != report.key_fingerprint:
        report.problems.append(f"{MANIFEST_NAME}: key_fingerprint {shown(str(listed))} does not match the signing key "
                               f"{report.key_fingerprint}")


def _check_files(archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], manifest: dict[str, Any],
                 report: VerifyReport) -> None:
    listed: set[str] = set()
    for number, entry in enumerate(manifest["files"], 1):
        parsed = _manifest_entry(entry)
        if parsed is None:
            report.problems.append(f"{MANIFEST_NAME}: files entry {number} is malformed")
            continue
        if parsed.path in listed:
            report.problems.append(f"{shown(parsed.path)}: listed twice in the manifest")
            continue
        listed.add(parsed.path)
        if unsafe_name(parsed.path):
            report.problems.append(f"{shown(parsed.path)}: unsafe path in the manifest (absolute or '..')")
        elif parsed.path not in members:
            report.problems.append(f"{shown(parsed.path)}: listed in manifest but missing")
        else:
            problem = _check_member(archive, members[parsed.path], parsed)
            report.files_checked += problem is None
            if problem:
                report.problems.append(problem)
    for name in members:
        if name not in listed and name not in (MANIFEST_NAME, SIGNATURE_NAME):
            report.problems.append(f"{shown(name)}: in the zip but not in the manifest")


def _manifest_entry(entry: Any) -> ManifestEntry | None:
    if not isinstance(entry, dict):
        return None
    path, sha256, size = entry.get("path"), entry.get("sha256"), entry.get("size")
    if not isinstance(path, str) or not isinstance(sha256, str) or type(size) is not int:
        return None
    return ManifestEntry(path, sha256.lower(), size)


BOMB_SLACK = 1 << 20  # bytes a member may declare beyond twice its manifest size before it is not read at all


def _check_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, expected: ManifestEntry) -> str | None:
    name = shown(info.filename)
    # A member that says (in the zip's own directory) it inflates to far more than the manifest lists is
    # not inflated at all: a small bundle must not make us decompress gigabytes.
    if info.file_size > 2 * expected.size + BOMB_SLACK:
        return (f"{name}: the zip says it holds {info.file_size} bytes, the manifest {expected.size}; "
                "not decompressed")
    digest = hashlib.sha256()
    size = 0
    try:
        with archive.open(info) as handle:
            # Never more than the manifest's size (and one byte to notice more): the zip's directory
            # can lie about a member's size too.
            while size <= expected.size and (chunk := handle.read(min(CHUNK, expected.size + 1 - size))):
                digest.update(chunk)
                size += len(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
        return f"{name}: damaged in the zip (CRC or compression error)"
    actual = digest.hexdigest()
    if actual != expected.sha256:
        sizes = f"; {size} bytes, manifest says {expected.size}" if size != expected.size else ""
        return f"{name}: SHA-256 mismatch (manifest {expected.sha256[:12]}…, file {actual[:12]}…{sizes})"
    if size != expected.size:
        return f"{name}: size mismatch ({size} bytes, manifest says {expected.size})"
    return None
