"""``-s NAME=VALUE`` checked before a crawl starts: names against the known settings, values against
the type of the setting they override."""

from __future__ import annotations

from typing import Any

import pytest

import re
from pathlib import Path

from crawler.config import OPEN_PREFIXES, ConfigError, check_environment, checked_overrides, known_settings
from crawler.run import project_settings

CRAWLER = Path(__file__).resolve().parents[2] / "crawler"


@pytest.mark.parametrize(("given", "typed"), [
    ({"ROBOTSTXT_OBEY": "no"}, {"ROBOTSTXT_OBEY": False}),
    ({"ECWATCH_EVIDENCE": "On"}, {"ECWATCH_EVIDENCE": True}),
    ({"ECWATCH_RESOLVE_BADGES": False}, {"ECWATCH_RESOLVE_BADGES": False}),
    ({"DEPTH_LIMIT": " 2 "}, {"DEPTH_LIMIT": 2}),
    ({"CLOSESPIDER_TIMEOUT": "21645.5"}, {"CLOSESPIDER_TIMEOUT": 21645.5}),  # the scheduler's time limit
    ({"ECWATCH_PROGRESS_INTERVAL": "0"}, {"ECWATCH_PROGRESS_INTERVAL": 0.0}),
    ({"USER_AGENT": "ecwatch-test"}, {"USER_AGENT": "ecwatch-test"}),
    ({"LOG_LEVEL": "debug"}, {"LOG_LEVEL": "DEBUG"}),
    ({"PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": "2"}, {"PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": "2"}),  # set by the add-on
])
def test_values_take_the_type_of_the_setting(given: dict[str, Any], typed: dict[str, Any]) -> None:
    assert checked_overrides(given, project_settings()) == typed


@pytest.mark.parametrize(("given", "message"), [
    ({"ECWATCH_RENDR": "never"}, "-s ECWATCH_RENDR: unknown setting; did you mean ECWATCH_RENDER?"),
    ({"robotstxt_obey": "0"}, "-s robotstxt_obey: unknown setting; did you mean ROBOTSTXT_OBEY?"),
    ({"ECWATCH_EVIDENCE": "sometimes"}, "-s ECWATCH_EVIDENCE: 'sometimes' is not a yes/no value"),
    ({"CONCURRENT_REQUESTS_PER_DOMAIN": "four"}, "-s CONCURRENT_REQUESTS_PER_DOMAIN: 'four' is not a number"),
    ({"LOG_LEVEL": "chatty"}, "-s LOG_LEVEL: 'chatty' is not a log level"),
])
def test_a_wrong_name_or_value_is_named(given: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        checked_overrides(given, project_settings())
    assert str(raised.value).startswith(message)


def test_the_environment_feeding_yes_no_settings_is_checked() -> None:
    check_environment({"ECWATCH_OBEY_ROBOTS": "yes", "ECWATCH_EVIDENCE": "0", "ECWATCH_LOG_LEVEL": "warning"})
    with pytest.raises(ConfigError, match="ECWATCH_EVIDENCE: 'nope' is not a yes/no value"):
        check_environment({"ECWATCH_EVIDENCE": "nope"})


def test_every_setting_the_crawler_reads_is_one_that_s_accepts() -> None:
    read = set()
    for path in CRAWLER.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        read |= set(re.findall(r'settings(?:\.get\w*\(|, )"([A-Z][A-Z0-9_]+)"', text))
    assert {"ECWATCH_MAX_PAGES_PER_SITE", "ECWATCH_JUDGE_WORKERS", "DEPTH_LIMIT"} <= read
    known = known_settings(project_settings())
    assert {name for name in read if name not in known and not name.startswith(OPEN_PREFIXES)} == set()
