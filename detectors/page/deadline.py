"""The deadline a page announces for its offer: a countdown or an "ends at" time.

Read in this order, the first one found wins:

1. a countdown as rendered text: "Kết thúc sau 02:15:30", "Còn lại 1 ngày 02 giờ 15 phút 30 giây",
   "Ends in 02:15:30" (relative: the deadline is the visit's time plus the time left);
2. an end time in words: "Kết thúc lúc 23:59 ngày 30/11/2026", "kết thúc vào 23:59 30/11",
   "Kết thúc vào ngày 30/11/2026 lúc 23:59" (a day without a year is the visit's year, a time
   without a day the visit's day, in Vietnam);
3. the countdown widgets' attributes: ``data-countdown``, ``data-end``, ``data-end-time``,
   ``data-deadline``, ``data-expire``… holding an epoch (s or ms), an ISO or "YYYY/MM/DD HH:MM:SS"
   time, or the seconds left;
4. ``new Date("…")`` / ``new Date(1764…)`` in a script that mentions a countdown or timer.

The page is hostile input: values are bounded, and an unreadable or absurd value is ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Iterator
from zoneinfo import ZoneInfo

__all__ = ["Deadline", "page_deadline"]

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
# A countdown longer than this is not urgency; an "ends at" further than this is not read as one.
_MAX_AHEAD = timedelta(days=366)
_MAX_SCAN = 2_000_000  # characters of HTML scanned for attributes and scripts

_LEAD = r"(?:k[eế]t\s*th[uú]c\s*(?:sau|trong)|c[oò]n\s*l[aạ]i|ch[iỉ]\s*c[oò]n|ends?\s*in|ending\s*in|time\s*left)"
_RELATIVE = re.compile(
    _LEAD + r"\s*:?\s*(?:(\d{1,3})\s*(?:ng[aà]y|days?|d)\s*,?\s*)?"
    r"(\d{1,2})\s*(?::|gi[oờ]|h)\s*(\d{1,2})\s*(?::|ph[uú]t|m)\s*(\d{1,2})(?!\d)",
    re.IGNORECASE)
_TIME = r"(\d{1,2})\s*[:h]\s*(\d{2})"
_DAY = r"(\d{1,2})\s*[/-]\s*(\d{1,2})(?:\s*[/-]\s*(\d{4}|\d{2}))?"
_END = r"(?:k[eế]t\s*th[uú]c|h[eế]t\s*h[aạ]n|ends?|expires?)"
_AT_TIME_FIRST = re.compile(
    _END + r"\s*(?:l[uú]c|v[aà]o|at|on)?\s*:?\s*" + _TIME + r"(?:\s*(?:ng[aà]y|,)?\s*" + _DAY + r")?",
    re.IGNORECASE)
_AT_DAY_FIRST = re.compile(
    _END + r"\s*(?:l[uú]c|v[aà]o|at|on)?\s*(?:ng[aà]y)?\s*:?\s*" + _DAY + r"(?:\s*(?:l[uú]c|,|at)?\s*" + _TIME + r")?",
    re.IGNORECASE)
_ATTRIBUTE = re.compile(
    r"""data-(?:countdown|count-down|end|end-?time|end-?date|date-end|time-end|deadline|expire[sd]?|expiry)"""
    r"""\s*=\s*["']([^"'<>]{1,40})["']""", re.IGNORECASE)
_SCRIPT_OPEN = re.compile(r"<script\b[^>]{0,500}>", re.IGNORECASE)
_SCRIPT_CLOSE = re.compile(r"</script\s*>", re.IGNORECASE)
_MAX_SCRIPT = 20_000  # characters of one script read
_TIMER_WORDS = re.compile(r"count\s*-?\s*down|timer|flash\s*-?\s*sale|deadline", re.IGNORECASE)
_NEW_DATE = re.compile(r"""new\s+Date\(\s*(?:["']([^"']{8,40})["']|(\d{10,13}))\s*\)""")


@dataclass(frozen=True)
class Deadline:
    """When the offer is said to end, how that was read, and the words or markup it was read from."""

    at: datetime  # aware
    how: str  # "countdown" | "end-time" | "attribute" | "script"
    quote: str


def page_deadline(text: str, html: str, observed_at: datetime) -> Deadline | None:
    """The deadline ``text`` (the page's visible text) or ``html`` announces, seen at ``observed_at`` (aware)."""
    for found in (_countdown(text, observed_at), _end_time(text, observed_at), _attribute(html, observed_at),
                  _script(html, observed_at)):
        if found is not None and observed_at - timedelta(days=1) <= found.at <= observed_at + _MAX_AHEAD:
            return found
    return None


def _countdown(text: str, observed_at: datetime) -> Deadline | None:
    match = _RELATIVE.search(text)
    if match is None:
        return None
    days, hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    if minutes > 59 or seconds > 59:
        return None
    left = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    return Deadline(observed_at + left, "countdown", match.group(0))


def _end_time(text: str, observed_at: datetime) -> Deadline | None:
    local = observed_at.astimezone(VIETNAM)
    match = _AT_TIME_FIRST.search(text)
    if match is not None:
        hour, minute, day, month, year = match.groups()
        at = _local(local, hour, minute, day, month, year)
        if at is not None:
            return Deadline(at, "end-time", match.group(0))
    match = _AT_DAY_FIRST.search(text)
    if match is not None:
        day, month, year, hour, minute = match.groups()
        at = _local(local, hour or "23", minute or "59", day, month, year)
        if at is not None:
            return Deadline(at, "end-time", match.group(0))
    return None


def _local(local: datetime, hour: str, minute: str, day: str | None, month: str | None,
           year: str | None) -> datetime | None:
    full_year = local.year if not year else int(year) + (2000 if len(year) == 2 else 0)
    try:
        return datetime(full_year, int(month) if month else local.month, int(day) if day else local.day,
                        int(hour), int(minute), tzinfo=VIETNAM)
    except ValueError:  # 31/02, 25:00: not a time
        return None


def _attribute(html: str, observed_at: datetime) -> Deadline | None:
    for match in _ATTRIBUTE.finditer(html, 0, _MAX_SCAN):
        at = _moment(match.group(1).strip(), observed_at)
        if at is not None:
            return Deadline(at, "attribute", match.group(0))
    return None


def _scripts(html: str) -> Iterator[str]:
    """The bodies of the page's scripts, each cut at ``_MAX_SCRIPT``: one pass over the markup, however
    many unclosed ``<script`` a hostile page holds."""
    position = 0
    for opening in _SCRIPT_OPEN.finditer(html, 0, _MAX_SCAN):
        if opening.start() < position:
            continue
        closing = _SCRIPT_CLOSE.search(html, opening.end(), _MAX_SCAN)
        if closing is None:
            return
        yield html[opening.end():min(closing.start(), opening.end() + _MAX_SCRIPT)]
        position = closing.end()


def _script(html: str, observed_at: datetime) -> Deadline | None:
    for body in _scripts(html):
        if not _TIMER_WORDS.search(body):
            continue
        for match in _NEW_DATE.finditer(body):
            at = _moment(match.group(1) or match.group(2), observed_at)
            if at is not None:
                return Deadline(at, "script", match.group(0))
    return None


def _moment(value: str, observed_at: datetime) -> datetime | None:
    """An epoch (s or ms), an ISO or slash-separated time (naive = Vietnam), or seconds left."""
    if value.isdigit():
        number = int(value)
        if len(value) == 13:
            return datetime.fromtimestamp(number / 1000, timezone.utc)
        if len(value) == 10:
            return datetime.fromtimestamp(number, timezone.utc)
        if number <= _MAX_AHEAD.total_seconds():
            return observed_at + timedelta(seconds=number)
        return None
    candidate = value.replace("/", "-").replace("Z", "+00:00")
    if re.fullmatch(r"\d{1,2}-\d{1,2}-\d{4}.*", candidate):  # DD-MM-YYYY, as Vietnamese pages write it
        day, month, rest = candidate.split("-", 2)
        candidate = f"{rest[:4]}-{int(month):02d}-{int(day):02d}{rest[4:]}"
    try:
        parsed = datetime.fromisoformat(candidate)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=VIETNAM)
