"""The database schema. Every change here comes with an Alembic migration."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on every backend (SQLite stores naive strings)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


class Site(Base):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    domain: Mapped[str] = mapped_column(String(255), unique=True)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class CrawlRun(Base):
    __tablename__ = "crawl_runs"
    # Unique indexes, not constraints: SQLite adds an index in place, but a constraint only by copying the table,
    # which would cascade through the foreign keys of its rows.
    __table_args__ = (Index("uq_crawl_runs_name", "name", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # A shared run's name (``ecwatch enqueue --run NAME``): many workers record into the one row. None: embedded.
    name: Mapped[str | None] = mapped_column(String(128), default=None)
    spider: Mapped[str] = mapped_column(String(64))
    arguments: Mapped[dict[str, Any]] = mapped_column(default=dict)
    trigger: Mapped[str] = mapped_column(String(128), default="adhoc")  # adhoc | schedule:<name> | demo
    status: Mapped[str] = mapped_column(String(16), default="running")  # running|finished|failed|skipped|interrupted
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    findings: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    log_path: Mapped[str | None] = mapped_column(Text, default=None)
    exit_status: Mapped[int | None] = mapped_column(Integer, default=None)
    # Per rule: findings new in this run, still open, gone, reopened ({"PROMO-DISC-50": {"new": 1, ...}}).
    finding_summary: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The process running it, and when it last said it was alive: a run whose process is gone is
    # "interrupted", not "running" forever.
    host: Mapped[str | None] = mapped_column(String(255), default=None)
    pid: Mapped[int | None] = mapped_column(Integer, default=None)
    heartbeat_at: Mapped[datetime | None] = mapped_column(default=None)

    workers: Mapped[list[RunWorker]] = relationship(back_populates="run", order_by="RunWorker.id",
                                                    cascade="all, delete-orphan")


class RunWorker(Base):
    """One worker process of a shared run: where it runs, when it last said it was alive, what it stored."""

    __tablename__ = "run_workers"
    __table_args__ = (UniqueConstraint("run_id", "worker", name="uq_run_workers_run_worker"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id", ondelete="CASCADE"), index=True)
    worker: Mapped[str] = mapped_column(String(128))  # host:random, unique per process start
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    pages: Mapped[int] = mapped_column(Integer, default=0)  # snapshots this worker stored

    run: Mapped[CrawlRun] = relationship(back_populates="workers")


class PageSnapshot(Base):
    __tablename__ = "page_snapshots"
    __table_args__ = (
        Index("ix_snapshots_body_sha256", "body_sha256"),
        Index("ix_snapshots_site_url_fetched", "site_id", "final_url", "fetched_at"),
        Index("uq_page_snapshots_fetch_key", "fetch_key", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id", ondelete="SET NULL"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    requested_url: Mapped[str] = mapped_column(Text)
    final_url: Mapped[str] = mapped_column(Text)
    status: Mapped[int] = mapped_column(Integer)
    headers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
    body_size: Mapped[int] = mapped_column(BigInteger)
    body_sha256: Mapped[str] = mapped_column(String(64))
    body_path: Mapped[str] = mapped_column(Text)  # relative to the data dir
    rendered: Mapped[bool] = mapped_column(Boolean, default=False)
    redirect_chain: Mapped[list[Any]] = mapped_column(default=list)
    server_ip: Mapped[str | None] = mapped_column(String(64), default=None)
    tls: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    ad_id: Mapped[str | None] = mapped_column(String(128), default=None)
    fetch_note: Mapped[str | None] = mapped_column(Text, default=None)  # "truncated at 16,777,216 bytes"
    detected_rules_version: Mapped[str | None] = mapped_column(String(64), default=None)
    # How the last judgement went: judged | not_html | not_judged (with why in judge_note).
    judge_status: Mapped[str | None] = mapped_column(String(16), default=None)
    judge_note: Mapped[str | None] = mapped_column(Text, default=None)
    # Where each finding's element was in the full-page screenshot of the evidence visit, in page pixels:
    # CSS path -> {"x", "y", "width", "height"}. None: no screenshot, or taken before boxes were recorded.
    element_boxes: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    # sha256(run, requested URL) of a page fetched by a shared run: a page two workers fetched (a lease that
    # expired under a slow worker) is stored once. None for the embedded mode, which fetches each page once.
    fetch_key: Mapped[str | None] = mapped_column(String(64), default=None)

    site: Mapped[Site] = relationship()
    artifacts: Mapped[list[Artifact]] = relationship(back_populates="snapshot", cascade="all, delete-orphan")


class Artifact(Base):
    """Evidence files of a snapshot: html, dom, screenshot, warc."""

    __tablename__ = "artifacts"
    __table_args__ = (UniqueConstraint("snapshot_id", "kind", name="uq_artifact_snapshot_kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("page_snapshots.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    path: Mapped[str] = mapped_column(Text)  # relative to the data dir
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    captured_at: Mapped[datetime] = mapped_column(default=utcnow)

    snapshot: Mapped[PageSnapshot] = relationship(back_populates="artifacts")


class Finding(Base):
    """One (rule, subject) on one site: a flag for a reviewer, with every snapshot that showed it.

    What the machine observed (``state``: open while the site's current pages show it, gone when
    they no longer do) is kept apart from what a reviewer decided (``decision``): the machine never
    overwrites a decision, and every change of either is a ``FindingEvent``. URL, snippet, values
    and files always come from one sighting, the ``reference`` (the first fully captured one).
    """

    __tablename__ = "findings"
    __table_args__ = (
        Index("ix_findings_rule_state", "rule", "state"),
        Index("ix_findings_site_rule", "site_id", "rule"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(64), unique=True)  # sha256(rule, site domain, subject)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    rule: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(Text)
    title_vi: Mapped[str] = mapped_column(Text, default="")
    legal_basis: Mapped[str] = mapped_column(Text)
    uncertain: Mapped[str | None] = mapped_column(Text, default=None)
    rules_version: Mapped[str | None] = mapped_column(String(64), default=None)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    state: Mapped[str] = mapped_column(String(16), default="open")  # open | gone
    state_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The snapshot that no longer showed it, when gone.
    gone_snapshot_id: Mapped[int | None] = mapped_column(
        ForeignKey("page_snapshots.id", ondelete="SET NULL"), default=None)
    decision: Mapped[str | None] = mapped_column(String(16), default=None)  # confirmed | dismissed | escalated
    decided_by: Mapped[str | None] = mapped_column(String(128), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    decision_note: Mapped[str | None] = mapped_column(Text, default=None)
    reference_sighting_id: Mapped[int | None] = mapped_column(
        ForeignKey("finding_sightings.id", use_alter=True, name="fk_findings_reference_sighting",
                   ondelete="SET NULL"), default=None)

    site: Mapped[Site] = relationship()
    reference: Mapped[Sighting | None] = relationship(foreign_keys=[reference_sighting_id], post_update=True)
    sightings: Mapped[list[Sighting]] = relationship(
        back_populates="finding", foreign_keys="Sighting.finding_id", order_by="Sighting.seen_at",
        cascade="all, delete-orphan")

    # What every view of a finding shows comes from its reference sighting, never a mix.
    @property
    def url(self) -> str:
        return self.reference.url if self.reference else ""

    @property
    def message(self) -> str:
        return self.reference.message if self.reference else ""

    @property
    def evidence(self) -> dict[str, Any]:
        return self.reference.evidence if self.reference else {}

    @property
    def ad_id(self) -> str | None:
        return self.reference.ad_id if self.reference else None

    @property
    def snapshot(self) -> PageSnapshot | None:
        return self.reference.snapshot if self.reference else None

    @property
    def observed_at(self) -> datetime:
        return self.first_seen_at

    @property
    def status(self) -> str:
        """One word for scripts and the CSV: the decision if a reviewer made one, else the state."""
        return self.decision or self.state


class Sighting(Base):
    """A snapshot that showed a finding: its URL, the exact snippet and CSS path in it, the values compared."""

    __tablename__ = "finding_sightings"
    __table_args__ = (UniqueConstraint("finding_id", "snapshot_id", name="uq_sighting_finding_snapshot"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"), index=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("page_snapshots.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text)  # the snapshot's final URL
    seen_at: Mapped[datetime] = mapped_column()  # when the snapshot was fetched
    message: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)  # snippet, css_path, values compared
    ad_id: Mapped[str | None] = mapped_column(String(128), default=None)
    rules_version: Mapped[str | None] = mapped_column(String(64), default=None)
    # Set when a later judgement of the same snapshot (new rules) no longer raises the finding.
    withdrawn_at: Mapped[datetime | None] = mapped_column(default=None)

    finding: Mapped[Finding] = relationship(back_populates="sightings", foreign_keys=[finding_id])
    snapshot: Mapped[PageSnapshot] = relationship()


class FindingEvent(Base):
    """One change of a finding's machine state or of its reviewer decision: the audit trail."""

    __tablename__ = "finding_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    field: Mapped[str] = mapped_column(String(16))  # state | decision
    old: Mapped[str | None] = mapped_column(String(16), default=None)
    new: Mapped[str | None] = mapped_column(String(16), default=None)
    actor: Mapped[str] = mapped_column(String(128))  # "ecwatch" for the machine, else the reviewer
    reason: Mapped[str | None] = mapped_column(String(64), default=None)
    note: Mapped[str | None] = mapped_column(Text, default=None)
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("page_snapshots.id", ondelete="SET NULL"),
                                                    default=None)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id", ondelete="SET NULL"), default=None)


class PriceObservation(Base):
    """One product as one snapshot showed it: the price history the history rules read.

    Compact on purpose (a year of nightly crawls of 10,000 products is 3.65 M rows): amounts in whole
    đồng, the product's words and CSS path left in the snapshot. One row per (snapshot, product), so
    judging a snapshot again never adds a second observation.
    """

    __tablename__ = "price_observations"
    __table_args__ = (
        UniqueConstraint("snapshot_id", "product_key", name="uq_observation_snapshot_product"),
        Index("ix_observations_site_product_at", "site_id", "product_key", "observed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    product_key: Mapped[str] = mapped_column(String(400))  # detectors.history.product_key
    observed_at: Mapped[datetime] = mapped_column()  # the snapshot's fetch time
    observed_on: Mapped[date] = mapped_column(Date)  # that day in Vietnam: days are counted by it
    price: Mapped[int] = mapped_column(BigInteger)  # đồng
    reference_price: Mapped[int | None] = mapped_column(BigInteger, default=None)
    discount_text: Mapped[str | None] = mapped_column(String(120), default=None)
    in_stock: Mapped[bool | None] = mapped_column(Boolean, default=None)
    deadline: Mapped[datetime | None] = mapped_column(default=None)  # when the page said the offer ends
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("page_snapshots.id", ondelete="CASCADE"))


class RevisitRequest(Base):
    """A page to fetch again later: a deadline it showed is tested on the next visit (PROMO-FAKE-URGENCY).

    The ``revisits`` job (schedules/jobs.py) crawls the due ones and marks them done.
    """

    __tablename__ = "revisit_requests"
    __table_args__ = (UniqueConstraint("snapshot_id", name="uq_revisit_snapshot"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    url: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(64))  # the rule that asked: "PROMO-FAKE-URGENCY"
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime] = mapped_column(index=True)
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("page_snapshots.id", ondelete="SET NULL"),
                                                    default=None)
    done_at: Mapped[datetime | None] = mapped_column(default=None)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id", ondelete="SET NULL"), default=None)


class RegistryRecordRow(Base):
    """Notification/registration records: imported CSVs and portal pages fetched during crawls."""

    __tablename__ = "registry_records"
    __table_args__ = (UniqueConstraint("record_id", "source", name="uq_registry_record_source"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[str] = mapped_column(String(64), index=True)
    domain: Mapped[str] = mapped_column(String(255), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    company: Mapped[str | None] = mapped_column(Text, default=None)
    source: Mapped[str] = mapped_column(String(16), default="csv")
    url: Mapped[str | None] = mapped_column(Text, default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ScheduleLock(Base):
    """A schedule that is running now: the row exists while its run lasts (``schedules.locks``).

    The primary key makes taking the lock an atomic insert on every backend; the lease
    (``expires_at``) frees it if the process holding it died without letting go.
    """

    __tablename__ = "schedule_locks"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    owner: Mapped[str] = mapped_column(String(255))
    run_id: Mapped[int | None] = mapped_column(Integer, default=None)
    acquired_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()


# --- the review app's accounts --------------------------------------------------------------------


class ReviewUser(Base):
    """A person who signs in to the review app. Never deleted: decisions name them."""

    __tablename__ = "review_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # viewer | investigator | admin
    password_hash: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    disabled_at: Mapped[datetime | None] = mapped_column(default=None)
    # The end of the user's previous visit: what the queue's "new since last visit" compares with.
    last_visit_at: Mapped[datetime | None] = mapped_column(default=None)
    last_visit_finding_id: Mapped[int] = mapped_column(Integer, default=0)


class ReviewSession(Base):
    """A signed-in browser. Only the SHA-256 of the cookie's token is stored."""

    __tablename__ = "review_sessions"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("review_users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    # Findings with a higher id are "new since last visit" for this session (the mark at sign-in).
    new_after_finding_id: Mapped[int] = mapped_column(Integer, default=0)
    new_since: Mapped[datetime | None] = mapped_column(default=None)

    user: Mapped[ReviewUser] = relationship()


class LoginThrottle(Base):
    """Failed sign-ins per user name and per client address: repeated failures wait longer each time."""

    __tablename__ = "review_login_throttle"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)  # "user:<name>" | "addr:<ip>"
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(default=utcnow)
    blocked_until: Mapped[datetime | None] = mapped_column(default=None)
