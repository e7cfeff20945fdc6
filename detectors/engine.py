"""``detect(page, context)``: run every enabled, in-date rule over one page.

Checks are plain functions ``(Page, RuleRun) -> Iterable[Finding]`` listed in ``CHECKS``;
each asks the rulebook for the row of its rule in force on ``Context.on`` and does nothing
when there is none (disabled, or outside ``valid_from``/``valid_to``).
"""

from __future__ import annotations

from detectors.rulebook import Rulebook, default_rulebook
from detectors.rules.banned import check_banned_goods
from detectors.rules.base import Check, RuleRun
from detectors.rules.discount import check_discounts, check_gifts
from detectors.rules.info import check_promotion_info
from detectors.rules.lucky import check_lottery_results, check_lucky_draws
from detectors.rules.notify import check_notification
from detectors.rules.platform import check_badges, check_registration
from detectors.types import Context, Finding, Page

__all__ = ["CHECKS", "IMPLEMENTED_RULES", "detect"]

CHECKS: tuple[Check, ...] = (
    check_badges,
    check_registration,
    check_discounts,
    check_gifts,
    check_banned_goods,
    check_lucky_draws,
    check_lottery_results,
    check_promotion_info,
    check_notification,
)
# The rule ids the checks above can emit: every one needs rows in detectors/rules/*.toml.
IMPLEMENTED_RULES = frozenset({
    "ECOM-NOTIFY-MISSING", "ECOM-REG-MISSING", "ECOM-BADGE-FAKE", "ECOM-BADGE-TYPE", "ECOM-FOREIGN",
    "PROMO-DISC-50", "PROMO-GIFT-50", "PROMO-BANNED-GOODS", "PROMO-LUCKY-REG", "PROMO-LUCKY-LOTTERY",
    "PROMO-INFO-MISSING", "PROMO-NOTIFY",
})


def detect(page: Page, context: Context, *, rulebook: Rulebook | None = None) -> list[Finding]:
    """Findings for one page, one per (rule, subject), ordered by rule id then page order.

    ``rulebook`` defaults to the bundled rules; callers honouring ``ECWATCH_RULES_DIR`` /
    ``ECWATCH_CALENDAR_FILE`` load one with ``load_rulebook(environ=os.environ)`` and pass it.
    """
    run = RuleRun(context=context, rulebook=rulebook or default_rulebook())
    seen: dict[tuple[str, str], Finding] = {}
    for check in CHECKS:
        for finding in check(page, run):
            seen.setdefault((finding.rule, finding.subject), finding)
    return sorted(seen.values(), key=lambda f: f.rule)
