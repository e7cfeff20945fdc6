"""Rule data: the bundled TOML files, validation errors, dated rows and overrides."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from detectors import HISTORY_RULES, IMPLEMENTED_RULES, rules_version
from detectors.rulebook import BUNDLED_RULES_DIR, RulebookError, load_rulebook, parse_rules
from detectors.types import Severity

RULEBOOK = load_rulebook()


def test_every_implemented_rule_has_data_and_no_orphans() -> None:
    # Rows that need more than one page are judged by the history rules, over a product's series.
    across_crawls = {r.id for r in RULEBOOK.rules if r.requires}
    assert across_crawls == HISTORY_RULES == {"PROMO-DUR-120", "PROMO-FAKE-REF", "PROMO-FAKE-URGENCY"}
    assert RULEBOOK.ids() - across_crawls == IMPLEMENTED_RULES


def test_every_bundled_row_states_its_confidence() -> None:
    assert all(r.confidence in ("P", "P*", "S2", "S1", "U") for r in RULEBOOK.rules)


@pytest.mark.parametrize("day", ["2018-01-01", "2024-12-31", "2025-07-01", "2026-06-26", "2026-11-23", "2030-01-01"])
def test_disc50_enabled_for_all_dates(day: str) -> None:
    assert RULEBOOK.rule_on("PROMO-DISC-50", date.fromisoformat(day)) is not None


def test_disc50_rows_are_dated() -> None:
    before = RULEBOOK.rule_on("PROMO-DISC-50", date(2025, 6, 30))
    circular = RULEBOOK.rule_on("PROMO-DISC-50", date(2025, 7, 1))
    after_239 = RULEBOOK.rule_on("PROMO-DISC-50", date(2026, 6, 26))
    assert before and circular and after_239
    assert "Decree 81/2018" in before.legal_basis
    assert circular.legal_basis == "Circular 39/2025/TT-BCT Art. 4(1) — status after Decree 239/2026 to be confirmed"
    assert "Decree 239" not in (circular.uncertain or "")
    # Still on after Decree 239/2026: the basis is Circular 39 with MOIT's power in Decree 81 Art. 32(1)(b);
    # the doubt is Circular 39's standing, not whether the cap was abolished.
    assert "Decree 81/2018/NĐ-CP Art. 32(1)(b) as amended by Decree 239/2026" in after_239.legal_basis
    assert "Art. 7" not in after_239.legal_basis
    assert after_239.uncertain and "Circular 39/2025's standing" in after_239.uncertain
    assert "abolish" not in after_239.uncertain
    assert after_239.decimal("max_discount_ratio") == circular.decimal("max_discount_ratio")


def test_lucky_reg_is_medium_and_uncertain() -> None:
    rule = RULEBOOK.rule_on("PROMO-LUCKY-REG", date(2026, 11, 23))
    assert rule is not None and rule.severity is Severity.MEDIUM
    assert rule.uncertain and "[U]" in rule.uncertain


def test_foreign_rule_explains_uncertain_wording() -> None:
    rule = RULEBOOK.rule_on("ECOM-FOREIGN", date(2026, 11, 23))
    assert rule is not None and "[S1]" in (rule.uncertain or "") and "67a" in rule.legal_basis


def test_disabled_rule_is_not_in_force(tmp_path: Path) -> None:
    rules_dir = _copy_rules(tmp_path)
    path = rules_dir / "promotions.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        'id = "PROMO-INFO-MISSING"', 'id = "PROMO-INFO-MISSING"\nenabled = false'), encoding="utf-8")
    rulebook = load_rulebook(rules_dir)
    assert rulebook.rule_on("PROMO-INFO-MISSING", date(2026, 11, 23)) is None
    assert rulebook.digest != RULEBOOK.digest


def test_rules_dir_from_explicit_environment(tmp_path: Path) -> None:
    rules_dir = _copy_rules(tmp_path)
    rulebook = load_rulebook(environ={"ECWATCH_RULES_DIR": str(rules_dir)})
    assert rulebook.files[0].startswith(str(rules_dir))
    # Without an explicit mapping the environment is not read.
    assert load_rulebook().files[0].startswith(str(BUNDLED_RULES_DIR))


def test_rules_version_is_stable_digest() -> None:
    assert rules_version() == rules_version()
    assert len(rules_version()) == 16 and int(rules_version(), 16) >= 0


BASE = 'id = "R"\ntitle_en = "t"\ntitle_vi = "t"\nlegal_basis = "b"\nseverity = "high"\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[rule]]\n" + BASE.replace('severity = "high"\n', ""), "rules.toml#rule[1] (R): key 'severity': missing"),
        ("[[rule]]\n" + BASE.replace('"high"', '"urgent"'), "key 'severity': expected low|medium|high"),
        ("[[rule]]\n" + BASE + "valid_from = 2026-13-01\n", "invalid TOML"),
        ("[[rule]]\n" + BASE + 'valid_from = "2026-01-01"\n', "key 'valid_from': expected a TOML date"),
        ("[[rule]]\n" + BASE + "valid_from = 2026-02-01\nvalid_to = 2026-01-01\n", "key 'valid_to'"),
        ("[[rule]]\n" + BASE + "enabled = \"yes\"\n", "key 'enabled'"),
        ("[[rule]]\n" + BASE + "treshold = 1\n", "key 'treshold': unknown key"),
        ("[[rule]]\n" + BASE + "[rule.thresholds]\nx = [1, 2]\n", "key 'thresholds.x'"),
        ("[rule]\n" + BASE, "array of tables"),
        ("[[rules]]\n" + BASE, "unknown top-level key"),
    ],
)
def test_invalid_rule_rows(text: str, message: str) -> None:
    with pytest.raises(RulebookError) as info:
        parse_rules(text, source="rules.toml")
    assert "rules.toml" in str(info.value)
    assert message in str(info.value)


def test_overlapping_rows_rejected(tmp_path: Path) -> None:
    rules_dir = tmp_path / "rules"
    rules_dir.mkdir()
    shutil.copy(BUNDLED_RULES_DIR / "calendar.toml", rules_dir)
    (rules_dir / "x.toml").write_text(
        "[[rule]]\n" + BASE + "valid_to = 2026-06-30\n[[rule]]\n" + BASE + "valid_from = 2026-06-30\n", encoding="utf-8")
    with pytest.raises(RulebookError, match=r"x.toml#rule\[2\] \(R\): key 'valid_from': overlaps"):
        load_rulebook(rules_dir)


def test_missing_threshold_names_rule() -> None:
    rule = parse_rules("[[rule]]\n" + BASE, source="rules.toml")[0]
    with pytest.raises(RulebookError, match=r"rules.toml#rule\[1\] \(R\): key 'thresholds.cap': missing"):
        rule.decimal("cap")


def test_missing_rules_dir() -> None:
    with pytest.raises(RulebookError, match="rules directory not found"):
        load_rulebook("/nonexistent/rules")


def _copy_rules(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(BUNDLED_RULES_DIR, target)
    return target


# --- issue 11: rows of December 2026 --------------------------------------------------------------------------

def test_dur120_is_dated_data_waiting_for_price_history() -> None:
    row = RULEBOOK.row_on("PROMO-DUR-120", date(2026, 6, 25))
    assert row is not None and row.requires == "price-history" and "Art. 10(5)" in row.legal_basis
    assert row.decimal("max_days_per_year") == 120
    assert RULEBOOK.row_on("PROMO-DUR-120", date(2026, 6, 26)) is None  # repealed by Decree 239/2026


@pytest.mark.parametrize(("day", "scope"), [("2026-06-25", "human"), ("2026-06-26", "prescription")])
def test_medicine_scope_is_dated(day: str, scope: str) -> None:
    rule = RULEBOOK.rule_on("PROMO-BANNED-GOODS", date.fromisoformat(day))
    assert rule is not None and rule.text("medicines") == scope


@pytest.mark.parametrize(("day", "loyalty", "found"), [
    ("2024-11-30", None, False), ("2024-12-01", True, True), ("2026-06-26", False, True)])
def test_notification_rows(day: str, loyalty: bool | None, found: bool) -> None:
    rule = RULEBOOK.rule_on("PROMO-NOTIFY", date.fromisoformat(day))
    assert (rule is not None) is found
    if rule is not None:
        assert rule.flag("notify_loyalty") is loyalty and rule.decimal("min_total_prizes_vnd") == 100_000_000


@pytest.mark.parametrize(("day", "words"), [
    ("2026-06-30", "Decree 52/2013"),
    ("2026-07-01", "remain valid to 30/06/2027"),
    ("2027-06-30", "remain valid to 30/06/2027"),
    ("2027-07-01", "transition of Law 122/2025 Art. 41 ended 30/06/2027"),
])
def test_ecommerce_transition_rows(day: str, words: str) -> None:
    for rule_id in ("ECOM-NOTIFY-MISSING", "ECOM-REG-MISSING"):
        rule = RULEBOOK.rule_on(rule_id, date.fromisoformat(day))
        assert rule is not None and words in rule.legal_basis


def test_after_the_transition_a_legacy_record_is_a_reason_to_check() -> None:
    rule = RULEBOOK.rule_on("ECOM-BADGE-FAKE", date(2027, 7, 1))
    assert rule is not None and "re-filed" in (rule.uncertain or "") and "[U]" in (rule.uncertain or "")


def _uncertain(rule_id: str, day: date, *, as_written: bool = False) -> str:
    row = (RULEBOOK.row_on if as_written else RULEBOOK.rule_on)(rule_id, day)
    assert row is not None
    return row.uncertain or ""


def test_calendar_gap_only_on_rows_a_window_lifts() -> None:
    day = date(2026, 12, 2)
    assert "The calendar lists no" in _uncertain("PROMO-GIFT-50", day)
    assert "The calendar lists no" not in _uncertain("PROMO-LUCKY-REG", day)
    # The row as written is untouched; only the row as applied on that day carries the gap.
    assert "The calendar lists no" not in _uncertain("PROMO-GIFT-50", day, as_written=True)


def test_history_is_oldest_first() -> None:
    rows = RULEBOOK.history("PROMO-DISC-50")
    assert [r.valid_from for r in rows] == [None, date(2025, 7, 1), date(2026, 6, 26)]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('confidence = "high"\n', "key 'confidence': expected one of P|P*|S2|S1|U"),
        ('requires = "crystal-ball"\n', "key 'requires': expected one of price-history"),
        ("lifted_in_windows = 1\n", "key 'lifted_in_windows': expected true or false"),
    ],
)
def test_new_row_keys_are_checked(extra: str, message: str) -> None:
    with pytest.raises(RulebookError, match=re.escape(message)):
        parse_rules("[[rule]]\n" + BASE + extra, source="rules.toml")
