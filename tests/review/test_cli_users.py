"""``ecwatch users`` as an administrator meets it: passwords from stdin or a prompt, one-line errors."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select

from cli.main import cli
from storage.config import StorageConfig
from storage.db import make_engine, session_scope
from storage.models import ReviewUser


def _users() -> dict[str, tuple[str, bool]]:
    engine = make_engine(StorageConfig.from_env().database_url)
    with session_scope(engine) as session:
        found = {u.name: (u.role, u.active) for u in session.scalars(select(ReviewUser))}
    engine.dispose()
    return found


def test_users_are_added_listed_and_disabled() -> None:
    runner = CliRunner()
    added = runner.invoke(cli, ["users", "add", "lan.nguyen", "--role", "investigator", "--password-stdin"],
                          input="mat-khau-rat-dai-2026\n", catch_exceptions=False)
    assert added.exit_code == 0, added.output
    prompted = runner.invoke(cli, ["users", "add", "minh.tran", "--role", "viewer"],
                             input="mat-khau-rat-dai-2026\nmat-khau-rat-dai-2026\n", catch_exceptions=False)
    assert prompted.exit_code == 0, prompted.output
    listed = runner.invoke(cli, ["users", "list"], catch_exceptions=False)
    assert "lan.nguyen" in listed.output and "investigator" in listed.output and "minh.tran" in listed.output
    assert runner.invoke(cli, ["users", "disable", "minh.tran"], catch_exceptions=False).exit_code == 0
    assert _users() == {"lan.nguyen": ("investigator", True), "minh.tran": ("viewer", False)}
    assert runner.invoke(cli, ["users", "enable", "minh.tran"], catch_exceptions=False).exit_code == 0
    assert _users()["minh.tran"] == ("viewer", True)


def test_user_mistakes_are_one_line_errors() -> None:
    runner = CliRunner()
    runner.invoke(cli, ["users", "add", "lan.nguyen", "--role", "admin", "--password-stdin"],
                  input="mat-khau-rat-dai-2026\n")
    for args, stdin, message in (
        (["users", "add", "lan.nguyen", "--role", "viewer", "--password-stdin"], "mat-khau-khac-2026\n",
         "exists already"),
        (["users", "add", "hoa", "--role", "viewer", "--password-stdin"], "ngan\n", "at least 10 characters"),
        (["users", "disable", "khong.co"], "", "no user 'khong.co'"),
    ):
        result = runner.invoke(cli, args, input=stdin)
        # Input a user can fix: exit status 2, as for every input mistake on the command line (cli/errors.py).
        assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output, args
