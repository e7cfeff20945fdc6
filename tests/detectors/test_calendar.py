"""Concentrated-promotion windows: the bundled calendar and its validation."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from detectors.calendar import CalendarError, load_calendar, parse_calendar
from detectors.rulebook import BUNDLED_RULES_DIR, load_rulebook

CALENDAR = load_calendar([BUNDLED_RULES_DIR / "calendar.toml"])


def _ids(day: str, provinces: tuple[str, ...] = ()) -> list[str]:
    return [w.id for w in CALENDAR.active_on(date.fromisoformat(day), provinces)]


@pytest.mark.parametrize(
    ("day", "ids"),
    [
        ("2026-01-17", ["vietnam-grand-sale-2025"]),
        ("2026-01-18", ["tet-2026", "vietnam-grand-sale-2025"]),
        ("2026-02-16", ["tet-2026"]),
        ("2026-02-17", []),  # Tết itself: the window is the 30 days *before* it
        ("2027-01-06", []),
        ("2027-01-07", ["tet-2027"]),
        ("2027-02-05", ["tet-2027"]),
        ("2027-12-27", ["tet-2028"]),
        ("2028-01-25", ["tet-2028"]),
        ("2026-04-26", ["hung-kings-2026"]),
        ("2027-04-16", ["hung-kings-2027"]),
        ("2028-04-04", ["hung-kings-2028"]),
        ("2026-04-30", ["reunification-2026"]),
        ("2026-05-01", ["labour-day-2026"]),
        ("2026-09-02", ["national-day-2026"]),
        ("2026-09-03", []),  # the adjacent day is unconfirmed (disabled)
        ("2026-01-01", ["new-year-2026", "vietnam-grand-sale-2025"]),
        ("2025-11-13", ["online-friday-2025"]),
        ("2025-11-17", ["online-friday-2025"]),
        ("2025-11-18", []),
        ("2025-12-01", ["vietnam-grand-sale-2025"]),
        # Vietnam Culture Day: a paid holiday from 2026 (NA Resolution 28/2026), on as a one-day window.
        ("2026-11-24", ["culture-day-2026"]),
        ("2027-11-24", ["culture-day-2027"]),
        ("2026-11-23", []),
        ("2026-11-25", []),
    ],
)
def test_bundled_windows(day: str, ids: list[str]) -> None:
    assert sorted(_ids(day)) == sorted(ids)


def test_culture_day_is_on_with_its_interpretive_basis_noted() -> None:
    (window,) = CALENDAR.active_on(date(2026, 11, 24))
    assert window.enabled and window.confidence == "U" and (window.end - window.start).days == 0
    assert "28/2026/QH16" in window.source_decision and "Interpretive" in window.note
    assert CALENDAR.uncertain_on(date(2026, 11, 24)) == ()


def test_tet_2027_window() -> None:
    (window,) = [w for w in CALENDAR.windows if w.id == "tet-2027"]
    assert (window.start, window.end) == (date(2027, 1, 7), date(2027, 2, 5))
    assert "Circular 39/2025" in window.source_decision


def test_coverage_reports_the_years_listed() -> None:
    coverage = CALENDAR.coverage
    assert coverage["state-program"] == (2025,)  # Vietnam Grand Sale / Online Friday 2026 not published yet
    assert coverage["tet"] == (2026, 2027, 2028) and coverage["holiday"] == (2026, 2027, 2028)


@pytest.mark.parametrize(
    ("day", "missing"),
    [
        ("2025-11-20", ("tet", "holiday")),
        ("2026-12-02", ("state-program",)),
        ("2027-03-10", ("state-program",)),
        ("2031-06-01", ("state-program", "tet", "holiday")),
    ],
)
def test_gaps_by_year(day: str, missing: tuple[str, ...]) -> None:
    on = date.fromisoformat(day)
    assert CALENDAR.missing_on(on) == missing
    note = CALENDAR.gap_note(on)
    assert note and str(on.year) in note and on.strftime("%d/%m/%Y") in note


def test_a_state_programme_row_covers_its_start_year(tmp_path: Path) -> None:
    extra = tmp_path / "vgs.toml"
    extra.write_text(
        '[[window]]\nid = "vietnam-grand-sale-2026"\nname = "Vietnam Grand Sale 2026"\nscope = "national"\n'
        'start = 2026-12-01\nend = 2027-01-15\nsource_decision = "MOIT decision"\nconfidence = "S2"\n'
        'kind = "state-program"\n', encoding="utf-8")
    calendar = load_rulebook(calendar_files=[extra]).calendar
    assert calendar.gap_note(date(2026, 12, 2)) is None
    assert calendar.missing_on(date(2027, 3, 1)) == ("state-program",)  # the 2026 edition says nothing of 2027


def test_every_tet_window_is_thirty_days() -> None:
    tet = [w for w in CALENDAR.windows if w.kind == "tet"]
    assert len(tet) == 3
    assert all((w.end - w.start).days + 1 == 30 for w in tet)


def test_investigator_file_adds_and_overrides(tmp_path: Path) -> None:
    extra = tmp_path / "hcm.toml"
    extra.write_text(
        '[[window]]\nid = "culture-day-2026"\nname = "Ngày Văn hóa Việt Nam (confirmed)"\nscope = "national"\n'
        'start = 2026-11-24\nend = 2026-11-24\nsource_decision = "Labor Code as amended"\nconfidence = "S2"\n'
        '[[window]]\nid = "hcm-2026-q4"\nname = "HCMC promotion month"\nscope = "province:79"\n'
        'start = 2026-11-15\nend = 2026-12-31\nsource_decision = "UBND TP.HCM decision"\nconfidence = "S1"\n'
        'kind = "provincial"\n',
        encoding="utf-8",
    )
    rulebook = load_rulebook(environ={"ECWATCH_CALENDAR_FILE": str(extra)})
    cal = rulebook.calendar
    assert [w.id for w in cal.active_on(date(2026, 11, 24))] == ["culture-day-2026"]
    assert [w.id for w in cal.active_on(date(2026, 11, 20), ["79"])] == ["hcm-2026-q4"]
    assert cal.active_on(date(2026, 11, 20), ["01"]) == ()
    assert rulebook.digest != load_rulebook().digest


ROW = 'id = "x"\nname = "X"\nscope = "national"\nstart = 2026-01-01\nend = 2026-01-02\nsource_decision = "d"\nconfidence = "S2"\n'


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (ROW.replace('confidence = "S2"\n', ""), "key 'confidence': missing"),
        (ROW.replace('"national"', '"region:south"'), "key 'scope'"),
        (ROW.replace('"S2"', '"high"'), "key 'confidence'"),
        (ROW.replace("end = 2026-01-02", "end = 2025-12-31"), "key 'end'"),
        (ROW.replace("start = 2026-01-01", 'start = "01/01/2026"'), "key 'start'"),
        (ROW + "colour = 1\n", "key 'colour': unknown key"),
        (ROW + "enabled = 1\n", "key 'enabled'"),
    ],
)
def test_invalid_rows_name_file_row_and_key(row: str, message: str) -> None:
    with pytest.raises(CalendarError) as info:
        parse_calendar("[[window]]\n" + row, source="mine.toml")
    assert "mine.toml#window[1] (x)" in str(info.value) or "mine.toml#window[1] (?)" in str(info.value)
    assert message in str(info.value)


def test_duplicate_ids_in_one_file() -> None:
    with pytest.raises(CalendarError, match="duplicate id"):
        parse_calendar("[[window]]\n" + ROW + "[[window]]\n" + ROW, source="mine.toml")


def test_invalid_toml_names_file() -> None:
    with pytest.raises(CalendarError, match="mine.toml: invalid TOML"):
        parse_calendar("[[window]\n", source="mine.toml")
