"""Rule data: the bundled TOML files, validation errors, dated rows and overrides."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from detectors import IMPLEMENTED_RULES, rules_version
from detectors.rulebook import BUNDLED_RULES_DIR, RulebookError, load_rulebook, parse_rules
from detectors.types import Severity

RULEBOOK = load_rulebook()


def test_every_implemented_rule_has_data_and_no_orphans() -> None:
    assert RULEBOOK.ids() == IMPLEMENTED_RULES


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
    assert circular.uncertain is None
    assert after_239.uncertain and "Decree 239/2026" in after_239.uncertain
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
