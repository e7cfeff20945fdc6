"""``ecwatch rules`` and ``ecwatch calendar`` as an investigator uses them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from detectors.rulebook import BUNDLED_RULES_DIR


def _run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), env=env)


def _json(*args: str) -> dict:
    result = _run(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _by_id(rows: list[dict]) -> dict[str, dict]:
    return {row["id"]: row for row in rows}


def test_rules_in_force_before_decree_239() -> None:
    data = _json("rules", "--on", "2026-06-20")
    rows = _by_id(data["rules"])
    dur = rows["PROMO-DUR-120"]
    assert dur["status"].startswith("checked across crawls: from the price history") and dur["valid_to"] == "2026-06-25"
    assert rows["PROMO-BANNED-GOODS"]["thresholds"]["medicines"] == "human"
    assert rows["PROMO-NOTIFY"]["thresholds"]["notify_loyalty"] is True
    assert rows["PROMO-DISC-50"]["title_vi"].startswith("Mức giảm giá") and rows["PROMO-DISC-50"]["title_en"]
    assert data["not_in_force"] == []


def test_rules_in_force_after_decree_239() -> None:
    data = _json("rules", "--on", "2026-10-15")
    rows = _by_id(data["rules"])
    assert "PROMO-DUR-120" not in rows
    assert data["not_in_force"] == [{"id": "PROMO-DUR-120", "valid": ["15/07/2018 – 25/06/2026"]}]
    disc = rows["PROMO-DISC-50"]
    assert disc["status"] == "checked" and disc["confidence"] == "S2" and disc["valid_from"] == "2026-06-26"
    assert "Circular 39/2025's standing" in disc["uncertain"]
    assert "no state concentrated-promotion programmes" in disc["uncertain"]  # the calendar's gap for 2026
    assert rows["PROMO-BANNED-GOODS"]["thresholds"]["medicines"] == "prescription"
    assert data["calendar"]["coverage"]["state-program"] == [2025]
    assert "2026" in data["calendar"]["gap"]


def test_rules_table_is_bilingual_and_honest() -> None:
    result = _run("rules", "--on", "2026-06-20")
    assert result.exit_code == 0
    assert "Khuyến mại hoặc dùng để khuyến mại hàng hóa không được khuyến mại" in result.output
    assert "Promotion of, or with, goods that may not be promoted" in result.output
    assert "status: checked across crawls" in result.output
    assert "[S1]" in result.output and "[U]" in result.output  # markup-like text printed as written


def test_rules_show_gives_the_dated_history() -> None:
    data = _json("rules", "show", "promo-banned-goods")
    assert data["id"] == "PROMO-BANNED-GOODS"
    assert [(r["valid_from"], r["valid_to"]) for r in data["rows"]] == [(None, "2026-06-25"), ("2026-06-26", None)]
    assert [r["thresholds"]["medicines"] for r in data["rows"]] == ["human", "prescription"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["rules", "show", "PROMO-DISC-05"], "unknown rule id 'PROMO-DISC-05'; did you mean PROMO-DISC-50?"),
        (["rules", "show", "NOPE"], "unknown rule id 'NOPE'"),
        (["rules", "--on", "15/10/2026"], "--on: '15/10/2026' is not a date; expected YYYY-MM-DD"),
        (["rules", "--on", "2026-02-30"], "--on: '2026-02-30' is not a date"),
        (["rules", "--format", "xml"], "--format: 'xml' is not one of table, json"),
        (["calendar", "--year", "next"], "--year: 'next' is not a year"),
    ],
)
def test_bad_input_is_one_line_and_status_2(args: list[str], message: str) -> None:
    result = _run(*args)
    assert result.exit_code == 2
    assert result.output.strip().startswith("Error: ") and message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_calendar_year_lists_windows_and_coverage() -> None:
    result = _run("calendar", "--year", "2027")
    assert result.exit_code == 0
    assert "tet-2027  07/01/2027 – 05/02/2027" in result.output
    assert "culture-day-2027" in result.output and "Interpretive" in result.output
    assert "2027: state concentrated-promotion programmes (Vietnam Grand Sale, Online Friday...) NOT listed" \
        in result.output


def test_calendar_json() -> None:
    data = _json("calendar", "--year", "2026")
    windows = {w["id"]: w for w in data["windows"]}
    assert windows["culture-day-2026"]["status"] == "on"
    assert windows["national-day-2026-adjacent"]["status"].startswith("unconfirmed")
    assert "vietnam-grand-sale-2025" in windows  # runs into January 2026
    assert data["coverage"]["tet"] == [2026, 2027, 2028]


def test_data_text_is_not_rich_markup(tmp_path: Path) -> None:
    rules_dir = tmp_path / "rules"
    shutil.copytree(BUNDLED_RULES_DIR, rules_dir)
    path = rules_dir / "promotions.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        'title_en = "Promotion program without start/end dates"',
        'title_en = "[bold red]Promotion[/bold red] program without dates"'), encoding="utf-8")
    result = _run("rules", "--on", "2026-10-15", env={"ECWATCH_RULES_DIR": str(rules_dir)})
    assert result.exit_code == 0
    assert "[bold red]Promotion[/bold red] program without dates" in result.output


def test_a_broken_rules_file_is_one_line(tmp_path: Path) -> None:
    rules_dir = tmp_path / "rules"
    shutil.copytree(BUNDLED_RULES_DIR, rules_dir)
    (rules_dir / "promotions.toml").write_text("[[rule]\n", encoding="utf-8")
    result = _run("rules", env={"ECWATCH_RULES_DIR": str(rules_dir)})
    assert result.exit_code != 0 and "invalid TOML" in result.output and "Traceback" not in result.output
