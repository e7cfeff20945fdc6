"""Every mistake a user can make on the command line is one line naming the bad value and what is
accepted, with exit status 2; nothing is started or written."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli

SITE = "https://shop.example.vn/"


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    path = tmp_path / "seeds.txt"
    path.write_text(SITE + "\n", encoding="utf-8")
    return path


def _file(tmp_path: Path) -> Path:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    return blocker


# (arguments, environment, words the one line must hold). "{tmp}" is the test's tmp_path.
MISTAKES = [
    (["crawl", "storefront"], {}, "no seeds: give --url URL (repeatable) or --seeds FILE"),
    (["crawl", "storefrnt", "--url", SITE], {}, "unknown spider 'storefrnt'; did you mean storefront?"),
    (["crawl", "nosuch", "--url", SITE], {}, "unknown spider 'nosuch'; known spiders: ads, storefront"),
    (["crawl", "storefront", "--url", SITE, "-s", "ECWATCH_MAX_PAGES_PER_SITE=abc"], {},
     "-s ECWATCH_MAX_PAGES_PER_SITE: 'abc' is not a number"),
    (["crawl", "storefront", "--url", SITE, "-s", "ECWATCH_MAX_PAGES_PER_SITE=0"], {},
     "ECWATCH_MAX_PAGES_PER_SITE must be a positive number, got 0 (whole numbers only)"),
    (["crawl", "storefront", "--url", SITE, "-s", "ECWATCH_MAX_PAGE_PER_SITE=3"], {},
     "-s ECWATCH_MAX_PAGE_PER_SITE: unknown setting; did you mean ECWATCH_MAX_PAGES_PER_SITE?"),
    (["crawl", "storefront", "--url", SITE, "-s", "NOT_A_SETTING_AT_ALL=1"], {},
     "-s NOT_A_SETTING_AT_ALL: unknown setting; see 'Crawler settings' in the README"),
    (["crawl", "storefront", "--url", SITE, "-s", "ECWATCH_OBEY_ROBOTS=0"], {},
     "-s ECWATCH_OBEY_ROBOTS: that is an environment variable; the setting is ROBOTSTXT_OBEY"),
    (["crawl", "storefront", "--url", SITE, "-s", "ROBOTSTXT_OBEY=maybe"], {},
     "-s ROBOTSTXT_OBEY: 'maybe' is not a yes/no value; use 1/0, true/false, yes/no or on/off"),
    (["crawl", "storefront", "--url", SITE], {"ECWATCH_OBEY_ROBOTS": "maybe"},
     "ECWATCH_OBEY_ROBOTS: 'maybe' is not a yes/no value"),
    (["crawl", "storefront", "--url", SITE], {"ECWATCH_LOG_LEVEL": "loud"},
     "ECWATCH_LOG_LEVEL: 'loud' is not a log level; use one of CRITICAL, ERROR, WARNING, INFO, DEBUG"),
    (["crawl", "storefront", "--url", SITE, "-s", "ECWATCH_DETECT_ON=20/11/2026"], {},
     "ECWATCH_DETECT_ON must be YYYY-MM-DD, got '20/11/2026'"),
    (["findings", "--rule", "PROMO-DISC-5O"], {}, "--rule: unknown rule 'PROMO-DISC-5O'; did you mean PROMO-DISC-50?"),
    (["findings", "--rule", "NOPE"], {}, "--rule: unknown rule 'NOPE'; 'ecwatch rules' lists them"),
    (["findings", "--site", "nosuch.vn"], {}, "--site: no site 'nosuch.vn' in sqlite:///{tmp}/data/ecwatch.db"),
    (["export", "findings", "--rule", "promo-disk-50", "-o", "{tmp}/x.csv"], {},
     "--rule: unknown rule 'promo-disk-50'; did you mean PROMO-DISC-50?"),
    (["rejudge", "--site", "nosuch.vn"], {}, "--site: no site 'nosuch.vn'"),
    (["findings", "show", "999"], {}, "no finding with id 999 in sqlite:///{tmp}/data/ecwatch.db"),
    (["runs"], {"ECWATCH_DATA_DIR": "{tmp}/a-file/data"},
     "ECWATCH_DATA_DIR: cannot create {tmp}/a-file/data: Not a directory; set ECWATCH_DATA_DIR to a directory"),
    (["findings"], {"ECWATCH_DATA_DIR": "{tmp}/a-file"}, "ECWATCH_DATA_DIR: {tmp}/a-file exists and is not a directory"),
    (["runs"], {"ECWATCH_DATABASE_URL": "not a url"},
     "ECWATCH_DATABASE_URL: 'not a url' is not a database URL ecwatch can open"),
    (["runs"], {"ECWATCH_DATABASE_URL": "nosuchdb://x/y"}, "ECWATCH_DATABASE_URL: 'nosuchdb://x/y' is not a database URL"),
    (["runs"], {"ECWATCH_DATABASE_URL": "postgresql+psycopg://nobody:secret@127.0.0.1:1/x"},
     "cannot open the database postgresql+psycopg://nobody:***@127.0.0.1:1/x"),
    (["db", "upgrade"], {"ECWATCH_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/x"},
     "cannot reach postgresql+psycopg://nobody@127.0.0.1:1/x"),
    (["findings"], {"ECWATCH_LANG": "fr"}, "ECWATCH_LANG: 'fr' is not a language ecwatch speaks; use vi or en"),
    (["schedule", "add", "nightly", "--cron", "0 2 * * *", "--spider", "storefront", "--seeds", "{seeds}",
      "-s", "DEPTH_LIMT=2"], {}, "-s DEPTH_LIMT: unknown setting; did you mean DEPTH_LIMIT?"),
    (["schedule", "add", "nightly", "--cron", "0 2 * * *", "--spider", "storefrnt", "--seeds", "{seeds}"], {},
     "unknown spider 'storefrnt'; did you mean storefront?"),
    (["detect", "missing.html", "--url", SITE], {}, "page not found: missing.html"),
    (["enqueue", "storefront", "--url", SITE], {"ECWATCH_REDIS_URL": "redis://127.0.0.1:1/0"},
     "cannot reach Redis at redis://127.0.0.1:1/0 (ECWATCH_REDIS_URL)"),
    (["worker", "storefront"], {"ECWATCH_REDIS_URL": "redis://127.0.0.1:1/0"},
     "cannot reach Redis at redis://127.0.0.1:1/0 (ECWATCH_REDIS_URL)"),
    (["enqueue", "storefront", "--url", SITE], {"ECWATCH_REDIS_URL": "http://not-redis/"}, "ECWATCH_REDIS_URL 'http://not-redis/'"),
    (["enqueue", "storefront", "--url", SITE, "--run", "no spaces"], {}, "--run 'no spaces': use letters, digits"),
    (["enqueue", "ads", "--seeds", "{seeds}"], {}, "the shared mode runs the storefront spider; crawl ads with 'ecwatch crawl'"),
    (["enqueue", "storefrnt", "--url", SITE], {}, "unknown spider 'storefrnt'; did you mean storefront?"),
    (["enqueue", "storefront", "--url", "ftp://shop.example.vn/"], {}, "--url: 'ftp://shop.example.vn/' is not an http(s) URL"),
    (["enqueue", "storefront"], {}, "give the seeds: --url URL (repeatable) or --seeds FILE"),
    (["worker", "storefront", "--concurrency", "0"], {}, "Invalid value for '--concurrency'"),
    # click's own checks are one line too (no usage text: -h shows it)
    (["crawl", "storefront", "-s", "NOEQUALS"], {}, "Invalid value for '-s': 'NOEQUALS' is not NAME=VALUE"),
    (["findings", "--status", "pending"], {}, "Invalid value for '--status': 'pending' is not one of 'open', 'gone'"),
    (["findings", "show"], {}, "Missing argument 'FINDING_ID'"),
    (["demo", "serve", "--port", "70000"], {}, "Invalid value for '--port': 70000 is not in the range 0<=x<=65535"),
]


@pytest.mark.parametrize(("args", "env", "message"), MISTAKES, ids=[" ".join(m[0][:4]) + str(sorted(m[1])) for m in MISTAKES])
def test_a_mistake_is_one_line_naming_the_value_with_exit_status_2(args: list[str], env: dict[str, str], message: str,
                                                                   tmp_path: Path, seeds: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    _file(tmp_path)
    fill = {"tmp": str(tmp_path), "seeds": str(seeds)}
    for name, value in env.items():
        monkeypatch.setenv(name, value.format(**fill))
    result = CliRunner().invoke(cli, [arg.format(**fill) for arg in args])
    lines = result.output.strip().splitlines()
    assert result.exit_code == 2, result.output
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert message.format(**fill) in lines[0]
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)


def test_a_rule_id_matches_whatever_its_case(monkeypatch: pytest.MonkeyPatch) -> None:
    result = CliRunner().invoke(cli, ["findings", "--rule", "promo-disc-50", "--format", "tsv"])
    assert result.exit_code == 0, result.output
    assert "No findings match (database sqlite:///" in result.stderr


def test_nothing_is_written_in_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ECWATCH_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    result = CliRunner().invoke(cli, ["export", "findings", "-o", str(tmp_path / "out.csv")])
    assert result.exit_code == 0, result.output
    assert f"(database sqlite:///{tmp_path}/xdg/ecwatch/ecwatch.db)" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv", "xdg"]  # no ./var
