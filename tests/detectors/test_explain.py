"""``explain``: what the detectors saw and why each rule spoke or stayed silent."""

from __future__ import annotations

import dataclasses
import json
from datetime import date

import pytest

from detectors import default_rulebook, detect, explain, parse_page
from detectors.explain import NOT_IN_FORCE, RAISED, SILENT, Explanation
from detectors.rulebook import Rulebook

from bench.golden import FIXTURES_DIR, GoldenCase, load_case, load_cases

ALL = load_cases()


def explained(name: str, **context: object) -> Explanation:
    case = load_case(FIXTURES_DIR / name)
    ctx = dataclasses.replace(case.context(), **context)  # type: ignore[arg-type]
    return explain(parse_page(case.html, case.url), ctx)


def verdict(expl: Explanation, rule: str):  # type: ignore[no-untyped-def]
    return next(v for v in expl.rules if v.rule == rule)


@pytest.mark.parametrize("case", ALL, ids=[c.name for c in ALL])
def test_explanation_agrees_with_detect_and_is_plain_data(case: GoldenCase) -> None:
    page = parse_page(case.html, case.url)
    expl = explain(page, case.context())
    assert list(expl.findings) == detect(page, case.context())
    assert {v.rule for v in expl.rules if v.status == RAISED} == set(case.expected)
    assert all(v.reasons or v.findings for v in expl.rules)  # every rule says something
    json.dumps(expl.to_dict())  # JSON-able as it is


def test_candidates_below_the_cap_are_listed_with_their_values() -> None:
    expl = explained("disc50-landing-builder-under-cap")
    disc = verdict(expl, "PROMO-DISC-50")
    assert disc.status == SILENT
    assert any("45.00 % (price_pair), not above the 50 % cap" in r for r in disc.reasons)
    assert any("50.00 % (price_pair), not above the 50 % cap" in r for r in disc.reasons)
    offers = expl.to_dict()["offers"]
    assert {o["discount_percent"] for o in offers if o["paired_by"] == "section"} == {"30.79", "45.00", "50.00"}


def test_a_date_inside_a_concentrated_promotion_window_is_the_reason() -> None:
    expl = explained("disc50-landing-builder-stylesheet-strike", on=date(2027, 1, 20))
    (reason,) = verdict(expl, "PROMO-DISC-50").reasons
    assert "inside the concentrated-promotion window 'Tết Đinh Mùi 2027" in reason
    assert verdict(expl, "PROMO-DISC-50").status == SILENT


def test_a_foreign_page_says_it_is_not_vietnamese_facing() -> None:
    expl = explained("foreign-english-shop-usd")
    for rule in ("PROMO-DISC-50", "ECOM-NOTIFY-MISSING", "PROMO-BANNED-GOODS"):
        assert any("not Vietnamese-facing" in r for r in verdict(expl, rule).reasons), rule
    assert expl.to_dict()["signals"]["vietnamese_facing"]["value"] is False


def test_a_publisher_page_says_why_no_promotion_rule_judged_it() -> None:
    expl = explained("news-article-quotes-discounts-and-draw")
    for v in expl.rules:
        if v.rule.startswith("PROMO-") and v.status != NOT_IN_FORCE:
            assert v.status == SILENT and any("publishes" in r for r in v.reasons), v
    assert any("publishes" in r for r in verdict(expl, "ECOM-NOTIFY-MISSING").reasons)


def test_rules_not_in_force_say_whether_disabled_or_out_of_their_dates() -> None:
    book = default_rulebook()
    rows = tuple(
        dataclasses.replace(r, enabled=False) if r.id == "PROMO-DISC-50"
        else dataclasses.replace(r, valid_from=None, valid_to=date(2020, 1, 1)) if r.id == "PROMO-LUCKY-REG"
        else r
        for r in book.rules
    )
    case = load_case(FIXTURES_DIR / "disc50-landing-builder-stylesheet-strike")
    expl = explain(parse_page(case.html, case.url), case.context(), rulebook=Rulebook(rows, book.calendar, "test"))
    disc, lucky = verdict(expl, "PROMO-DISC-50"), verdict(expl, "PROMO-LUCKY-REG")
    assert disc.status == NOT_IN_FORCE and disc.reasons[0].startswith("disabled in the rules data")
    assert lucky.status == NOT_IN_FORCE and lucky.reasons[0].startswith("not in force on 2026-10-15")
    assert expl.findings == ()


def test_badge_candidates_show_how_they_were_seen_and_resolved() -> None:
    expl = explained("badge-fake-css-background-unlinked")
    (badge,) = expl.to_dict()["badges"]
    assert (badge["basis"], badge["status"], badge["href"]) == ("css-background", "no_link", None)
    assert "da-thong-bao-bo-cong-thuong" in badge["image_url"]
    valid = explained("notify-ok-javascript-badge-link").to_dict()["badges"]
    assert [(b["record_id"], b["status"], b["record"]["domain"]) for b in valid] == [("61109", "valid", "demo-noithat.vn")]
    assert any("the record is active for this domain" in r
               for r in verdict(explained("notify-ok-javascript-badge-link"), "ECOM-BADGE-FAKE").reasons)


def test_a_shop_with_its_record_says_which_record_holds() -> None:
    expl = explained("notify-ok-javascript-badge-link")
    assert any("notified record 61109 (active)" in r for r in verdict(expl, "ECOM-NOTIFY-MISSING").reasons)
