"""Engine and session helpers. SQLite (the embedded default) runs in WAL mode."""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker


logger = logging.getLogger(__name__)
T = TypeVar("T")


def make_engine(url: str, **kwargs: Any) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        if "timeout" not in parsed.query:  # how long a writer waits for another's lock (``?timeout=S``)
            kwargs.setdefault("connect_args", {"timeout": 30})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the review app and exports read while a crawl writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def backoff(patience: float, first: float = 0.5) -> tuple[float, ...]:
    """Pauses between attempts, doubling, that add up to about ``patience`` seconds."""
    pauses, total, pause = [], 0.0, first
    while total < patience:
        pause = min(pause, patience - total)
        pauses.append(pause)
        total += pause
        pause *= 2
    return tuple(pauses)


def retrying(work: Callable[[], T], pauses: Sequence[float], what: str) -> T:
    """``work()``, tried again after each pause while the database refuses it (locked, gone away)."""
    for pause in (*pauses, None):
        try:
            return work()
        except (OperationalError, DBAPIError) as exc:
            if pause is None:
                raise
            logger.warning("%s failed (%s); trying again in %g s", what, exc.orig or exc, pause)
            time.sleep(pause)
    raise AssertionError("unreachable")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: committed on success, rolled back on any error."""
    session = session_factory(engine)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
