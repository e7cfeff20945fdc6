"""The one judge: this run's rules and registry, a page judged once, and what that changes in the store.

Every path that turns a page into findings goes through ``Judge``: the crawl (``judge`` for a
fetched page, then ``record`` with its snapshot), re-judgement of stored snapshots (``rejudge``:
after a rules change, a registry import, or on demand), ``ecwatch detect`` (``judge`` only, nothing
stored) and the review app. The judging itself is ``detectors.judge_page``: pure, so it may run in
another process; ``record`` and ``rejudge`` need a database session.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Iterable, Mapping
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from detectors import InMemoryRegistry, Rulebook, load_rulebook
from detectors.judge import NOT_JUDGED, Judgement, judge_page
from detectors.types import Context, Page, RegistryRecord

from .blobs import BlobStore
from .db import session_scope
from .findings import Tally, latest_snapshots, reconcile_sites, record_judgement
from .history import history_findings_for, record_observations, request_revisits
from .models import Finding, PageSnapshot, Site
from .repository import StoredRegistry

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def vietnam_date(moment: datetime) -> date:
    """The day it was in Vietnam: rules are dated in Vietnamese law's calendar."""
    return moment.astimezone(VIETNAM).date()


@dataclass(frozen=True)
class PageToJudge:
    """A page as the judge sees it, stored or just fetched."""

    url: str  # the final URL (after redirects)
    body: bytes
    fetched_at: datetime
    content_type: str | None = None
    ad_id: str | None = None

    @classmethod
    def of_snapshot(cls, snapshot: PageSnapshot, blobs: BlobStore) -> PageToJudge:
        return cls(url=snapshot.final_url, body=blobs.read(snapshot.body_path), fetched_at=snapshot.fetched_at,
                   content_type=content_type_of(snapshot.headers), ad_id=snapshot.ad_id)


def content_type_of(headers: Mapping[str, object]) -> str | None:
    for key, value in headers.items():
        if key.lower() == "content-type":
            values = value if isinstance(value, list) else [value]
            return str(values[0]) if values else None
    return None


class Judge:
    """Judges pages under one rulebook and one registry.

    ``on`` fixes the date judged (``ECWATCH_DETECT_ON``, ``--on``); without it each page is judged by
    the law of the day it was fetched, in Vietnam.
    """

    def __init__(self, rulebook: Rulebook, registry: InMemoryRegistry | None = None, *, on: date | None = None,
                 extra: Mapping[str, object] | None = None) -> None:
        self.rulebook = rulebook
        self.registry = registry if registry is not None else InMemoryRegistry([])
        self.on = on
        self.extra = dict(extra or {})

    @classmethod
    def from_store(cls, session: Session, *, rulebook: Rulebook | None = None, on: date | None = None) -> Judge:
        """``rulebook``, by default the rules on disk now (``ECWATCH_RULES_DIR`` / ``ECWATCH_CALENDAR_FILE``
        honoured), and the registry as stored."""
        rulebook = rulebook or load_rulebook(environ=os.environ)
        return cls(rulebook, InMemoryRegistry(StoredRegistry(session).all_records()), on=on)

    @property
    def rules_version(self) -> str:
        return self.rulebook.digest

    def add_records(self, records: Iterable[RegistryRecord]) -> None:
        """Portal records fetched during a crawl: later pages are judged with them."""
        self.registry = self.registry.with_records(list(records))

    def context(self, fetched_at: datetime, ad_id: str | None = None) -> Context:
        return Context(on=self.on or vietnam_date(fetched_at), registry=self.registry, ad_id=ad_id, extra=self.extra)

    def judge(self, page: PageToJudge) -> tuple[Judgement, Page | None]:
        """Parse once and run every rule in force; nothing is stored."""
        return judge_page(page.body, page.url, self.context(page.fetched_at, page.ad_id), rulebook=self.rulebook,
                          content_type=page.content_type, observed_at=page.fetched_at)

    def record(self, session: Session, snapshot: PageSnapshot, judgement: Judgement, *, run_id: int | None = None,
               tally: Tally | None = None, fresh: bool = False, known: dict[str, int] | None = None) -> list[Finding]:
        """Store the judgement of ``snapshot``: its price observations, then the page's findings together
        with those its products' series raise (so all of them are sighted and reconciled alike)."""
        if judgement.judged:
            on = self.context(snapshot.fetched_at).on
            observations = record_observations(session, snapshot, judgement.observations, fresh=fresh)
            history = history_findings_for(session, snapshot, observations, self.rulebook, on)
            request_revisits(session, snapshot, observations, self.rulebook, on)
            if history:
                judgement = replace(judgement, findings=judgement.findings + tuple(history))
        return record_judgement(session, snapshot, judgement, run_id=run_id, tally=tally, fresh=fresh, known=known)

@dataclass
class RejudgeStats:
    """What a re-judgement did: snapshots judged, sites reconciled, findings per rule, problems."""

    snapshots: int = 0
    sites: int = 0
    tally: Tally = field(default_factory=Tally)
    errors: list[str] = field(default_factory=list)
    stopped_early: bool = False  # the deadline came: the remaining sites are left for the next run


def rejudge_sites(engine: Engine, judge: Judge, blobs: BlobStore, *, domains: Iterable[str] | None = None,
                  stale_only: bool = False, run_id: int | None = None, deadline: float | None = None,
                  stats: RejudgeStats | None = None) -> RejudgeStats:
    """Judge each site's current pages (the latest snapshot of every URL) again, then set its findings
    open or gone by what they show now. One transaction per site, so progress survives a stop.

    ``stale_only``: only the sites with a current snapshot judged under other rules (or not judged),
    and only those snapshots (after a rules change).
    """
    stats = stats if stats is not None else RejudgeStats()
    for site_id in _sites(engine, domains):
        if deadline is not None and time.monotonic() > deadline:
            stats.stopped_early = True
            break
        with session_scope(engine) as session:
            conditions = [PageSnapshot.site_id == site_id]
            snapshot_ids = [row[1] for row in session.execute(latest_snapshots(*conditions))]
            snapshots = list(session.scalars(select(PageSnapshot).where(PageSnapshot.id.in_(snapshot_ids))
                                             .order_by(PageSnapshot.id)))
            if stale_only:
                snapshots = [s for s in snapshots if _stale(s, judge.rules_version)]
            if not snapshots:
                continue
            for snapshot in snapshots:
                _rejudge_one(session, judge, snapshot, blobs, run_id, stats)
            reconcile_sites(session, [site_id], run_id=run_id, tally=stats.tally)
            stats.sites += 1
    return stats


def _sites(engine: Engine, domains: Iterable[str] | None) -> list[int]:
    with session_scope(engine) as session:
        query = select(Site.id).order_by(Site.id)
        if domains is not None:
            query = query.where(Site.domain.in_(sorted(set(domains))))
        return list(session.scalars(query))


def _stale(snapshot: PageSnapshot, version: str) -> bool:
    # A page that could not be judged under these rules is tried again only when they (or the code) change.
    return snapshot.detected_rules_version != version or snapshot.judge_status is None


def _rejudge_one(session: Session, judge: Judge, snapshot: PageSnapshot, blobs: BlobStore, run_id: int | None,
                 stats: RejudgeStats) -> None:
    stats.snapshots += 1
    try:
        page = PageToJudge.of_snapshot(snapshot, blobs)
    except OSError as exc:  # a lost evidence file: say which, judge the others
        problem = f"{type(exc).__name__}: {exc}"
        stats.errors.append(f"snapshot {snapshot.id} ({snapshot.final_url}): {problem}")
        # Stamped all the same: retrying would not bring the file back; a person must look (the run fails).
        snapshot.detected_rules_version = judge.rules_version
        snapshot.judge_status, snapshot.judge_note = NOT_JUDGED, f"evidence file unreadable: {problem}"
        return
    judgement, _page = judge.judge(page)
    judge.record(session, snapshot, judgement, run_id=run_id, tally=stats.tally)
