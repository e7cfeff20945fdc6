"""What every command shares: the storage configuration, the database, output helpers."""

from __future__ import annotations

import functools
from contextlib import contextmanager
from typing import Any, Callable, Iterator, TypeVar

import click
from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from storage.config import StorageConfig
from storage.db import make_engine, session_scope
from storage.migrate import is_up_to_date, upgrade

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
F = TypeVar("F", bound=Callable[..., Any])

console = Console(stderr=False, highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def storage_config() -> StorageConfig:
    return StorageConfig.from_env()


def open_database(config: StorageConfig | None = None) -> Engine:
    """An engine on an up-to-date schema. SQLite (the embedded store) is migrated on first use;
    a server database must be migrated on purpose with ``ecwatch db upgrade``."""
    config = config or storage_config()
    engine = make_engine(config.database_url)
    try:
        if not is_up_to_date(engine):
            if make_url(config.database_url).get_backend_name() != "sqlite":
                raise click.ClickException(
                    f"the database at {redacted_url(config.database_url)} is not at the current schema: "
                    "run 'ecwatch db upgrade'")
            upgrade(engine)
    except OperationalError as exc:
        raise click.ClickException(f"cannot open the database {redacted_url(config.database_url)}: {exc.orig}") from None
    return engine


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
    return make_url(url).render_as_string(hide_password=True)


def user_errors(*exceptions: type[BaseException]) -> Callable[[F], F]:
    """Turn the library's user-facing exceptions into one-line ClickExceptions."""

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except exceptions as exc:
                raise click.ClickException(str(exc)) from None

        return wrapper  # type: ignore[return-value]

    return decorate
