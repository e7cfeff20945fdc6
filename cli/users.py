"""``ecwatch users``: the review app's accounts (viewer, investigator, admin)."""

from __future__ import annotations

import sys

import click
from rich.markup import escape
from rich.table import Table

from storage.accounts import ROLES, AccountError, add_user, list_users, set_active

from .common import CONTEXT_SETTINGS, console, database_session, user_errors


@click.group(context_settings=CONTEXT_SETTINGS)
def users() -> None:
    """Accounts of the review app: viewer (reads), investigator (decides, exports), admin (users, registry).

    Example:

    \b
        ecwatch users add lan.nguyen --role investigator
    """


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


@users.command("add", context_settings=CONTEXT_SETTINGS)
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(ROLES), help="What the user may do.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
@user_errors(AccountError)
def users_add(name: str, role: str, password_stdin: bool) -> None:
    """Add a user; the password is asked twice (or read from standard input). Stored as an Argon2 hash.

    Example:

    \b
        ecwatch users add lan.nguyen --role investigator
        printf '%s\\n' "$PASSWORD" | ecwatch users add bot.export --role viewer --password-stdin
    """
    password = _read_password(password_stdin)
    with database_session() as session:
        add_user(session, name, role, password)
    console.print(f"Added {name} ({role})", markup=False)


@users.command("list", context_settings=CONTEXT_SETTINGS)
def users_list() -> None:
    """The accounts with their role, whether active, and their last visit.

    Example:

    \b
        ecwatch users list
    """
    with database_session() as session:
        rows = [(u.name, u.role, "yes" if u.active else "no", u.created_at, u.last_visit_at) for u in list_users(session)]
    if not rows:
        console.print("No users yet: add one with 'ecwatch users add NAME --role ROLE'.", markup=False)
        return
    table = Table()
    for column in ("name", "role", "active", "created (UTC)", "last visit (UTC)"):
        table.add_column(column)
    for name, role, active, created, visit in rows:
        table.add_row(escape(name), role, active, created.isoformat(timespec="minutes")[:16],
                      visit.isoformat(timespec="minutes")[:16] if visit else "")
    console.print(table)


@users.command("disable", context_settings=CONTEXT_SETTINGS)
@click.argument("name")
@user_errors(AccountError)
def users_disable(name: str) -> None:
    """Disable an account and end its sessions (kept: its decisions name it).

    Example:

    \b
        ecwatch users disable lan.nguyen
    """
    _set_active(name, False)


@users.command("enable", context_settings=CONTEXT_SETTINGS)
@click.argument("name")
@user_errors(AccountError)
def users_enable(name: str) -> None:
    """Enable a disabled account again.

    Example:

    \b
        ecwatch users enable lan.nguyen
    """
    _set_active(name, True)


def _set_active(name: str, active: bool) -> None:
    with database_session() as session:
        set_active(session, name, active)
    console.print(f"{'Enabled' if active else 'Disabled'} {name}", markup=False)


COMMANDS = (users,)
