from __future__ import annotations

import socket

import pytest

from crawler.browser import BrowserNotFound, choose_browser

from ..services import unavailable


@pytest.fixture(scope="session")
def chromium() -> str:
    """The Chromium the browser tests drive; skip (or fail under ECWATCH_REQUIRE_SERVICES=1) without one."""
    try:
        return choose_browser().description
    except BrowserNotFound as exc:
        unavailable(f"no Chromium for Playwright ({exc}); run 'make test' to install one")
        raise  # unreachable: unavailable() skips or fails


@pytest.fixture(scope="session")
def second_loopback() -> str:
    """127.0.0.2: a local address that is not the browser proxy's (127.0.0.1)."""
    try:
        socket.create_server(("127.0.0.2", 0)).close()
    except OSError:
        pytest.skip("127.0.0.2 is not a local address on this machine")
    return "127.0.0.2"
