"""E-commerce notification / registration rules.

ECOM-BADGE-FAKE   a badge with no valid record for this domain
ECOM-NOTIFY-MISSING / ECOM-REG-MISSING / ECOM-BADGE-TYPE / ECOM-FOREIGN
                  one question, "does this site hold the record it needs?", so at most one of
                  them is raised per page, the most specific first: a foreign operator
                  (ECOM-FOREIGN) before a marketplace showing only a notified record
                  (ECOM-BADGE-TYPE) before a missing record (REG / NOTIFY).

Without a registry (``Context.registry is None``) a badge link to a record cannot be checked:
such a page is left to the crawler to resolve, and a page with no record link at all is flagged
at the lower ``severity_without_registry`` (legal-rules §5.4: a missing badge is weaker evidence
than a missing record).
"""

from __future__ import annotations

from typing import Iterable

from detectors.rules.badges import STATUSES, BadgeClaim, badge_claims, pending_claims
from detectors.domains import is_vn_domain
from detectors.rules.foreign import foreign_evidence, targeting_tests
from detectors.rulebook import Rule
from detectors.rules.base import RuleRun, make_finding
from detectors.types import Finding, Page, RegistryRecord, Severity

__all__ = ["check_badges", "check_registration"]

_UNLINKED = ("no_link", "not_portal", "no_record_id")
_UNCHECKED = ("unverified", "unresolved")  # a record link nobody has resolved yet
_OPEN = ("valid", *_UNCHECKED)  # a link that holds up or may still hold up
_BAD_RECORD = ("not_found", "other_domain", "revoked", "pending")


def check_badges(page: Page, run: RuleRun) -> Iterable[Finding]:
    """ECOM-BADGE-FAKE: each badge claim that does not resolve to this domain's active record."""
    rule = run.rule("ECOM-BADGE-FAKE")
    if rule is None:
        return []
    if page.signals.app_shell:
        run.note("ECOM-BADGE-FAKE", "an empty application shell: nothing rendered to judge")
        return []
    claims = badge_claims(page, run.context.registry, registry_complete=_complete(run))
    has_good_link = any(c.status in _OPEN for c in claims)
    findings = []
    for mark, claim in zip(page.badge_marks, claims):
        if page.signals.publisher and mark.basis == "portal-link":
            # An article citing a record in a text link claims nothing for its own site.
            run.note("ECOM-BADGE-FAKE", f"{claim.css_path}: a text link to a portal record on a page that "
                     "publishes and sells nothing: a citation, not the site's badge")
        elif claim.status in _BAD_RECORD:
            findings.append(_fake_finding(rule, page, claim))
        elif claim.status in _UNLINKED and _flag_unlinked(rule, page, has_good_link):
            findings.append(_fake_finding(rule, page, claim))
        elif run.explaining:
            run.note("ECOM-BADGE-FAKE", f"{claim.css_path}: {claim.status}, not flagged: "
                     + _why_not_flagged(claim, page, has_good_link))
    if not claims:
        run.note("ECOM-BADGE-FAKE", "no badge image, icon, background or portal link on the page")
    for text, path in pending_claims(page):
        findings.append(make_finding(
            rule,
            message="The page says its notification/registration with the Ministry of Industry and Trade is "
            "still pending ('đang chờ xác nhận / đang thực hiện thủ tục'): a badge or claim without a confirmed record.",
            evidence={"snippet": text, "css_path": path, "reason": "pending_text"},
            subject=f"badge-pending:{path}",
            scope="site",
        ))
    return findings


def _why_not_flagged(claim: BadgeClaim, page: Page, has_good_link: bool) -> str:
    if claim.status == "valid":
        return "the record is active for this domain"
    if claim.status in _UNCHECKED:
        return "a record link nobody has resolved yet (the crawler fetches the portal record)"
    if not page.signals.commerce:
        return "the page shows no commerce (an unlinked lookalike on a news page is no claim of the site)"
    return "another badge on the page links to a record that holds up or may still hold up"


def _complete(run: RuleRun) -> bool:
    # The caller declares that a record id absent from its registry does not exist on the portal.
    return run.context.extra.get("registry_complete") is True


def _flag_unlinked(rule: Rule, page: Page, has_good_link: bool) -> bool:
    # Unlinked lookalike images on a non-commerce page (a news photo) are not a site's badge claim.
    if not page.signals.commerce:
        return False
    return not has_good_link or rule.flag("flag_unlinked_when_valid_link")


def _fake_finding(rule: Rule, page: Page, claim: BadgeClaim) -> Finding:
    evidence: dict[str, object] = {
        "snippet": claim.snippet,
        "css_path": claim.css_path,
        "reason": claim.status,
        "href": claim.href,
        "record_id": claim.record_id,
        "page_domain": page.domain,
        "badge_kind": claim.image_kind,
    }
    if claim.record is not None:
        evidence["record"] = _record_evidence(claim.record)
    if claim.others:
        evidence["records_for_other_domains"] = [_record_evidence(r) for r in claim.others]
    return make_finding(
        rule,
        message=f"MOIT badge or portal link that does not hold up: {STATUSES[claim.status]}. "
        "An image or alt text proves nothing; only a link to an active record for this domain does.",
        evidence=evidence,
        subject=f"badge:{claim.record_id or claim.css_path}",
        scope="site",
    )


def check_registration(page: Page, run: RuleRun) -> Iterable[Finding]:
    """At most one of ECOM-FOREIGN, ECOM-BADGE-TYPE, ECOM-REG-MISSING, ECOM-NOTIFY-MISSING."""
    signals = page.signals
    gate = _registration_gate(page)
    if gate is not None:
        _note_all(run, gate)
        return []
    registry = run.context.registry
    claims = badge_claims(page, registry, registry_complete=_complete(run))
    records = _active_records(page, run, claims)
    kinds = {r.kind for r in records}
    # Record links nobody has resolved yet: the crawler's job, not a missing record.
    open_links = [c for c in claims if c.status in _UNCHECKED]
    facts = _Facts(page, claims, records, registry is not None)

    if run.explaining:
        _note_all(run, _held_records(records, open_links))
    foreign = foreign_evidence(page, run.context)
    rule = run.rule("ECOM-FOREIGN")
    # A foreign single-seller shop is a registration case of its own only from 01/07/2026 (dated
    # threshold); before that it is judged like any shop.
    if foreign and rule is not None and (signals.marketplace or rule.flag("single_seller_shops")):
        if "registered" in kinds or open_links:
            return []
        return [_foreign_finding(rule, facts, foreign)]
    if not foreign:
        run.note("ECOM-FOREIGN", "no sign of a foreign operator (foreign legal form or address abroad)")

    if signals.marketplace:
        if "registered" in kinds:
            return []
        blue = "notified" in kinds or (open_links and _only_notified_hints(open_links))
        rule = run.rule("ECOM-BADGE-TYPE")
        if blue and rule is not None:
            return [_type_finding(rule, facts)]
        if blue or open_links:
            return []
        rule = run.rule("ECOM-REG-MISSING")
        return [_missing_finding(rule, facts, "registered")] if rule else []
    run.note("ECOM-REG-MISSING", "no marketplace features (seller sign-up, seller storefronts): judged as a single shop")
    run.note("ECOM-BADGE-TYPE", "no marketplace features: a notified record is the right one")

    if kinds or open_links:
        return []
    rule = run.rule("ECOM-NOTIFY-MISSING")
    return [_missing_finding(rule, facts, "notified")] if rule else []


_REGISTRATION_RULES = ("ECOM-FOREIGN", "ECOM-BADGE-TYPE", "ECOM-REG-MISSING", "ECOM-NOTIFY-MISSING")


def _note_all(run: RuleRun, reason: str | None) -> None:
    for rule_id in _REGISTRATION_RULES:
        if reason:
            run.note(rule_id, reason)


def _registration_gate(page: Page) -> str | None:
    """Why the registration question does not arise on this page, if it does not."""
    signals = page.signals
    if signals.app_shell:
        return "an empty application shell: nothing rendered to judge"
    if not signals.vietnamese_facing:
        return "the page is not Vietnamese-facing"
    if signals.publisher:
        return "the page publishes (news, blog, price comparison, link hub) and sells nothing itself"
    if not signals.commerce:
        return "the page shows no online ordering (no cart, buy button, order form or priced offer)"
    if _sells_abroad(page):
        return "prices only in a foreign currency on a foreign domain: a shop selling abroad"
    return None


def _held_records(records: list[RegistryRecord], open_links: list[BadgeClaim]) -> str | None:
    parts = [f"{r.kind} record {r.record_id} ({r.status}) for {r.domain}" for r in records]
    parts += [f"record link {c.record_id or c.href} not resolved yet" for c in open_links]
    return ("the site holds: " + "; ".join(parts)) if parts else None


class _Facts:
    """What the registration findings quote."""

    def __init__(self, page: Page, claims: list[BadgeClaim], records: list[RegistryRecord], consulted: bool):
        self.page, self.claims, self.records, self.consulted = page, claims, records, consulted

    def evidence(self, snippet: str, css_path: str | None) -> dict[str, object]:
        return {
            "snippet": snippet,
            "css_path": css_path,
            "page_domain": self.page.domain,
            "registry_consulted": self.consulted,
            "badges": [{"status": c.status, "record_id": c.record_id, "href": c.href} for c in self.claims],
            "records": [_record_evidence(r) for r in self.records],
            "commerce_reasons": list(self.page.signals.commerce_reasons),
            "vietnamese_reasons": list(self.page.signals.vietnamese_reasons),
            "marketplace_reasons": list(self.page.signals.marketplace_reasons),
        }

    def first_badge(self) -> tuple[str, str | None]:
        """The first badge as the snippet; without one, what made the page a shop."""
        if self.claims:
            return self.claims[0].snippet, self.claims[0].css_path
        reasons = self.page.signals.marketplace_reasons or self.page.signals.commerce_reasons
        return (self.page.title or "; ".join(reasons[:3])), None


def _active_records(page: Page, run: RuleRun, claims: list[BadgeClaim]) -> list[RegistryRecord]:
    found: dict[str, RegistryRecord] = {}
    registry = run.context.registry
    if registry is not None:
        for record in registry.by_domain(page.domain):
            if record.status == "active":
                found[record.record_id] = record
    for claim in claims:
        if claim.is_valid and claim.record is not None:
            found[claim.record.record_id] = claim.record
    return list(found.values())


def _sells_abroad(page: Page) -> bool:
    """Vietnamese-language shop pricing only in a foreign currency on a foreign domain (a store for
    Vietnamese living in Japan, in yen): none of the Art. 67a tests but the language points to Vietnam."""
    currencies = {o.currency for o in page.offers if o.price is not None and o.currency}
    return bool(currencies) and "VND" not in currencies and not is_vn_domain(page.domain)


def _only_notified_hints(claims: list[BadgeClaim]) -> bool:
    hints = {c.kind_hint for c in claims}
    return "notified" in hints and "registered" not in hints


def _severity(rule: Rule, consulted: bool) -> Severity:
    if consulted or "severity_without_registry" not in rule.thresholds:
        return rule.severity
    return Severity(rule.text("severity_without_registry"))


def _missing_finding(rule: Rule, facts: _Facts, needed: str) -> Finding:
    what = "single online shop" if needed == "notified" else "marketplace / multi-seller platform"
    record = "notification ('Đã thông báo')" if needed == "notified" else "registration ('Đã đăng ký')"
    basis = (
        "no active record for this domain in the registry consulted"
        if facts.consulted
        else "no link to a portal record on the page (registry not consulted: weaker evidence)"
    )
    snippet, path = facts.first_badge()
    return make_finding(
        rule,
        message=f"Vietnamese-facing {what} with online ordering and no valid {record} record: {basis}.",
        evidence=facts.evidence(snippet, path),
        subject="site-registration",
        scope="site",
        severity=_severity(rule, facts.consulted),
    )


def _type_finding(rule: Rule, facts: _Facts) -> Finding:
    snippet, path = facts.first_badge()
    return make_finding(
        rule,
        message="The site shows marketplace features (third-party sellers) but only a 'notified' sales-website "
        "record / blue badge; intermediary platforms must be registered (red 'Đã đăng ký').",
        evidence=facts.evidence(snippet, path),
        subject="site-registration",
        scope="site",
    )


def _foreign_finding(rule: Rule, facts: _Facts, foreign: list[tuple[str, str, str | None]]) -> Finding:
    tests = targeting_tests(facts.page)
    evidence = facts.evidence(foreign[0][1], foreign[0][2])
    evidence["foreign_indicators"] = [reason for reason, _, _ in foreign]
    evidence["targeting_tests"] = tests
    marketplace = facts.page.signals.marketplace
    evidence["platform_type"] = "marketplace" if marketplace else "single-seller shop with online ordering"
    return make_finding(
        rule,
        message="Operator appears to be foreign, and the site targets Vietnam ("
        + ", ".join(tests or ["Vietnamese-facing signals"])
        + "). Under the legacy test of Decree 52/2013 Art. 67a (Decree 85/2021) a foreign trader whose site "
        "uses a .vn domain, displays Vietnamese, or has more than 100,000 transactions a year from Vietnam "
        "must register with MOIT and have a representative office or authorised representative in Vietnam; "
        "the final wording of the Law on E-commerce 122/2025 test is from a single secondary source [S1]. "
        "No registered record was found for this domain.",
        evidence=evidence,
        subject="site-registration",
        scope="site",
        severity=_severity(rule, facts.consulted),
    )


def _record_evidence(record: RegistryRecord) -> dict[str, object]:
    return {
        "record_id": record.record_id,
        "domain": record.domain,
        "kind": record.kind,
        "status": record.status,
        "company": record.company,
        "source": record.source,
    }
