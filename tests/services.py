"""Access to the real PostgreSQL and Redis servers for tests.

Where a server is absent (a user's laptop) the tests that need it skip with the reason;
under ``ECWATCH_REQUIRE_SERVICES=1`` (CI) that skip becomes a failure.
"""

from __future__ import annotations

import os
import socket
import uuid
from urllib.parse import urlsplit
from contextlib import contextmanager
from typing import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

POSTGRES_URL = os.environ.get("ECWATCH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("ECWATCH_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def services_required() -> bool:
    return os.environ.get("ECWATCH_REQUIRE_SERVICES", "") not in ("", "0")


def unavailable(what: str) -> None:
    if services_required():
        pytest.fail(f"{what} (ECWATCH_REQUIRE_SERVICES=1 makes this a failure)", pytrace=False)
    pytest.skip(what)


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """A new, empty database on the test server, dropped afterwards; yields its URL."""
    url = make_url(POSTGRES_URL)
    if not _reachable(url.host or "127.0.0.1", url.port or 5432):
        unavailable(f"PostgreSQL is not reachable at {url.host}:{url.port or 5432} (ECWATCH_TEST_POSTGRES_URL)")
    name = f"ecwatch_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any refusal means the server can't be used
        admin.dispose()
        unavailable(f"cannot create a test database on {url.host}: {exc}")
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def redis_url_or_skip() -> str:
    parts = urlsplit(REDIS_URL)
    if not _reachable(parts.hostname or "127.0.0.1", parts.port or 6379):
        unavailable(f"Redis is not reachable at {parts.hostname}:{parts.port or 6379} (ECWATCH_TEST_REDIS_URL)")
    return REDIS_URL
