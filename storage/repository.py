"""Reads and writes of the domain objects; the only place that knows the queries."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Iterator, Sequence

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from detectors.types import Finding as DetectedFinding
from detectors.types import RegistryRecord

from .blobs import StoredBlob
from .models import Artifact, CrawlRun, Finding, PageSnapshot, RegistryRecordRow, Site, utcnow

# A finding a reviewer has decided on is never reopened or retracted by the machine.
REVIEWED_STATUSES = frozenset({"confirmed", "dismissed"})


def get_or_create_site(session: Session, domain: str) -> Site:
    site = session.scalar(select(Site).where(Site.domain == domain))
    if site is None:
        site = Site(domain=domain)
        session.add(site)
        session.flush()
    return site


# --- crawl runs ---------------------------------------------------------------------------


def start_run(session: Session, spider: str, arguments: dict[str, Any], trigger: str = "adhoc",
              log_path: str | None = None) -> CrawlRun:
    run = CrawlRun(spider=spider, arguments=arguments, trigger=trigger, log_path=log_path)
    session.add(run)
    session.flush()
    return run


def finish_run(session: Session, run_id: int, *, status: str, stats: dict[str, Any] | None = None,
               error: str | None = None, exit_status: int | None = None) -> CrawlRun:
    run = session.get_one(CrawlRun, run_id)
    run.status = status
    run.finished_at = utcnow()
    run.error = error if error is not None else run.error
    run.exit_status = exit_status if exit_status is not None else run.exit_status
    if stats is not None:
        run.stats = stats
    run.pages = session.scalar(select(func.count()).where(PageSnapshot.run_id == run_id)) or 0
    run.findings = session.scalar(
        select(func.count(func.distinct(Finding.id)))
        .join(PageSnapshot, Finding.snapshot_id == PageSnapshot.id)
        .where(PageSnapshot.run_id == run_id)
    ) or 0
    run.errors = int((stats or run.stats or {}).get("errors", run.errors) or 0)
    return run


def list_runs(session: Session, limit: int = 20) -> Sequence[CrawlRun]:
    return session.scalars(select(CrawlRun).order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc()).limit(limit)).all()


# --- snapshots and artifacts --------------------------------------------------------------


@dataclass(frozen=True)
class SnapshotInput:
    domain: str
    requested_url: str
    final_url: str
    status: int
    headers: dict[str, Any]
    fetched_at: datetime
    body: StoredBlob
    run_id: int | None = None
    rendered: bool = False
    redirect_chain: list[Any] = field(default_factory=list)
    server_ip: str | None = None
    tls: dict[str, Any] | None = None
    ad_id: str | None = None


def save_snapshot(session: Session, data: SnapshotInput) -> PageSnapshot:
    site = get_or_create_site(session, data.domain)
    snapshot = PageSnapshot(
        run_id=data.run_id,
        site_id=site.id,
        requested_url=data.requested_url,
        final_url=data.final_url,
        status=data.status,
        headers=data.headers,
        fetched_at=data.fetched_at,
        body_size=data.body.size,
        body_sha256=data.body.sha256,
        body_path=data.body.relative_path,
        rendered=data.rendered,
        redirect_chain=data.redirect_chain,
        server_ip=data.server_ip,
        tls=data.tls,
        ad_id=data.ad_id,
    )
    session.add(snapshot)
    session.flush()
    return snapshot


def attach_artifact(session: Session, snapshot: PageSnapshot, kind: str, blob: StoredBlob,
                    captured_at: datetime | None = None) -> Artifact:
    existing = session.scalar(select(Artifact).where(Artifact.snapshot_id == snapshot.id, Artifact.kind == kind))
    if existing is not None:
        return existing
    artifact = Artifact(snapshot_id=snapshot.id, kind=kind, path=blob.relative_path, sha256=blob.sha256,
                        size=blob.size, captured_at=captured_at or utcnow())
    session.add(artifact)
    session.flush()
    return artifact


# --- findings -----------------------------------------------------------------------------


def dedup_key(rule: str, where: str, subject: str) -> str:
    """``where`` is the page URL, or the site's domain for a site-wide finding."""
    return hashlib.sha256(f"{rule}\x1f{where}\x1f{subject}".encode()).hexdigest()


def detected_key(detected: DetectedFinding, domain: str, url: str) -> str:
    """The ``dedup_key`` a detected finding gets on the page ``url`` of the site ``domain``."""
    return dedup_key(detected.rule, domain if detected.scope == "site" else url, detected.subject)


def findings_needing_evidence(session: Session, keys: Iterable[str], kind: str = "screenshot") -> set[str]:
    """Those of ``keys`` with no stored finding yet, or whose finding's snapshot has no ``kind`` artifact."""
    wanted = set(keys)
    if not wanted:
        return set()
    covered = (select(Finding.dedup_key)
               .join(Artifact, Artifact.snapshot_id == Finding.snapshot_id)
               .where(Finding.dedup_key.in_(wanted), Artifact.kind == kind))
    return wanted - set(session.scalars(covered))


def adopt_evidence(session: Session, snapshot: PageSnapshot, finding_ids: Iterable[int],
                   kind: str = "screenshot") -> int:
    """Point those findings whose snapshot has no ``kind`` artifact at ``snapshot``, which has one.

    A finding first seen without a browser keeps its first observation date but gets the later,
    complete evidence. Returns how many findings moved.
    """
    ids = set(finding_ids)
    if not ids:
        return 0
    with_kind = select(Artifact.snapshot_id).where(Artifact.kind == kind)
    moved = 0
    for row in session.scalars(select(Finding).where(Finding.id.in_(ids), Finding.snapshot_id.not_in(with_kind))):
        if row.snapshot_id != snapshot.id:
            row.snapshot_id = snapshot.id
            moved += 1
    session.flush()
    return moved


@dataclass
class FindingsSaved:
    new: int = 0
    updated: int = 0
    retracted: int = 0
    ids: list[int] = field(default_factory=list)


def save_findings(session: Session, snapshot: PageSnapshot, findings: Iterable[DetectedFinding],
                  rules_version: str | None = None, *, retract_missing: bool = False) -> FindingsSaved:
    """Store what the detectors found on a snapshot, updating rather than duplicating.

    With ``retract_missing`` (re-detection), open findings of this snapshot that the rules
    no longer raise are marked ``retracted``; reviewed ones are left as the reviewer set them.
    """
    saved = FindingsSaved()
    seen_keys: set[str] = set()
    now = utcnow()
    for detected in findings:
        key = detected_key(detected, snapshot.site.domain, snapshot.final_url)
        if key in seen_keys:
            continue
        seen_keys.add(key)
        row = session.scalar(select(Finding).where(Finding.dedup_key == key))
        if row is None:
            row = Finding(dedup_key=key, snapshot_id=snapshot.id, site_id=snapshot.site_id, url=snapshot.final_url,
                          ad_id=snapshot.ad_id, observed_at=snapshot.fetched_at)
            session.add(row)
            saved.new += 1
        else:
            saved.updated += 1
            if row.status == "retracted":
                row.status = "open"
            row.ad_id = row.ad_id or snapshot.ad_id  # also seen behind an ad: keep which one
        _copy_detected(row, detected, rules_version)
        row.last_seen_at = max(row.last_seen_at or now, snapshot.fetched_at)
        session.flush()
        saved.ids.append(row.id)
    if retract_missing:
        stale = select(Finding).where(Finding.snapshot_id == snapshot.id, Finding.status == "open")
        for row in session.scalars(stale):
            if row.dedup_key not in seen_keys:
                row.status = "retracted"
                row.rules_version = rules_version
                saved.retracted += 1
    snapshot.detected_rules_version = rules_version
    return saved


def _copy_detected(row: Finding, detected: DetectedFinding, rules_version: str | None) -> None:
    row.rule = detected.rule
    row.severity = detected.severity.value
    row.title = detected.title
    row.legal_basis = detected.legal_basis
    row.message = detected.message
    row.evidence = dict(detected.evidence)
    row.uncertain = detected.uncertain
    row.rules_version = rules_version


@dataclass(frozen=True)
class FindingFilter:
    rule: str | None = None
    site: str | None = None
    status: str | None = None
    since: datetime | None = None
    ids: tuple[int, ...] = ()


def findings_query(flt: FindingFilter) -> Select[tuple[Finding]]:
    query = select(Finding).join(Site, Finding.site_id == Site.id).options(
        selectinload(Finding.site), selectinload(Finding.snapshot).selectinload(PageSnapshot.artifacts)
    )
    if flt.rule:
        query = query.where(Finding.rule == flt.rule)
    if flt.site:
        query = query.where(Site.domain == flt.site)
    if flt.status:
        query = query.where(Finding.status == flt.status)
    if flt.since:
        query = query.where(Finding.observed_at >= flt.since)
    if flt.ids:
        query = query.where(Finding.id.in_(flt.ids))
    return query.order_by(Finding.id)


def iter_findings(session: Session, flt: FindingFilter, *, batch: int = 500) -> Iterator[Finding]:
    """Stream findings in id order, one page of ``batch`` rows in memory at a time."""
    last_id = 0
    while True:
        page = session.scalars(findings_query(flt).where(Finding.id > last_id).limit(batch)).all()
        if not page:
            return
        yield from page
        last_id = page[-1].id
        session.expunge_all()


def count_findings_by_rule(session: Session, run_id: int | None = None) -> dict[str, int]:
    query = select(Finding.rule, func.count()).group_by(Finding.rule).order_by(Finding.rule)
    if run_id is not None:
        query = query.join(PageSnapshot, Finding.snapshot_id == PageSnapshot.id).where(PageSnapshot.run_id == run_id)
    return {rule: count for rule, count in session.execute(query)}


# --- registry -----------------------------------------------------------------------------


def save_registry_records(session: Session, records: Iterable[RegistryRecord]) -> int:
    count = 0
    for record in records:
        row = session.scalar(select(RegistryRecordRow).where(
            RegistryRecordRow.record_id == record.record_id, RegistryRecordRow.source == record.source))
        if row is None:
            row = RegistryRecordRow(record_id=record.record_id, source=record.source)
            session.add(row)
        row.domain = record.domain
        row.kind = record.kind
        row.status = record.status
        row.company = record.company
        row.url = record.url
        row.updated_at = utcnow()
        count += 1
    session.flush()
    return count


def _to_record(row: RegistryRecordRow) -> RegistryRecord:
    return RegistryRecord(record_id=row.record_id, domain=row.domain, kind=row.kind, status=row.status,
                          company=row.company, source=row.source, url=row.url)


class StoredRegistry:
    """The registry as the detectors see it, read from the database."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def by_record_id(self, record_id: str) -> Sequence[RegistryRecord]:
        rows = self._session.scalars(select(RegistryRecordRow).where(RegistryRecordRow.record_id == record_id))
        return [_to_record(row) for row in rows]

    def by_domain(self, domain: str) -> Sequence[RegistryRecord]:
        rows = self._session.scalars(select(RegistryRecordRow).where(RegistryRecordRow.domain == domain))
        return [_to_record(row) for row in rows]

    def all_records(self) -> list[RegistryRecord]:
        """Every stored record in one query (loaded into memory at the start of a crawl or a batch)."""
        rows = self._session.scalars(select(RegistryRecordRow).order_by(RegistryRecordRow.id))
        return [_to_record(row) for row in rows]
