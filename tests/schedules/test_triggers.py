"""Cron expressions mean what they mean in crontab, in Vietnam time."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from schedules.runner import ScheduleError, cron_trigger, crontab_weekdays, describe_trigger

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.mark.parametrize(("spec", "expected"), [
    ("*", "*"),
    ("1-5", "mon,tue,wed,thu,fri"),
    ("0", "sun"),
    ("7", "sun"),
    ("0,6", "sun,sat"),
    ("5-7", "fri,sat,sun"),
    ("*/2", "sun,tue,thu,sat"),
    ("mon-fri", "mon-fri"),
    ("sat,1", "sat,mon"),
])
def test_crontab_weekday_numbers_count_from_sunday(spec: str, expected: str) -> None:
    assert crontab_weekdays(spec) == expected


def test_a_nightly_cron_fires_at_two_in_the_morning_vietnam_time() -> None:
    trigger = cron_trigger("0 2 * * *")
    now = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)  # 19:00 in Hanoi
    fire = trigger.get_next_fire_time(None, now)
    assert fire is not None
    assert fire.astimezone(VIETNAM).replace(tzinfo=None) == datetime(2026, 11, 24, 2, 0)
    assert fire.astimezone(timezone.utc).replace(tzinfo=None) == datetime(2026, 11, 23, 19, 0)
    assert describe_trigger(trigger) == "0 2 * * *"


def test_weekdays_one_to_five_are_monday_to_friday() -> None:
    trigger = cron_trigger("30 1 * * 1-5")
    saturday = datetime(2026, 11, 21, 0, 0, tzinfo=VIETNAM)
    fire = trigger.get_next_fire_time(None, saturday)
    assert fire is not None and fire.astimezone(VIETNAM).strftime("%a %H:%M") == "Mon 01:30"


@pytest.mark.parametrize(("expression", "message"), [
    ("0 2 * *", "expected 5 fields"),
    ("0 25 * * *", "invalid cron expression"),
    ("61 2 * * *", "invalid cron expression"),
    ("0 2 * * 8", "invalid weekday"),
    ("0 2 * * funday", "invalid cron expression"),
    ("every night", "expected 5 fields"),
])
def test_bad_cron_expressions_are_schedule_errors(expression: str, message: str) -> None:
    with pytest.raises(ScheduleError, match=message):
        cron_trigger(expression)
