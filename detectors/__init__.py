"""ecwatch detectors: pure functions from a page (and a registry) to findings for reviewers.

Public API (docs/architecture.md). Nothing here imports Scrapy, SQLAlchemy, APScheduler or
Twisted, nor any other ecwatch package.
"""

from __future__ import annotations

from detectors.calendar import Calendar, CalendarError, Window, load_calendar
from detectors.domains import registrable_domain
from detectors.engine import IMPLEMENTED_RULES, detect
from detectors.explain import Explanation, RuleVerdict, explain
from detectors.history import Observation, observations_of, product_key
from detectors.judge import Judgement, judge_page
from detectors.page import needs_rendering, parse_page
from detectors.portal import PortalLink, parse_portal_link, parse_portal_record, portal_links
from detectors.registry import InMemoryRegistry, RegistryFileError, read_registry_csv
from detectors.rules.history import (
    HISTORY_RULES,
    HistoryRun,
    findings_across,
    history_findings,
    history_since,
    product_series_key,
    series_key,
    wants_revisit,
)
from detectors.rulebook import Rule, Rulebook, RulebookError, default_rulebook, load_rulebook, rules_version
from detectors.types import (
    Context,
    Finding,
    Image,
    Link,
    Offer,
    Page,
    Registry,
    RegistryRecord,
    Severity,
    Signals,
)

__all__ = [
    "Calendar", "CalendarError", "Context", "Explanation", "Finding", "IMPLEMENTED_RULES", "Image", "InMemoryRegistry",
    "Judgement", "judge_page", "HISTORY_RULES", "HistoryRun", "Observation", "findings_across", "history_findings", "history_since", "product_series_key", "series_key",
    "observations_of", "product_key", "wants_revisit",
    "Link", "Offer", "Page", "PortalLink", "Registry", "RegistryFileError", "RegistryRecord", "Rule",
    "RuleVerdict", "Rulebook", "RulebookError", "Severity", "Signals", "Window", "default_rulebook", "detect", "explain",
    "load_calendar", "load_rulebook", "needs_rendering", "parse_page", "parse_portal_link",
    "parse_portal_record", "portal_links", "read_registry_csv", "registrable_domain", "rules_version",
]

