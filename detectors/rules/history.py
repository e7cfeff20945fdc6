"""Rules over a product's price history: what no single page can show.

Each check reads one product's series (``Observation``s, oldest first) and judges its *last*
observation, the visit being judged now, against the visits before it; the rule row in force on that
visit's day decides, so a series is judged by the law of each of its days.

- PROMO-FAKE-REF: the advertised reference price is above every price charged in the preceding
  ``lookback_days``, observed there on at least ``min_observations`` distinct days (legal-rules §2.6).
- PROMO-DUR-120: the product was seen discounted on more than ``max_days_per_year`` distinct days of
  the calendar year, days inside concentrated-promotion windows and days the rule was not law
  (from 26/06/2026) not counted. Days between crawls are unknown: the count is a lower bound.
- PROMO-FAKE-URGENCY: the deadline announced now lies later than the one an earlier visit read, by
  more than ``min_shift_minutes``, while price and reference stayed the same (the revisit method).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Iterable, Mapping, Sequence

from detectors.domains import registrable_domain
from detectors.history import VIETNAM, Observation
from detectors.rulebook import Rule, Rulebook
from detectors.rules.base import make_finding, short_hash
from detectors.types import Finding

__all__ = ["HISTORY_RULES", "HistoryRun", "findings_across", "history_findings", "history_since",
           "product_series_key", "series_key", "wants_revisit"]

FAKE_REF, DUR_120, URGENCY = "PROMO-FAKE-REF", "PROMO-DUR-120", "PROMO-FAKE-URGENCY"
HISTORY_RULES = frozenset({FAKE_REF, DUR_120, URGENCY})
MAX_SERIES_IN_EVIDENCE = 60


@dataclass(frozen=True)
class HistoryRun:
    """The rules, and the day judged (by default the last observation's day, in Vietnam)."""

    rulebook: Rulebook
    on: date | None = None
    provinces: tuple[str, ...] = ()
    notes: dict[str, list[str]] = field(default_factory=dict, compare=False, repr=False)

    def rule(self, rule_id: str, day: date) -> Rule | None:
        return self.rulebook.rule_on(rule_id, self.on or day)

    def note(self, rule_id: str, reason: str) -> None:
        self.notes.setdefault(rule_id, []).append(reason)


def history_since(rulebook: Rulebook, on: date) -> date:
    """The first day a series must reach back to for the rules in force on ``on``."""
    since = on
    for rule_id in (FAKE_REF, URGENCY):
        rule = rulebook.rule_on(rule_id, on)
        if rule is not None:
            since = min(since, on - timedelta(days=int(rule.decimal("lookback_days"))))
    if rulebook.rule_on(DUR_120, on) is not None:
        since = min(since, date(on.year, 1, 1))
    return since


def history_findings(series: Sequence[Observation], run: HistoryRun) -> list[Finding]:
    """The findings the last observation of ``series`` (one product, oldest first) raises."""
    if not series:
        return []
    last = series[-1]
    earlier = [o for o in series[:-1] if o.observed_at < last.observed_at]
    found = [check(last, earlier, run) for check in (_fake_reference, _over_120_days, _reset_deadline)]
    return [f for f in found if f is not None]


def wants_revisit(observation: Observation, run: HistoryRun) -> timedelta | None:
    """How long after this visit the page should be seen again to test its deadline, if it shows one."""
    rule = run.rule(URGENCY, observation.on)
    if rule is None or observation.deadline is None:
        return None
    return timedelta(hours=float(rule.decimal("revisit_after_hours")))


# --- PROMO-FAKE-REF ---------------------------------------------------------------------------------------


def _fake_reference(last: Observation, earlier: list[Observation], run: HistoryRun) -> Finding | None:
    rule = run.rule(FAKE_REF, last.on)
    reference = last.reference_price
    if rule is None or reference is None or reference <= last.price:
        return None
    lookback = int(rule.decimal("lookback_days"))
    start = last.on - timedelta(days=lookback)
    window = [o for o in earlier if o.on >= start]
    needed = int(rule.decimal("min_observations"))
    days = len({o.on for o in window})  # a product on two pages of one crawl, or a revisit, is one day seen
    if days < needed:
        run.note(FAKE_REF, f"{last.product_key}: observed on {days} day(s) in the {lookback} days before "
                           f"{last.on:%d/%m/%Y}, fewer than {needed}")
        return None
    highest = max(o.price for o in window)
    if reference <= highest:
        run.note(FAKE_REF, f"{last.product_key}: reference {reference} was charged (highest {highest}) "
                           f"in the window")
        return None
    return make_finding(
        rule,
        message=(f"Reference price {_vnd(reference)} is above every price charged in the {lookback} days before "
                 f"{last.on:%d/%m/%Y} (highest {_vnd(highest)}; {len(window)} observations on {days} days)."),
        evidence={**_offer_evidence(last), "reference_price": str(reference), "price": str(last.price),
                  "max_price_charged": str(highest), "window_start": start.isoformat(),
                  "window_end": last.on.isoformat(), "observations": len(window), "days_observed": days,
                  "lookback_days": lookback, "min_observations": needed, "series": _series(window + [last])},
        subject=f"history:fake-ref:{last.product_key}:{short_hash(reference)}",
    )


# --- PROMO-DUR-120 ----------------------------------------------------------------------------------------


def _over_120_days(last: Observation, earlier: list[Observation], run: HistoryRun) -> Finding | None:
    rule = run.rule(DUR_120, last.on)
    if rule is None or not last.discounted:
        return None
    year = last.on.year
    days = sorted({o.on for o in [*earlier, last] if o.discounted and o.on.year == year and o.on <= last.on})
    in_windows = [d for d in days if run.rulebook.calendar.active_on(d, run.provinces)]
    not_law = [d for d in days if d not in in_windows and run.rulebook.rule_on(DUR_120, d) is None]
    counted = [d for d in days if d not in in_windows and d not in not_law]
    limit = int(rule.decimal("max_days_per_year"))
    if len(counted) <= limit:
        run.note(DUR_120, f"{last.product_key}: {len(counted)} day(s) discounted in {year}, not above {limit}")
        return None
    return make_finding(
        rule,
        message=(f"Discounted on {len(counted)} distinct days of {year} (more than {limit}; "
                 f"{len(in_windows)} day(s) in concentrated-promotion windows not counted)."),
        evidence={**_offer_evidence(last), "year": year, "days_counted": len(counted),
                  "max_days_per_year": limit, "days_in_windows": len(in_windows), "days_not_in_force": len(not_law),
                  "first_day": counted[0].isoformat(), "last_day": counted[-1].isoformat(),
                  "counted_ranges": _ranges(counted), "price": str(last.price),
                  "reference_price": str(last.reference_price) if last.reference_price is not None else None},
        subject=f"history:dur-120:{last.product_key}:{year}",
        uncertain=["Counted per product, not per brand; only crawled days are counted (a lower bound)."],
    )


def _ranges(days: list[date]) -> list[str]:
    """Consecutive days as "2026-01-05/2026-02-10" ranges, for a reviewer to read."""
    ranges: list[list[date]] = []
    for day in days:
        if ranges and day - ranges[-1][1] == timedelta(days=1):
            ranges[-1][1] = day
        else:
            ranges.append([day, day])
    return [a.isoformat() if a == b else f"{a.isoformat()}/{b.isoformat()}" for a, b in ranges]


# --- PROMO-FAKE-URGENCY -----------------------------------------------------------------------------------


def _reset_deadline(last: Observation, earlier: list[Observation], run: HistoryRun) -> Finding | None:
    rule = run.rule(URGENCY, last.on)
    if rule is None or last.deadline is None:
        return None
    start = last.observed_at - timedelta(days=int(rule.decimal("lookback_days")))
    same_offer = [o for o in earlier if o.deadline is not None and o.observed_at >= start
                  and o.price == last.price and o.reference_price == last.reference_price]
    if not same_offer:
        return None
    before = same_offer[-1]
    assert before.deadline is not None
    shift = last.deadline - before.deadline
    if shift <= timedelta(minutes=float(rule.decimal("min_shift_minutes"))):
        run.note(URGENCY, f"{last.product_key}: the deadline did not move later ({_minutes(shift)} min)")
        return None
    return make_finding(
        rule,
        message=(f"The deadline moved {_minutes(shift)} minutes later between visits "
                 f"({_local(before.deadline)} → {_local(last.deadline)}) while the offer stayed "
                 f"{_vnd(last.price)}" + (f" (reference {_vnd(last.reference_price)})." if last.reference_price else ".")),
        evidence={**_offer_evidence(last), "price": str(last.price),
                  "reference_price": str(last.reference_price) if last.reference_price is not None else None,
                  "earlier_visit": before.observed_at.isoformat(timespec="seconds"),
                  "earlier_deadline": before.deadline.isoformat(timespec="seconds"),
                  "earlier_deadline_quote": before.deadline_quote, "deadline_quote": last.deadline_quote,
                  "visit": last.observed_at.isoformat(timespec="seconds"),
                  "deadline": last.deadline.isoformat(timespec="seconds"), "shift_minutes": _minutes(shift),
                  "series": _series([before, last])},
        subject=f"history:urgency:{last.product_key}:{short_hash(last.price, last.reference_price)}",
    )


def _vnd(amount: Decimal) -> str:
    """``1400000`` → ``1.400.000₫``, as the shops write it."""
    return f"{amount:,.0f}".replace(",", ".") + "₫"


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def _local(moment: datetime) -> str:
    return moment.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M")


# --- evidence ---------------------------------------------------------------------------------------------


def _offer_evidence(last: Observation) -> dict[str, Any]:
    return {"snippet": last.snippet, "css_path": last.css_path, "product_key": last.product_key,
            "name": last.name, "url": last.url, "date": last.on.isoformat()}


def _series(observations: Iterable[Observation]) -> list[dict[str, Any]]:
    described = [o.describe() for o in observations]
    return described[-MAX_SERIES_IN_EVIDENCE:]


def findings_across(observations: Sequence[Observation], run: HistoryRun,
                    earlier: Mapping[str, Sequence[Observation]] | None = None) -> list[list[Finding]]:
    """For each observation of a batch (any products, any order), the history findings it raises given
    every observation of its product (same site, same key) seen before it: in the batch, and in
    ``earlier`` (stored history, by ``series_key``). Visits at the same moment keep the batch's order."""
    by_product: dict[str, list[tuple[int, Observation]]] = {}
    for index, observation in enumerate(observations):
        by_product.setdefault(series_key(observation), []).append((index, observation))
    found: list[list[Finding]] = [[] for _ in observations]
    for key, members in by_product.items():
        members.sort(key=lambda pair: (pair[1].observed_at, pair[0]))
        stored = list((earlier or {}).get(key, ()))
        for position, (index, observation) in enumerate(members):
            before = [o for o in stored if o.observed_at < observation.observed_at]
            series = before + [o for _, o in members[:position]] + [observation]
            found[index] = history_findings(sorted(series[:-1], key=lambda o: o.observed_at) + [observation], run)
    return found


def series_key(observation: Observation) -> str:
    """A product across a batch: its site (registrable domain) and its key."""
    return product_series_key(registrable_domain(observation.url), observation.product_key)


def product_series_key(domain: str, product_key: str) -> str:
    return f"{domain}\x1f{product_key}"
