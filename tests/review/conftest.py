from __future__ import annotations

import re
import socket
import threading
from pathlib import Path
from typing import Iterator

import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from review.app import create_app

from ..crawler.conftest import chromium  # noqa: F401 - the browser tests' fixture
from .planting import PASSWORD, add_users

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def app_engine(engine: Engine) -> Engine:
    """The migrated database (SQLite and PostgreSQL) with the three test users."""
    add_users(engine)
    return engine


@pytest.fixture
def client(app_engine: Engine, data_dir: Path) -> Iterator[TestClient]:
    with TestClient(create_app(app_engine, data_dir), follow_redirects=False) as test_client:
        yield test_client


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def sign_in(client: TestClient, name: str, password: str = PASSWORD) -> str:
    """Sign in through the form; returns the session's CSRF token (from the queue page)."""
    form = client.get("/login")
    answer = client.post("/login", data={"username": name, "password": password, "csrf_token": csrf_of(form.text),
                                         "next": "/"})
    assert answer.status_code == 303, answer.text
    return csrf_of(client.get("/").text)


class AppServer:
    """The app on 127.0.0.1 in a thread, on a socket bound before it starts (no wait for a port)."""

    def __init__(self, engine: Engine, data_dir: Path) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(64)
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        config = uvicorn.Config(create_app(engine, data_dir), log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)

    def __enter__(self) -> AppServer:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.socket.close()
