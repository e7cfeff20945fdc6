"""What a judgement changes in the store: findings, their sightings, their state, their history.

A finding is one (rule, subject) on one site. Every snapshot that shows it adds a *sighting* (its URL,
snippet, CSS path and values, from that snapshot only). The machine's ``state`` follows what the site
shows now, meaning its *current* pages, the latest judged snapshot of each URL: ``open`` while one of
them shows the finding, ``gone`` when none does (with the snapshot that no longer shows it), ``open``
again when it comes back. A reviewer's ``decision`` is never touched by the machine. Every change of
either is a ``FindingEvent``.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from sqlalchemy import ColumnElement, Select, and_, func, select, true
from sqlalchemy.orm import Session

from detectors.judge import JUDGED, NOT_HTML, Judgement
from detectors.types import Finding as DetectedFinding

from .models import Artifact, Finding, FindingEvent, PageSnapshot, Sighting, utcnow
from .upsert import insert_unless_present

MACHINE = "ecwatch"  # the actor of machine state changes
OPEN, GONE = "open", "gone"
DECISIONS = ("confirmed", "dismissed", "escalated")
# Snapshots whose judgement says what a URL shows now (a page that could not be judged says nothing).
CURRENT_STATUSES = (JUDGED, NOT_HTML)


class DecisionError(ValueError):
    """A decision a reviewer cannot make (unknown decision, unknown finding); one line."""


def finding_key(rule: str, domain: str, subject: str) -> str:
    return hashlib.sha256(f"{rule}\x1f{domain}\x1f{subject}".encode()).hexdigest()


@dataclass
class Tally:
    """Per rule: findings new, seen again while open, reopened, gone: what a run or a re-judgement did."""

    new: Counter[str] = field(default_factory=Counter)
    still_open: Counter[str] = field(default_factory=Counter)
    reopened: Counter[str] = field(default_factory=Counter)
    gone: Counter[str] = field(default_factory=Counter)
    _seen: set[int] = field(default_factory=set)  # findings counted once per tally, however many pages

    def count(self, kind: str, finding: Finding) -> None:
        if kind in ("new", "reopened"):
            self._seen.add(finding.id)
            getattr(self, kind)[finding.rule] += 1
        elif kind == "still_open" and finding.id not in self._seen:
            self._seen.add(finding.id)
            self.still_open[finding.rule] += 1
        elif kind == "gone":
            self.gone[finding.rule] += 1

    def summary(self) -> dict[str, dict[str, int]]:
        rules = sorted(set(self.new) | set(self.still_open) | set(self.reopened) | set(self.gone))
        return {rule: {"new": self.new[rule], "still_open": self.still_open[rule],
                       "reopened": self.reopened[rule], "gone": self.gone[rule]} for rule in rules}

    def copy(self) -> Tally:
        return Tally(Counter(self.new), Counter(self.still_open), Counter(self.reopened), Counter(self.gone),
                     set(self._seen))

    @property
    def total_new(self) -> int:
        return sum(self.new.values())


# --- recording one judgement ----------------------------------------------------------------------


def record_judgement(session: Session, snapshot: PageSnapshot, judgement: Judgement, *,
                     run_id: int | None = None, tally: Tally | None = None, fresh: bool = False,
                     known: dict[str, int] | None = None) -> list[Finding]:
    """Store what ``judgement`` of ``snapshot`` showed; returns the findings it showed.

    Idempotent: judging the same snapshot again updates its sightings instead of adding some, and
    withdraws the sightings of findings the new judgement no longer raises (a rules change).
    ``fresh``: the snapshot was just stored, so it has no sightings yet (a crawl: nothing to look up).
    ``known``: finding key -> id of findings already stored, kept by the caller across calls.
    """
    tally = tally if tally is not None else Tally()
    snapshot.detected_rules_version = judgement.rules_version
    snapshot.judge_status = judgement.status
    snapshot.judge_note = judgement.note
    if not judgement.findings and fresh:
        return []
    captured = _has_screenshot(session, snapshot.id)
    shown: dict[int, Finding] = {}
    for detected in judgement.findings:
        row = _finding_for(session, snapshot, detected, run_id, tally, known)
        if row.id in shown:
            continue
        shown[row.id] = row
        _sight(session, row, snapshot, detected, captured, fresh)
    if not fresh:
        _withdraw_others(session, snapshot, set(shown))
    session.flush()
    return list(shown.values())


def _finding_for(session: Session, snapshot: PageSnapshot, detected: DetectedFinding, run_id: int | None,
                 tally: Tally, known: dict[str, int] | None) -> Finding:
    key = finding_key(detected.rule, snapshot.site.domain, detected.subject)
    if known is not None and key in known:
        row = session.get(Finding, known[key])  # from the session's identity map after the first time
    else:
        row = session.scalar(_locked_finding(key))
    if row is None:
        row = _new_finding(session, key, snapshot, detected)
        if row is not None:
            _event(session, row, "state", None, OPEN, snapshot=snapshot, run_id=run_id)
            tally.count("new", row)
            if known is not None:
                known[key] = row.id
            return row
        # Another worker of a shared run stored it meanwhile: seen again, not new.
        row = session.scalars(_locked_finding(key)).one()
    if known is not None:
        known[key] = row.id
    _copy_rule(row, detected)
    if row.state == GONE:
        _set_state(session, row, OPEN, snapshot, run_id, note=f"shown again by {snapshot.final_url}")
        tally.count("reopened", row)
    else:
        tally.count("still_open", row)
    if snapshot.fetched_at > row.last_seen_at:
        row.last_seen_at = snapshot.fetched_at
    if snapshot.fetched_at < row.first_seen_at:
        row.first_seen_at = snapshot.fetched_at
    return row


def _locked_finding(key: str) -> Select[tuple[Finding]]:
    """The finding of ``key``, locked on a server database: two workers seeing it at once change its state
    one after the other."""
    return select(Finding).where(Finding.dedup_key == key).with_for_update()


def _new_finding(session: Session, key: str, snapshot: PageSnapshot, detected: DetectedFinding) -> Finding | None:
    """The finding stored as new, or None when its key is taken (by a worker writing beside this one)."""
    at = snapshot.fetched_at
    values = {"severity": detected.severity.value, "title": detected.title, "title_vi": detected.title_vi,
              "legal_basis": detected.legal_basis, "uncertain": detected.uncertain}
    finding_id = insert_unless_present(session, Finding, {
        "dedup_key": key, "site_id": snapshot.site_id, "rule": detected.rule, "subject": detected.subject,
        "first_seen_at": at, "last_seen_at": at, "state": OPEN, "state_at": at, **values}, ["dedup_key"])
    return session.get_one(Finding, finding_id) if finding_id is not None else None


def _copy_rule(row: Finding, detected: DetectedFinding) -> None:
    """The rule row's words as judged now (a rules change updates them); assigned only when they differ,
    so a finding seen on every page of a site is not rewritten on every page."""
    values = {"severity": detected.severity.value, "title": detected.title, "title_vi": detected.title_vi,
              "legal_basis": detected.legal_basis, "uncertain": detected.uncertain}
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)


def _sight(session: Session, finding: Finding, snapshot: PageSnapshot, detected: DetectedFinding,
           captured: bool, fresh: bool) -> Sighting:
    sighting = None if fresh else session.scalar(select(Sighting).where(Sighting.finding_id == finding.id,
                                                                        Sighting.snapshot_id == snapshot.id))
    if sighting is None:
        sighting = Sighting(finding_id=finding.id, snapshot_id=snapshot.id)
        session.add(sighting)
    sighting.url = snapshot.final_url
    sighting.seen_at = snapshot.fetched_at
    sighting.message = detected.message
    sighting.evidence = dict(detected.evidence)
    sighting.ad_id = snapshot.ad_id
    sighting.rules_version = snapshot.detected_rules_version
    sighting.withdrawn_at = None
    finding.rules_version = snapshot.detected_rules_version
    if finding.reference_sighting_id is None or (captured and not _reference_captured(session, finding)):
        session.flush()  # the sighting's id
        finding.reference_sighting_id = sighting.id
    return sighting


def _withdraw_others(session: Session, snapshot: PageSnapshot, shown: set[int]) -> None:
    stale = select(Sighting).where(Sighting.snapshot_id == snapshot.id, Sighting.withdrawn_at.is_(None))
    for sighting in session.scalars(stale):
        if sighting.finding_id not in shown:
            sighting.withdrawn_at = utcnow()
            finding = session.get_one(Finding, sighting.finding_id)
            if finding.reference_sighting_id == sighting.id:
                session.flush()
                finding.reference_sighting_id = choose_reference(session, finding.id)


def _has_screenshot(session: Session, snapshot_id: int) -> bool:
    return session.scalar(select(Artifact.id).where(Artifact.snapshot_id == snapshot_id,
                                                    Artifact.kind == "screenshot")) is not None


def _reference_captured(session: Session, finding: Finding) -> bool:
    reference = session.get(Sighting, finding.reference_sighting_id) if finding.reference_sighting_id else None
    return reference is not None and reference.withdrawn_at is None and _has_screenshot(session, reference.snapshot_id)


def choose_reference(session: Session, finding_id: int) -> int | None:
    """The first fully captured standing sighting (one with a screenshot), else the first standing one."""
    standing = (select(Sighting.id).where(Sighting.finding_id == finding_id, Sighting.withdrawn_at.is_(None))
                .order_by(Sighting.seen_at, Sighting.id))
    captured = standing.join(Artifact, and_(Artifact.snapshot_id == Sighting.snapshot_id,
                                            Artifact.kind == "screenshot"))
    return session.scalar(captured.limit(1)) or session.scalar(standing.limit(1))


# --- machine state ------------------------------------------------------------------------------


def latest_snapshots(*conditions: ColumnElement[bool]) -> Select[tuple[int, int, str]]:
    """(site id, snapshot id, final URL) of the latest snapshot of every URL among those matching ``conditions``."""
    where = and_(true(), *conditions)
    latest = (select(PageSnapshot.site_id, PageSnapshot.final_url, func.max(PageSnapshot.fetched_at).label("at"))
              .where(where).group_by(PageSnapshot.site_id, PageSnapshot.final_url).subquery())
    return (select(PageSnapshot.site_id, PageSnapshot.id, PageSnapshot.final_url)
            .join(latest, and_(PageSnapshot.site_id == latest.c.site_id, PageSnapshot.final_url == latest.c.final_url,
                               PageSnapshot.fetched_at == latest.c.at))
            .where(where).order_by(PageSnapshot.id))


def current_snapshot_ids(session: Session, site_id: int) -> dict[str, int]:
    """The site's current pages: final URL -> the latest snapshot of it whose judgement says what it shows."""
    rows = session.execute(latest_snapshots(PageSnapshot.site_id == site_id,
                                            PageSnapshot.judge_status.in_(CURRENT_STATUSES)))
    return {url: snapshot_id for _site, snapshot_id, url in rows}


def reconcile_sites(session: Session, site_ids: Iterable[int], *, run_id: int | None = None,
                    tally: Tally | None = None) -> Tally:
    """Set each finding of these sites ``open`` or ``gone`` by what their current pages show."""
    tally = tally if tally is not None else Tally()
    for site_id in sorted(set(site_ids)):
        current = current_snapshot_ids(session, site_id)
        shown = set(session.scalars(
            select(Sighting.finding_id).distinct()
            .where(Sighting.snapshot_id.in_(current.values()), Sighting.withdrawn_at.is_(None))))
        for finding in session.scalars(select(Finding).where(Finding.site_id == site_id).order_by(Finding.id)):
            if finding.state == OPEN and finding.id not in shown:
                snapshot = _no_longer_showing(session, finding, current)
                _set_state(session, finding, GONE, snapshot, run_id,
                           note=f"no longer shown by {snapshot.final_url}" if snapshot else "no longer shown")
                tally.count("gone", finding)
            elif finding.state == GONE and finding.id in shown:
                _set_state(session, finding, OPEN, None, run_id, note="shown again by a current page")
                tally.count("reopened", finding)
    session.flush()
    return tally


def _no_longer_showing(session: Session, finding: Finding, current: dict[str, int]) -> PageSnapshot | None:
    """The current snapshot of the URL where the finding was last seen."""
    last = session.scalars(select(Sighting).where(Sighting.finding_id == finding.id)
                           .order_by(Sighting.seen_at.desc(), Sighting.id.desc())).first()
    snapshot_id = current.get(last.url) if last is not None else None
    return session.get(PageSnapshot, snapshot_id) if snapshot_id else None


def _set_state(session: Session, finding: Finding, state: str, snapshot: PageSnapshot | None,
               run_id: int | None, note: str) -> None:
    _event(session, finding, "state", finding.state, state, snapshot=snapshot, run_id=run_id, note=note)
    finding.state = state
    finding.state_at = snapshot.fetched_at if snapshot is not None else utcnow()  # when the site showed it
    finding.gone_snapshot_id = snapshot.id if state == GONE and snapshot is not None else None


def _event(session: Session, finding: Finding, kind: str, old: str | None, new: str | None, *,
           actor: str = MACHINE, snapshot: PageSnapshot | None = None, run_id: int | None = None,
           note: str | None = None, reason: str | None = None) -> FindingEvent:
    # ``at`` is when the change was recorded; the snapshot says when the site showed it.
    event = FindingEvent(finding_id=finding.id, at=utcnow(), field=kind, old=old, new=new, actor=actor,
                         note=note, reason=reason, snapshot_id=snapshot.id if snapshot is not None else None,
                         run_id=run_id)
    session.add(event)
    return event


# --- reviewer decisions -------------------------------------------------------------------------


def decide(session: Session, finding_id: int, decision: str | None, *, actor: str, note: str | None = None,
           reason: str | None = None) -> FindingEvent:
    """Record a reviewer's decision (``None`` reopens it: undecided again). The machine state is untouched."""
    if decision is not None and decision not in DECISIONS:
        raise DecisionError(f"unknown decision {decision!r}: use one of {', '.join(DECISIONS)} (or reopen)")
    if not actor.strip():
        raise DecisionError("a decision needs the reviewer's name")
    finding = session.get(Finding, finding_id)
    if finding is None:
        raise DecisionError(f"no finding with id {finding_id}")
    event = _event(session, finding, "decision", finding.decision, decision, actor=actor, note=note, reason=reason)
    finding.decision = decision
    finding.decided_by = actor if decision else None
    finding.decided_at = event.at if decision else None
    finding.decision_note = note if decision else None
    session.flush()
    return event


def history(session: Session, finding_id: int) -> Sequence[FindingEvent]:
    """Every change of the finding, in the order it was recorded."""
    return session.scalars(select(FindingEvent).where(FindingEvent.finding_id == finding_id)
                           .order_by(FindingEvent.id)).all()
