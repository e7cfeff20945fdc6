from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.settings import Settings

from crawler.config import ConfigError, EcwatchConfig
from crawler.rendermode import RenderMode, RenderModeError, RenderPolicy, parse_render_mode, parse_render_sites
from crawler.seeds import SeedArguments, SeedError

ALWAYS, NEVER, AUTO = RenderMode.ALWAYS, RenderMode.NEVER, RenderMode.AUTO


@pytest.mark.parametrize(("value", "expected"), [
    ("", {}),
    ("shop.vn=always", {"shop.vn": ALWAYS}),
    (" Shop.VN = Never ; www.other.com.vn=auto ", {"shop.vn": NEVER, "other.com.vn": AUTO}),
    ("https://www.a.vn/path=always", {"a.vn": ALWAYS}),
    ({"b.vn": "never"}, {"b.vn": NEVER}),
])
def test_render_sites_parse(value: str, expected: dict[str, RenderMode]) -> None:
    assert parse_render_sites(value) == expected


@pytest.mark.parametrize(("value", "message"), [
    ("shop.vn", "not SITE=MODE"),
    ("shop.vn=sometimes", "'sometimes' is not a render mode"),
    ("=always", "empty site name"),
])
def test_bad_render_sites_name_the_entry(value: str, message: str) -> None:
    with pytest.raises(RenderModeError, match=message):
        parse_render_sites(value)


@pytest.mark.parametrize(("url", "expected"), [
    ("https://shop.vn/p/1", ALWAYS),  # the site's own entry
    ("https://m.shop.vn/p/1", ALWAYS),  # its registrable domain's entry
    ("https://www.other.vn/", NEVER),
    ("https://blog.other.vn/", AUTO),  # an exact host entry beats the domain's
    ("https://third.vn/", AUTO),  # the default
])
def test_mode_for_prefers_the_exact_host_then_the_domain_then_the_default(url: str, expected: RenderMode) -> None:
    policy = RenderPolicy(AUTO, {"shop.vn": ALWAYS, "other.vn": NEVER, "blog.other.vn": AUTO})
    assert policy.mode_for(url) is expected


def test_settings_modes_win_over_seed_file_modes() -> None:
    policy = RenderPolicy(NEVER, {"shop.vn": ALWAYS}).with_sites({"shop.vn": NEVER, "seeded.vn": ALWAYS})
    assert policy.mode_for("https://shop.vn/") is ALWAYS
    assert policy.mode_for("https://seeded.vn/") is ALWAYS
    assert policy.mode_for("https://else.vn/") is NEVER
    assert RenderPolicy(NEVER).may_render() is False and policy.may_render() is True


def test_browser_settings_are_parsed_once_with_defaults() -> None:
    browser = EcwatchConfig.from_settings(Settings()).browser
    assert browser.render == RenderPolicy(AUTO, {})
    assert (browser.evidence, browser.wanted, browser.pages) == (True, True, 4)
    assert (browser.navigation_timeout, browser.settle_timeout, browser.redirect_wait) == (20.0, 3.0, 1.0)
    assert parse_render_mode("ALWAYS", "x") is ALWAYS


@pytest.mark.parametrize(("name", "value", "message"), [
    ("ECWATCH_RENDER", "sometimes", "ECWATCH_RENDER: 'sometimes' is not a render mode"),
    ("ECWATCH_RENDER_SITES", "a.vn=maybe", "ECWATCH_RENDER_SITES a.vn"),
    ("ECWATCH_NAVIGATION_TIMEOUT", "0", "ECWATCH_NAVIGATION_TIMEOUT must be a positive number"),
    ("ECWATCH_BROWSER_PAGES", "many", "ECWATCH_BROWSER_PAGES must be a positive number"),
])
def test_bad_browser_settings_fail_at_startup_naming_the_setting(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        EcwatchConfig.from_settings(Settings({name: value}))


def test_a_seed_csv_may_give_a_render_mode_per_site(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds.csv"
    seeds.write_text("url,render\nhttps://js.vn/,always\nhttps://js.vn/c/1,\nhttps://plain.vn/,never\n"
                     "https://other.vn/,\n", encoding="utf-8")
    parsed = SeedArguments.parse(seeds=str(seeds))
    assert parsed.render_sites == {"js.vn": ALWAYS, "plain.vn": NEVER}
    assert parsed.as_dict()["render"] == {"js.vn": "always", "plain.vn": "never"}


@pytest.mark.parametrize(("content", "message"), [
    ("url,render\nhttps://a.vn/,fast\n", "line 2, render: 'fast' is not a render mode"),
    ("url,render\nhttps://a.vn/,always\nhttps://a.vn/x,never\n",
     "line 3: render 'never' for a.vn contradicts 'always' on line 2"),
])
def test_bad_render_columns_name_the_line(tmp_path: Path, content: str, message: str) -> None:
    seeds = tmp_path / "seeds.csv"
    seeds.write_text(content, encoding="utf-8")
    with pytest.raises(SeedError, match=message):
        SeedArguments.parse(seeds=str(seeds))
