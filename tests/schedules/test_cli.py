"""``ecwatch schedule``: schedules kept in the database, one-line errors, restarts survived."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine

from cli.main import cli
from schedules import runner

from . import run_ecwatch, start_ecwatch, stop_process, wait_for


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")  # tables unfolded, to read them


def invoke(args: list[str]) -> Result:
    return CliRunner().invoke(cli, args)


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    path = tmp_path / "seeds.txt"
    path.write_text("https://demo-giadung.vn/\n", encoding="utf-8")
    return path


def test_add_list_remove(seeds: Path) -> None:
    added = invoke(["schedule", "add", "nightly", "--cron", "0 2 * * *", "--spider", "storefront",
                    "--seeds", str(seeds), "-s", "ECWATCH_MAX_PAGES_PER_SITE=50", "--time-limit", "90m"])
    assert added.exit_code == 0, added.output
    assert "next run" in added.output and " 02:00:00" in added.output

    listed = invoke(["schedule", "list"])
    assert listed.exit_code == 0, listed.output
    assert "nightly" in listed.output and "0 2 * * *" in listed.output and "storefront" in listed.output
    assert "1.5 h" in listed.output and "never" in listed.output
    assert re.search(r"\d{4}-\d\d-\d\d 02:00:00", listed.output)

    removed = invoke(["schedule", "remove", "nightly"])
    assert removed.exit_code == 0, removed.output
    assert "No schedules yet" in invoke(["schedule", "list"]).output


def test_adding_again_replaces_the_schedule(seeds: Path, tmp_path: Path) -> None:
    for cron in ("0 2 * * *", "30 3 * * *"):
        result = invoke(["schedule", "add", "nightly", "--cron", cron, "--spider", "storefront", "--seeds", str(seeds)])
        assert result.exit_code == 0, result.output
    from cli.common import open_database

    engine = open_database()
    try:
        [info] = runner.list_schedules(engine)
    finally:
        engine.dispose()
    assert info.when == "30 3 * * *" and info.seeds == str(seeds.resolve())


@pytest.mark.parametrize(("args", "message"), [
    (["--cron", "0 25 * * *"], "invalid cron expression '0 25 * * *'"),
    (["--cron", "0 2 * *"], "expected 5 fields"),
    (["--spider", "nosuchspider"], "unknown spider 'nosuchspider'; known spiders: "),
    (["--seeds", "missing.txt"], "--seeds: file not found: missing.txt"),
    (["-s", "LOG_FILE=/tmp/x.log"], "LOG_FILE is set by the scheduler itself"),
    (["--name", "bad name!"], "invalid schedule name"),
    (["--name", "redetect"], "built-in re-detection job"),
])
def test_mistakes_in_add_are_one_line_errors_with_exit_status_2(seeds: Path, args: list[str], message: str) -> None:
    options = {"--cron": "0 2 * * *", "--spider": "storefront", "--seeds": str(seeds), "--name": "nightly"}
    extra: list[str] = []
    for i in range(0, len(args), 2):
        if args[i] in options:
            options[args[i]] = args[i + 1]
        else:
            extra += args[i:i + 2]
    name = options.pop("--name")
    result = invoke(["schedule", "add", name, *[x for pair in options.items() for x in pair], *extra])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("Error: ") and len(result.output.strip().splitlines()) == 1
    assert message in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", ["remove", "run-now"])
def test_an_unknown_schedule_is_a_one_line_error(command: str) -> None:
    result = invoke(["schedule", command, "nosuch"])
    assert result.exit_code == 2
    assert result.output.strip() == "Error: no schedule named 'nosuch' (see 'ecwatch schedule list')"


def test_run_now_redetect_with_nothing_stored_says_so() -> None:
    result = invoke(["schedule", "run-now", "redetect"])
    assert result.exit_code == 0, result.output
    assert "Nothing to re-detect" in result.output


def test_a_schedule_added_through_the_cli_survives_a_scheduler_restart(engine: Engine, database_url: str,
                                                                      seeds: Path, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECWATCH_DATABASE_URL", database_url)
    added = invoke(["schedule", "add", "nightly", "--cron", "0 2 * * *", "--spider", "storefront",
                    "--seeds", str(seeds)])
    assert added.exit_code == 0, added.output
    before = runner.get_schedule(engine, "nightly")

    scheduler_log = tmp_path / "data" / "logs" / "scheduler.log"
    for attempt in range(2):  # start, stop, start again
        output = tmp_path / f"serve-{attempt}.out"
        serve = start_ecwatch(["schedule", "serve"], output)
        try:
            wait_for(lambda: scheduler_log.exists()
                     and scheduler_log.read_text().count("Scheduler started (") > attempt,
                     "the scheduler to start", timeout=120)
            if attempt == 0:  # a second scheduler on the same database would double every run
                second = run_ecwatch(["schedule", "serve"])
                assert second.returncode == 2, second.stderr
                assert second.stderr.startswith("Error: another scheduler is already serving this database (started")
        finally:
            assert stop_process(serve) == 0, output.read_text()
        assert scheduler_log.read_text().count("Scheduler stopped") == attempt + 1

    log = scheduler_log.read_text()
    assert "Schedule nightly (0 2 * * *): next run" in log
    listed = run_ecwatch(["schedule", "list"])  # a fresh process reading the job store
    assert listed.returncode == 0, listed.stderr
    assert "nightly" in listed.stdout and "redetect" in listed.stdout
    after = runner.get_schedule(engine, "nightly")
    assert (after.when, after.next_run, after.spider, after.seeds) == (before.when, before.next_run, before.spider,
                                                                        before.seeds)
    assert [info.name for info in runner.list_schedules(engine)] == ["nightly", "redetect", "revisit"]
