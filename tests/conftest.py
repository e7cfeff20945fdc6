from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import Engine

from storage.db import make_engine
from storage.migrate import upgrade

from .services import fresh_postgres_database


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets its own data dir and never sees the developer's database."""
    monkeypatch.setenv("ECWATCH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("ECWATCH_DATABASE_URL", raising=False)
    monkeypatch.setenv("TLDEXTRACT_CACHE", str(tmp_path / "tldextract"))
    # The CLI speaks Vietnamese by default; tests read its English words unless they choose (--lang vi).
    monkeypatch.setenv("ECWATCH_LANG", "en")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The same test on the embedded SQLite store and on the real PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ecwatch.db'}"
    else:
        with fresh_postgres_database() as url:
            yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()
