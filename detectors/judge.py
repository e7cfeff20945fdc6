"""One judgement of one page: parse it once, run every rule in force, say what it showed.

``judge_page`` is the single place where a page becomes findings. The crawl, re-judgement,
``ecwatch detect`` and the review app all come through it (through ``storage.judge.Judge`` when
the page is stored). It is pure: bytes and a context in, a ``Judgement`` out. A page that cannot
be judged (not HTML, a parser or rule crash on hostile markup) gives a ``Judgement`` that says why,
never an exception: one page must not stop the others.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from detectors.engine import detect
from detectors.history import Observation, observations_of
from detectors.page.model import looks_like_html, needs_rendering, parse_page
from detectors.portal import PortalLink, portal_links
from detectors.rulebook import Rulebook, default_rulebook
from detectors.types import Context, Finding, Page

__all__ = ["JUDGED", "NOT_HTML", "NOT_JUDGED", "Judgement", "judge_page"]

logger = logging.getLogger(__name__)

JUDGED, NOT_HTML, NOT_JUDGED = "judged", "not_html", "not_judged"


@dataclass(frozen=True)
class Judgement:
    """What one page showed on one date under one version of the rules."""

    url: str
    on: date
    rules_version: str
    status: str  # JUDGED | NOT_HTML | NOT_JUDGED
    findings: tuple[Finding, ...] = ()
    note: str | None = None  # why the page was not judged, or what was left out of a page judged
    needs_rendering: bool = False  # a browser may show more (detectors.page.needs_rendering)
    record_links: tuple[PortalLink, ...] = ()  # the page's links to portal records, for the crawler to resolve
    # What the page offered, product by product, for the price history (when the visit's time was given).
    observations: tuple[Observation, ...] = ()

    @property
    def judged(self) -> bool:
        return self.status == JUDGED


def judge_page(content: bytes | str, url: str, context: Context, *, rulebook: Rulebook | None = None,
               content_type: str | None = None, encoding: str | None = None,
               observed_at: datetime | None = None) -> tuple[Judgement, Page | None]:
    """Judge ``content`` fetched from ``url`` (the final URL) as of ``context.on``.

    ``content_type`` is the response's Content-Type, if known: a body that is not HTML is not judged.
    ``observed_at`` (aware), when the page was fetched: the judgement then carries its price observations.
    Returns the judgement and the page model it was made from (``None`` when the page was not parsed).
    """
    rulebook = rulebook or default_rulebook()
    version = rulebook.digest
    if not looks_like_html(content_type, content):
        return Judgement(url, context.on, version, NOT_HTML, note=f"not HTML ({content_type or 'no type'})"), None
    try:
        page = parse_page(content, url, encoding=encoding)
        findings = tuple(detect(page, context, rulebook=rulebook))
        observations = observations_of(page, observed_at) if observed_at is not None else ()
        return Judgement(url, context.on, version, JUDGED, findings, note=page.parse_note,
                         needs_rendering=needs_rendering(page), record_links=tuple(portal_links(page)),
                         observations=observations), page
    except (RecursionError, MemoryError, ValueError, TypeError, LookupError, ArithmeticError) as exc:
        # Hostile or broken markup that beat a parser or a rule: recorded, never raised.
        logger.warning("Could not judge %s: %s: %s", url, type(exc).__name__, exc)
        return Judgement(url, context.on, version, NOT_JUDGED, note=f"{type(exc).__name__}: {exc}"[:500]), None
