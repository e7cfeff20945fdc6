"""The command line as a user meets it: help everywhere, examples, clear one-line errors."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from cli.main import cli

README = Path(__file__).resolve().parents[1] / "README.md"


def _all_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    found = []
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        found.append((path, command))
        if isinstance(command, click.Group):
            found.extend(_all_commands(command, path))
    return found


COMMANDS = _all_commands(cli)


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_every_command_has_help_with_an_example_and_is_in_the_readme(path: tuple[str, ...],
                                                                     command: click.Command) -> None:
    result = CliRunner().invoke(cli, [*path, "-h"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "Example" in result.output
    assert f"ecwatch {' '.join(path)}" in README.read_text(encoding="utf-8")


def test_runs_on_an_empty_store_says_so() -> None:
    result = CliRunner().invoke(cli, ["runs"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "No crawl runs yet" in result.output


def test_db_upgrade_creates_the_embedded_database(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["db", "upgrade"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "data" / "ecwatch.db").exists()


@pytest.mark.parametrize(("args", "message"), [
    (["crawl", "storefront", "--url", "not-a-url"], "not an http(s) URL"),
    (["crawl", "storefront", "--seeds", "missing.txt"], "file not found"),
    (["crawl", "storefront", "-s", "NOEQUALS"], "is not NAME=VALUE"),
    (["detect", "missing.html", "--url", "https://a.vn/"], "page not found"),
    (["detect", "--url", "https://a.vn/"], "give PAGE and --url URL"),
])
def test_user_mistakes_are_one_line_errors_without_tracebacks(args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
