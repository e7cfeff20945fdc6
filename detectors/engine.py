"""``detect(page, context)``: run every enabled, in-date rule over one page.

Checks are plain functions ``(Page, RuleRun) -> Iterable[Finding]``; each asks the rulebook for
the row of its rule in force on ``Context.on`` and does nothing when there is none (disabled, or
outside ``valid_from``/``valid_to``). Site checks judge the operator (registration, badges);
promotion checks judge what a page offers, so they skip a page that publishes and sells nothing
(news, blogs, link hubs: ``Signals.publisher``), whose prices and draws are somebody else's.
"""

from __future__ import annotations

import dataclasses

from detectors.grouping import group_crowds
from detectors.rulebook import Rulebook, default_rulebook
from detectors.rules.banned import check_banned_goods
from detectors.rules.base import Check, RuleRun
from detectors.rules.discount import check_discounts, check_gifts
from detectors.rules.info import check_promotion_info
from detectors.rules.lucky import check_lottery_results, check_lucky_draws
from detectors.rules.notify import check_notification
from detectors.rules.platform import check_badges, check_registration
from detectors.types import Context, Finding, Page

__all__ = ["CHECKS", "IMPLEMENTED_RULES", "PROMOTION_CHECKS", "SITE_CHECKS", "detect", "run_checks"]

SITE_CHECKS: tuple[Check, ...] = (
    check_badges,
    check_registration,
)
PROMOTION_CHECKS: tuple[Check, ...] = (
    check_discounts,
    check_gifts,
    check_banned_goods,
    check_lucky_draws,
    check_lottery_results,
    check_promotion_info,
    check_notification,
)
CHECKS: tuple[Check, ...] = SITE_CHECKS + PROMOTION_CHECKS
# The rule ids the checks above can emit: every one needs rows in detectors/rules/*.toml.
IMPLEMENTED_RULES = frozenset({
    "ECOM-NOTIFY-MISSING", "ECOM-REG-MISSING", "ECOM-BADGE-FAKE", "ECOM-BADGE-TYPE", "ECOM-FOREIGN",
    "PROMO-DISC-50", "PROMO-GIFT-50", "PROMO-BANNED-GOODS", "PROMO-LUCKY-REG", "PROMO-LUCKY-LOTTERY",
    "PROMO-INFO-MISSING", "PROMO-NOTIFY",
})
PUBLISHER_NOTE = "the page publishes (news, blog, price comparison, link hub) and sells nothing itself: " \
    "its prices, goods and draws are quoted, not promoted by this site"


def detect(page: Page, context: Context, *, rulebook: Rulebook | None = None) -> list[Finding]:
    """Findings for one page, one per (rule, subject), ordered by rule id then page order.

    ``rulebook`` defaults to the bundled rules; callers honouring ``ECWATCH_RULES_DIR`` /
    ``ECWATCH_CALENDAR_FILE`` load one with ``load_rulebook(environ=os.environ)`` and pass it.
    """
    return run_checks(page, RuleRun(context=context, rulebook=rulebook or default_rulebook()))


def run_checks(page: Page, run: RuleRun) -> list[Finding]:
    """The findings of every check over ``page`` in ``run`` (``detect`` and ``explain`` share it)."""
    checks = CHECKS
    if page.signals.publisher:
        checks = SITE_CHECKS
        for rule_id in sorted(run.rulebook.ids()):
            if rule_id.startswith("PROMO-"):
                run.note(rule_id, PUBLISHER_NOTE)
    seen: dict[tuple[str, str], Finding] = {}
    for check in checks:
        for finding in check(page, run):
            seen.setdefault((finding.rule, finding.subject), finding)
    # A page with hundreds of findings of a rule (a listing of "-70 %" products) gets one per section.
    findings = sorted(group_crowds(seen.values()), key=lambda f: f.rule)
    if page.encoding_repair:
        # A reviewer must know the text quoted was repaired before it was read.
        findings = [dataclasses.replace(f, evidence={**f.evidence, "encoding_repair": page.encoding_repair})
                    for f in findings]
    return findings
