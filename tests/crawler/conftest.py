from __future__ import annotations

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
