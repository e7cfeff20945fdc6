"""``ecwatch db upgrade``."""

from __future__ import annotations

import click
from sqlalchemy.exc import OperationalError

from storage.migrate import current_revision, upgrade

from .common import CONTEXT_SETTINGS, InputError, connect, first_line, redacted_url, storage_config
from .i18n import tr
from .output import say


@click.group(context_settings=CONTEXT_SETTINGS)
def db() -> None:
    """Database maintenance.

    Example:

    \b
        ecwatch db upgrade
    """


@db.command("upgrade", context_settings=CONTEXT_SETTINGS)
def db_upgrade() -> None:
    """Create or migrate the database schema to the newest version (ECWATCH_DATABASE_URL).

    Example:

    \b
        ECWATCH_DATABASE_URL=postgresql+psycopg://ecwatch@127.0.0.1/ecwatch ecwatch db upgrade
    """
    config = storage_config()
    engine = connect(config)
    try:
        upgrade(engine)
        say(tr("{db} is at revision {revision}", db=redacted_url(config.database_url),
               revision=current_revision(engine)))
    except OperationalError as exc:
        raise InputError(f"cannot reach {redacted_url(config.database_url)}: {first_line(exc.orig)}") from None
    finally:
        engine.dispose()


COMMANDS = (db,)
