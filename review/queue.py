"""The queue: the reviewer's filter (from the URL), the page of findings grouped by site, the counts per
rule, and a finding's neighbours in the queue's order (for "next")."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import date, timedelta
from typing import Any, Mapping
from urllib.parse import urlencode

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session, selectinload

from storage.exports import parse_since
from storage.findings import DECISIONS
from storage.models import Finding, PageSnapshot, Sighting, Site
from storage.repository import STATES, FindingFilter, filtered

SEVERITIES = ("high", "medium", "low")
DECISION_FILTERS = ("undecided", *DECISIONS)
SORTS = ("severity", "oldest", "newest")
PER_PAGE = 100
SEVERITY_RANK = case((Finding.severity == "high", 0), (Finding.severity == "medium", 1), else_=2)


def _day(text: str) -> str:
    """A day typed as dd/mm/yyyy (as the interface shows dates) or YYYY-MM-DD, as YYYY-MM-DD; else ''."""
    text = text.strip()
    try:
        if "/" in text:
            day, month, year = (int(part) for part in text.split("/"))
            return date(year, month, day).isoformat()
        return date.fromisoformat(text).isoformat()
    except ValueError:
        return ""


def shown_day(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%d/%m/%Y") if iso else ""


@dataclass(frozen=True)
class QueueFilter:
    """What the reviewer asked for, as the query string says it; anything malformed is ignored."""

    rule: str = ""
    state: str = ""
    decision: str = ""
    site: str = ""
    date_from: str = ""  # YYYY-MM-DD, a day in Viet Nam
    date_to: str = ""  # inclusive
    severity: str = ""
    new: bool = False
    sort: str = "severity"
    page: int = 1

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> QueueFilter:
        def one_of(name: str, allowed: tuple[str, ...], default: str = "") -> str:
            value = params.get(name, "")
            return value if value in allowed else default

        page = params.get("page", "1")
        return cls(
            rule=params.get("rule", "").strip()[:64], site=params.get("site", "").strip().lower()[:255],
            state=one_of("state", STATES), decision=one_of("decision", DECISION_FILTERS),
            severity=one_of("severity", SEVERITIES), date_from=_day(params.get("from", "")),
            date_to=_day(params.get("to", "")), new=params.get("new") == "1",
            sort=one_of("sort", SORTS, "severity"), page=int(page) if page.isdigit() and int(page) > 0 else 1,
        )

    def finding_filter(self, new_after: int) -> FindingFilter:
        until = (parse_since((date.fromisoformat(self.date_to) + timedelta(days=1)).isoformat())
                 if self.date_to else None)
        return FindingFilter(rule=self.rule or None, site=self.site or None, state=self.state or None,
                             decision=self.decision or None, severity=self.severity or None,
                             since=parse_since(self.date_from) if self.date_from else None, until=until,
                             after_id=new_after if self.new else None)

    def params(self, **changes: Any) -> dict[str, str]:
        """The non-default fields as query parameters (``from``/``to`` for the dates)."""
        current = replace(self, **changes)
        out: dict[str, str] = {}
        for item in fields(current):
            value, default = getattr(current, item.name), item.default
            if value != default:
                name = {"date_from": "from", "date_to": "to"}.get(item.name, item.name)
                out[name] = "1" if value is True else str(value)
        return out

    def query(self, **changes: Any) -> str:
        params = self.params(**changes)
        return "?" + urlencode(params) if params else ""

    @property
    def is_default(self) -> bool:
        return not self.params(page=1)


def ordered(query: Select[Any], sort: str) -> Select[Any]:
    if sort == "oldest":
        return query.order_by(Finding.first_seen_at, Finding.id)
    if sort == "newest":
        return query.order_by(Finding.first_seen_at.desc(), Finding.id.desc())
    return query.order_by(SEVERITY_RANK, Finding.first_seen_at, Finding.id)


@dataclass
class RuleGroup:
    rule: str
    findings: list[Finding]


@dataclass
class SiteGroup:
    domain: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def rule_groups(self) -> list[RuleGroup]:
        """Rules with more than one finding here: one decision can cover them."""
        by_rule: dict[str, list[Finding]] = {}
        for finding in self.findings:
            by_rule.setdefault(finding.rule, []).append(finding)
        return [RuleGroup(rule, items) for rule, items in by_rule.items() if len(items) > 1]


@dataclass
class QueuePage:
    total: int
    pages: int
    groups: list[SiteGroup]


def queue_page(session: Session, qf: QueueFilter, new_after: int) -> QueuePage:
    flt = qf.finding_filter(new_after)
    base = filtered(select(Finding).join(Site, Finding.site_id == Site.id), flt)
    total = session.scalar(filtered(select(func.count(Finding.id)).join(Site, Finding.site_id == Site.id), flt)) or 0
    pages = max(1, -(-total // PER_PAGE))
    query = (ordered(base, qf.sort).offset((min(qf.page, pages) - 1) * PER_PAGE).limit(PER_PAGE)
             .options(selectinload(Finding.site), selectinload(Finding.reference)))
    groups: dict[str, SiteGroup] = {}
    for finding in session.scalars(query):
        groups.setdefault(finding.site.domain, SiteGroup(finding.site.domain)).findings.append(finding)
    return QueuePage(total, pages, list(groups.values()))


@dataclass
class RuleCount:
    rule: str
    counts: dict[str, int]  # open, gone, undecided, confirmed, dismissed, escalated, total


def rule_counts(session: Session, qf: QueueFilter, new_after: int) -> list[RuleCount]:
    """Per rule, findings by state and by decision, under the filter's other fields (site, dates...)."""
    flt = replace(qf, rule="", state="", decision="").finding_filter(new_after)
    query = filtered(select(Finding.rule, Finding.state, Finding.decision, func.count(Finding.id))
                     .join(Site, Finding.site_id == Site.id), flt)
    table: dict[str, dict[str, int]] = {}
    for rule, state, decision, count in session.execute(query.group_by(Finding.rule, Finding.state,
                                                                        Finding.decision)):
        row = table.setdefault(rule, dict.fromkeys((*STATES, *DECISION_FILTERS, "total"), 0))
        row[state] = row.get(state, 0) + count
        row[decision or "undecided"] += count
        row["total"] += count
    return [RuleCount(rule, table[rule]) for rule in sorted(table)]


def neighbours(session: Session, qf: QueueFilter, new_after: int, finding_id: int) -> tuple[int | None, int | None]:
    """The findings before and after this one in the queue's order (None at either end, or if not in it)."""
    flt = qf.finding_filter(new_after)
    ids = list(session.scalars(ordered(filtered(select(Finding.id).join(Site, Finding.site_id == Site.id), flt),
                                       qf.sort)))
    if finding_id not in ids:
        return None, ids[0] if ids else None
    at = ids.index(finding_id)
    return (ids[at - 1] if at > 0 else None), (ids[at + 1] if at + 1 < len(ids) else None)


def known_rules(session: Session) -> list[str]:
    return list(session.scalars(select(Finding.rule).distinct().order_by(Finding.rule)))


def known_sites(session: Session) -> list[str]:
    return list(session.scalars(select(Site.domain).join(Finding, Finding.site_id == Site.id).distinct()
                                .order_by(Site.domain)))


def site_findings(session: Session, site_id: int, but: int) -> list[Finding]:
    query = (select(Finding).where(Finding.site_id == site_id, Finding.id != but)
             .options(selectinload(Finding.reference).selectinload(Sighting.snapshot)
                      .selectinload(PageSnapshot.artifacts)))
    return list(session.scalars(ordered(query, "severity")))
