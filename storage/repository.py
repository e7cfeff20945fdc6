"""Reads and writes of the domain objects; the only place that knows the queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Iterator, Sequence

from sqlalchemy import Engine, Select, func, select
from sqlalchemy.orm import Session, selectinload

from detectors.types import RegistryRecord

from .blobs import StoredBlob
from .db import session_scope
from .models import Artifact, CrawlRun, Finding, PageSnapshot, RegistryRecordRow, Sighting, Site, utcnow
from .upsert import insert_unless_present


def get_or_create_site(session: Session, domain: str, known: dict[str, int] | None = None) -> Site:
    """``known``: domain -> site id, kept by a caller that stores many pages of the same sites."""
    if known is not None and domain in known:
        return session.get_one(Site, known[domain])
    site = session.scalar(select(Site).where(Site.domain == domain))
    if site is None:  # two workers of a shared run may meet a new site at once: one row all the same
        site_id = insert_unless_present(session, Site, {"domain": domain, "first_seen_at": utcnow()}, ["domain"])
        site = session.get_one(Site, site_id) if site_id is not None else session.scalar(
            select(Site).where(Site.domain == domain))
        assert site is not None
    if known is not None:
        known[domain] = site.id
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
        resumed = (run.stats or {}).get("resumed")
        run.stats = {**stats, "resumed": resumed} if resumed else stats
    run.pages = session.scalar(select(func.count()).where(PageSnapshot.run_id == run_id)) or 0
    run.findings = session.scalar(
        select(func.count(func.distinct(Sighting.finding_id)))
        .join(PageSnapshot, Sighting.snapshot_id == PageSnapshot.id)
        .where(PageSnapshot.run_id == run_id)
    ) or 0
    run.errors = int((stats or run.stats or {}).get("errors", run.errors) or 0)
    return run


def reopen_run(session: Session, run_id: int, log_path: str | None = None) -> CrawlRun:
    """A run resumed: running again, what stopped it kept in its stats."""
    run = session.get_one(CrawlRun, run_id)
    history = list((run.stats or {}).get("resumed", []))
    history.append({"status": run.status, "error": run.error, "at": utcnow().isoformat()})
    run.stats = {**(run.stats or {}), "resumed": history}
    run.status, run.finished_at, run.error = "running", None, None
    run.log_path = log_path or run.log_path
    return run


def run_snapshots(session: Session, run_id: int) -> Sequence[PageSnapshot]:
    """The pages a run stored, in the order it stored them."""
    return session.scalars(select(PageSnapshot).where(PageSnapshot.run_id == run_id).order_by(PageSnapshot.id)).all()


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
    fetch_note: str | None = None
    element_boxes: dict[str, Any] | None = None
    fetch_key: str | None = None  # a shared run's (run, requested URL): stored once, whichever worker fetched it


def save_snapshot(session: Session, data: SnapshotInput, site_ids: dict[str, int] | None = None) -> PageSnapshot:
    site = get_or_create_site(session, data.domain, site_ids)
    snapshot = PageSnapshot(**_snapshot_values(data, site.id))
    session.add(snapshot)
    session.flush()
    return snapshot


def save_fetched_once(session: Session, data: SnapshotInput,
                      site_ids: dict[str, int] | None = None) -> PageSnapshot | None:
    """Store a page of a shared run unless its fetch key is stored already (by this or another worker); the new
    snapshot, or None when it was a second fetch of the same page."""
    assert data.fetch_key is not None
    site = get_or_create_site(session, data.domain, site_ids)
    snapshot_id = insert_unless_present(session, PageSnapshot, _snapshot_values(data, site.id), ["fetch_key"])
    return session.get_one(PageSnapshot, snapshot_id) if snapshot_id is not None else None


def _snapshot_values(data: SnapshotInput, site_id: int) -> dict[str, Any]:
    return dict(
        run_id=data.run_id,
        site_id=site_id,
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
        fetch_note=data.fetch_note,
        element_boxes=data.element_boxes,
        fetch_key=data.fetch_key,
    )


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


def findings_needing_evidence(session: Session, keys: Iterable[str], kind: str = "screenshot") -> set[str]:
    """Those finding keys with no stored finding yet, or whose reference sighting's snapshot has no ``kind`` file."""
    wanted = set(keys)
    if not wanted:
        return set()
    covered = (select(Finding.dedup_key)
               .join(Sighting, Sighting.id == Finding.reference_sighting_id)
               .join(Artifact, Artifact.snapshot_id == Sighting.snapshot_id)
               .where(Finding.dedup_key.in_(wanted), Artifact.kind == kind))
    return wanted - set(session.scalars(covered))


@dataclass(frozen=True)
class FindingFilter:
    rule: str | None = None
    site: str | None = None
    status: str | None = None  # a state (open, gone) or a decision (confirmed, dismissed, escalated, undecided)
    since: datetime | None = None
    ids: tuple[int, ...] = ()
    # The review queue's finer filters (None: any). ``until`` is exclusive; ``after_id`` keeps findings
    # with a higher id (those new since a reviewer's last visit).
    state: str | None = None
    decision: str | None = None  # confirmed | dismissed | escalated | undecided
    severity: str | None = None
    until: datetime | None = None
    after_id: int | None = None


STATES = ("open", "gone")


def findings_query(flt: FindingFilter) -> Select[tuple[Finding]]:
    query = select(Finding).join(Site, Finding.site_id == Site.id).options(
        selectinload(Finding.site),
        selectinload(Finding.reference).selectinload(Sighting.snapshot).selectinload(PageSnapshot.artifacts),
    )
    return filtered(query, flt).order_by(Finding.id)


def filtered(query: Select[Any], flt: FindingFilter) -> Select[Any]:
    """``query`` (over findings joined to their site) narrowed to what ``flt`` selects."""
    if flt.rule:
        query = query.where(Finding.rule == flt.rule)
    if flt.site:
        query = query.where(Site.domain == flt.site)
    for status in (flt.status, flt.state, flt.decision):
        if status in STATES:
            query = query.where(Finding.state == status)
        elif status == "undecided":
            query = query.where(Finding.decision.is_(None))
        elif status:
            query = query.where(Finding.decision == status)
    if flt.severity:
        query = query.where(Finding.severity == flt.severity)
    if flt.since:
        query = query.where(Finding.first_seen_at >= flt.since)
    if flt.until:
        query = query.where(Finding.first_seen_at < flt.until)
    if flt.after_id is not None:
        query = query.where(Finding.id > flt.after_id)
    if flt.ids:
        query = query.where(Finding.id.in_(flt.ids))
    return query


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
    """Findings per rule: all of them, or those a run's snapshots showed."""
    query = select(Finding.rule, func.count(func.distinct(Finding.id))).group_by(Finding.rule).order_by(Finding.rule)
    if run_id is not None:
        query = (query.join(Sighting, Sighting.finding_id == Finding.id)
                 .join(PageSnapshot, Sighting.snapshot_id == PageSnapshot.id).where(PageSnapshot.run_id == run_id))
    return {rule: count for rule, count in session.execute(query)}


# --- registry -----------------------------------------------------------------------------


def save_registry_records(session: Session, records: Iterable[RegistryRecord]) -> int:
    """Insert or update records (keyed by record id and source), looking the batch up in one query."""
    records = list(records)
    existing = {(row.record_id, row.source): row for row in session.scalars(select(RegistryRecordRow).where(
        RegistryRecordRow.record_id.in_({r.record_id for r in records})))}
    count = 0
    for record in records:
        row = existing.get((record.record_id, record.source))
        if row is None:
            row = RegistryRecordRow(record_id=record.record_id, source=record.source)
            existing[(record.record_id, record.source)] = row
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


REGISTRY_BATCH = 1000  # records per transaction: a big import never holds the write lock for long


def import_registry(engine: Engine, records: Sequence[RegistryRecord], batch: int = REGISTRY_BATCH) -> int:
    """Store ``records`` in transactions of ``batch``, so that a crawl writing beside the import waits
    for one batch at most, never for the whole file."""
    count = 0
    for start in range(0, len(records), batch):
        with session_scope(engine) as session:
            count += save_registry_records(session, records[start:start + batch])
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
