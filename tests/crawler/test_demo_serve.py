"""``ecwatch demo serve`` prints what a newcomer needs to crawl the demo shops by hand, and that
command works; ``ecwatch demo`` ends with three commands that work as printed."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.demo import next_steps
from cli.main import cli
from crawler.netpolicy import parse_host_map
from storage.db import session_scope

from ..exports.conftest import Store, cli_store, data_dir, detected  # noqa: F401 - fixtures
from .crawls import NO_BROWSER, ROOT, Crawl


def _split(command: str) -> tuple[dict[str, str], list[str]]:
    """``NAME=VALUE... ecwatch ARGS... # comment`` -> (environment, ARGS)."""
    words = shlex.split(command, comments=True)
    env = {}
    while "=" in words[0]:
        name, _, value = words.pop(0).partition("=")
        env[name] = value
    assert Path(words[0]).name == "ecwatch", command
    return env, words[1:]


def test_demo_serve_prints_the_host_map_and_a_crawl_that_works(tmp_path: Path) -> None:
    env = {**os.environ, **NO_BROWSER, "PYTHONPATH": str(ROOT), "ECWATCH_DATA_DIR": str(tmp_path / "data")}
    serve = subprocess.Popen([sys.executable, "-m", "cli.main", "demo", "serve"], cwd=ROOT, env=env, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert serve.stdout is not None
        lines = [serve.stdout.readline().rstrip("\n") for _ in range(7)]
        assert lines[0].startswith("Demo shops on http://127.0.0.1:") and lines[0].endswith("(Ctrl-C to stop).")
        assert lines[1] == "Host map (the form ECWATCH_HOST_MAP takes):"
        host_map = parse_host_map(lines[2].strip().removeprefix("ECWATCH_HOST_MAP="))
        assert {"demo-giadung.vn", "demo-thoitrang.vn", "online.gov.vn"} <= set(host_map)
        assert set(host_map.values()) == {"127.0.0.1"}
        assert lines[5] == "Try a crawl, in another terminal:"
        crawl_env, args = _split(lines[6])
        assert crawl_env == {"ECWATCH_DATA_DIR": str(tmp_path / "data")}
        assert args[:2] == ["crawl", "storefront"] and f"ECWATCH_HOST_MAP={lines[2].split('=', 1)[1]}" in args
        completed = subprocess.run(
            [sys.executable, "-m", "cli.main", *args, "-s", "ECWATCH_MAX_PAGES_PER_SITE=3", "-s",
             "ECWATCH_PROGRESS_INTERVAL=0"], cwd=ROOT, env={**env, **crawl_env}, capture_output=True, text=True,
            timeout=300)
        assert completed.returncode == 0, completed.stdout + completed.stderr
        assert "Crawl run 1 (storefront): finished" in completed.stdout
        run = Crawl(completed, tmp_path / "data").last_run()
        assert run.pages == 3 and run.error is None
    finally:
        serve.send_signal(signal.SIGINT)
        out, _ = serve.communicate(timeout=60)
    assert serve.returncode == 0
    assert out.strip().endswith("Stopped.")


def test_the_demo_ends_with_three_commands_that_work_as_printed(cli_store: Store, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    with session_scope(cli_store.engine) as session:
        cli_store.add_page(session, [detected(rule="ECOM-NOTIFY-MISSING", subject="site")])
        [disc] = cli_store.add_page(session, [detected()], url="https://demo-giadung.vn/p/2")
    heading, *commands = next_steps()
    assert heading == "Next, try:" and len(commands) == 3
    monkeypatch.chdir(tmp_path)
    outputs = []
    for command in commands:
        env, args = _split(command)
        assert env == {"ECWATCH_DATA_DIR": os.environ["ECWATCH_DATA_DIR"]}
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, (command, result.output)
        outputs.append(result.stdout)
    assert args == ["export", "findings", "-o", "demo-findings.csv"] and (tmp_path / "demo-findings.csv").exists()
    assert len(outputs[0].splitlines()) == 3  # the header and both findings
    assert outputs[1].startswith(f"Finding {disc}: PROMO-DISC-50")  # the example is a discount finding
