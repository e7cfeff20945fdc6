"""What every command shares: the storage configuration, the database, the consoles."""

from __future__ import annotations

import re
from contextlib import contextmanager
from typing import Iterator

from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session

from storage.config import DataDirError, StorageConfig
from storage.db import make_engine, session_scope
from storage.migrate import is_up_to_date, upgrade

from .errors import InputError, runtime_errors, user_errors

__all__ = ["CONTEXT_SETTINGS", "InputError", "connect", "console", "database", "database_label", "database_session",
           "err_console", "first_line", "open_database", "redacted_url", "runtime_errors", "storage_config",
           "user_errors"]

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
URL_EXAMPLE = "postgresql+psycopg://user@127.0.0.1:5432/ecwatch or sqlite:////srv/ecwatch/ecwatch.db"

console = Console(stderr=False, highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def storage_config() -> StorageConfig:
    return StorageConfig.from_env()


def open_database(config: StorageConfig | None = None) -> Engine:
    """An engine on an up-to-date schema. SQLite (the embedded store) is migrated on first use;
    a server database must be migrated on purpose with ``ecwatch db upgrade``.

    The data directory must be writable and the URL must open: either mistake is one line (exit 2)."""
    config = config or storage_config()
    engine = connect(config)
    try:
        if not is_up_to_date(engine):
            if make_url(config.database_url).get_backend_name() != "sqlite":
                raise InputError(f"the database at {redacted_url(config.database_url)} is not at the current schema: "
                                 "run 'ecwatch db upgrade'")
            upgrade(engine)
    except OperationalError as exc:
        engine.dispose()
        raise InputError(f"cannot open the database {redacted_url(config.database_url)}: "
                         f"{first_line(exc.orig)}") from None
    return engine


def connect(config: StorageConfig) -> Engine:
    """An engine for the configured URL, in a data directory that can be written."""
    try:
        config.ensure_data_dir()
    except DataDirError as exc:
        raise InputError(str(exc)) from None
    try:
        return make_engine(config.database_url)
    except (ArgumentError, ImportError, ValueError) as exc:
        raise InputError(f"ECWATCH_DATABASE_URL: {redacted_url(config.database_url)!r} is not a database URL ecwatch "
                         f"can open ({first_line(exc)}); e.g. {URL_EXAMPLE}") from None


@contextmanager
def database(config: StorageConfig | None = None) -> Iterator[Engine]:
    """``open_database`` for the length of a ``with`` block."""
    engine = open_database(config)
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def database_session(config: StorageConfig | None = None) -> Iterator[Session]:
    """One transaction on an up-to-date database, which is closed afterwards."""
    with database(config) as engine, session_scope(engine) as session:
        yield session


def redacted_url(url: str) -> str:
    """The URL without its password, also when SQLAlchemy cannot parse it."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", url)


def first_line(exc: object) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def database_label(config: StorageConfig | None = None) -> str:
    """The database a command used, as its output names it when it wrote or found nothing."""
    return redacted_url((config or storage_config()).database_url)
