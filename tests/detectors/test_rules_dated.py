"""Rules as of December 2026 (issue 11): a page is judged by the law of its date.

Decree 239/2026 (26/06/2026) narrowed the medicines that may not be promoted to prescription drugs and
ended the notification of loyalty programmes; 24/11 (Vietnam Culture Day) became a holiday and Tết 2027
opens a window; a year the calendar lists no state programmes for is said, not silently assumed empty.
The 120-day count (PROMO-DUR-120) needs price history and is tested with it (issue 16), not here.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from detectors import detect, load_rulebook, parse_page
from detectors.types import Context, Finding

from bench.golden import FIXTURES_DIR, load_case

BEFORE, AFTER = "2026-06-20", "2026-10-15"  # either side of Decree 239/2026 (26/06/2026)


def _judge(name: str, on: str, **kwargs: object) -> list[Finding]:
    case = load_case(FIXTURES_DIR / name)
    context = Context(on=date.fromisoformat(on), registry=case.registry, extra=case.extra)
    return detect(parse_page(case.html, case.url), context, **kwargs)  # type: ignore[arg-type]


def _rules(findings: list[Finding]) -> list[str]:
    return sorted({f.rule for f in findings})


def _one(findings: list[Finding], rule: str) -> Finding:
    (finding,) = [f for f in findings if f.rule == rule]
    return finding


@pytest.mark.parametrize(
    ("name", "before", "after"),
    [
        ("banned-otc-sheet-discount", ["PROMO-BANNED-GOODS"], []),  # a non-prescription medicine on discount
        ("notify-loyalty-programme", ["PROMO-NOTIFY"], []),  # a loyalty programme
        ("banned-rx-sheet-template-discount", ["PROMO-BANNED-GOODS"], ["PROMO-BANNED-GOODS"]),  # prescription
        ("notify-contest-150m-own-site", ["PROMO-NOTIFY"], ["PROMO-NOTIFY"]),  # a contest of 150 M VND
    ],
)
def test_same_page_gets_the_findings_of_each_date(name: str, before: list[str], after: list[str]) -> None:
    assert _rules(_judge(name, BEFORE)) == before
    assert _rules(_judge(name, AFTER)) == after


def test_medicine_findings_cite_the_law_of_their_date() -> None:
    old = _one(_judge("banned-rx-sheet-template-discount", BEFORE), "PROMO-BANNED-GOODS")
    new = _one(_judge("banned-rx-sheet-template-discount", AFTER), "PROMO-BANNED-GOODS")
    assert "medicines for humans" in old.legal_basis and "Medicines for humans" in old.message
    assert "rewritten by Decree 239/2026" in new.legal_basis and "Prescription drugs" in new.message
    assert new.evidence["prescription"] == "yes" and new.evidence["prescription_basis"] == "Thuốc cần kê toa Có"
    assert new.uncertain and "[P*]" in new.uncertain  # Decree 239's text read in an unofficial transcription


def test_loyalty_finding_before_decree_239_says_why() -> None:
    finding = _one(_judge("notify-loyalty-programme", BEFORE), "PROMO-NOTIFY")
    assert finding.evidence["form"] == "loyalty programme" and "Decree 128/2024" in finding.legal_basis


def test_formula_milk_gift_is_flagged_as_used_for_promotion() -> None:
    finding = _one(_judge("banned-formula-gift-with-diapers", AFTER), "PROMO-BANNED-GOODS")
    assert finding.evidence["category"] == "breast-milk-substitute"
    assert finding.evidence["role"] == "used as promotion"
    assert finding.evidence["snippet"] == "Mua 2 bịch tặng 1 lon sữa bột Similac Newborn số 1 (0-6 tháng) 400g"
    assert finding.message.startswith("Breast milk substitute used as a gift or prize")


def test_contest_of_150_million_is_flagged_for_notification() -> None:
    finding = _one(_judge("notify-contest-150m-own-site", AFTER), "PROMO-NOTIFY")
    assert finding.evidence["total_prizes_vnd"] == "150000000" and finding.evidence["total_basis"] == "stated total"
    assert finding.evidence["form"] == "contest (phiếu dự thi)"
    assert "Decree 239/2026" in finding.legal_basis and "150.000.000 đ" in finding.message


def test_contest_run_only_on_marketplaces_is_not_flagged() -> None:
    assert "PROMO-NOTIFY" not in _rules(_judge("notify-contest-marketplace-only", AFTER))


@pytest.mark.parametrize("on", ["2026-11-24", "2027-01-07", "2027-01-20", "2027-02-05"])
def test_culture_day_and_tet_2027_lift_the_cap(on: str) -> None:
    assert "PROMO-DISC-50" not in _rules(_judge("disc50-woo-64-percent", on))


@pytest.mark.parametrize("on", ["2026-11-23", "2026-11-25", "2027-01-06", "2027-02-06"])
def test_the_cap_applies_around_those_windows(on: str) -> None:
    assert "PROMO-DISC-50" in _rules(_judge("disc50-woo-64-percent", on))


@pytest.mark.parametrize(("on", "words"), [
    ("2026-12-02", "no state concentrated-promotion programmes (Vietnam Grand Sale, Online Friday...) for 2026"),
    ("2029-03-05", "Tết window or statutory-holiday windows for 2029"),
])
def test_a_date_in_an_uncovered_year_carries_the_note(on: str, words: str) -> None:
    finding = _one(_judge("disc50-woo-64-percent", on), "PROMO-DISC-50")
    assert finding.uncertain and words in finding.uncertain


def test_the_note_goes_once_the_year_is_listed(tmp_path: Path) -> None:
    extra = tmp_path / "programmes.toml"
    extra.write_text(
        '[[window]]\nid = "online-friday-2026"\nname = "Online Friday 2026"\nscope = "national"\n'
        'start = 2026-12-04\nend = 2026-12-06\nsource_decision = "MOIT plan"\nconfidence = "S2"\n'
        'kind = "state-program"\n', encoding="utf-8")
    rulebook = load_rulebook(calendar_files=[extra])
    finding = _one(_judge("disc50-woo-64-percent", "2026-12-02", rulebook=rulebook), "PROMO-DISC-50")
    assert "The calendar lists no" not in (finding.uncertain or "")
    assert "PROMO-DISC-50" not in _rules(_judge("disc50-woo-64-percent", "2026-12-05", rulebook=rulebook))
