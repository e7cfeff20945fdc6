"""Which Chromium Playwright drives, and with which flags.

Playwright's own build where ``playwright install chromium`` put one; otherwise the
system Chromium (``ECWATCH_CHROMIUM``, then ``/usr/bin/chromium``). ``python -m
crawler.browser --check`` prints the choice in one line (exit 0) or how to get one (exit 1).
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

# Offline and as root: no sandbox (root), no GPU, and none of Chromium's calls home,
# which this machine's closed network would refuse many at a time.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)
SYSTEM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
HOW_TO_GET_ONE = (
    "no Chromium for Playwright: run 'playwright install chromium' (with internet) "
    "or 'apt-get install -y chromium', or set ECWATCH_CHROMIUM to a Chromium binary"
)


class BrowserNotFound(RuntimeError):
    pass


@dataclass(frozen=True)
class BrowserChoice:
    executable_path: str | None  # None: Playwright's own build
    description: str


def playwright_chromium() -> str | None:
    """The path of Playwright's bundled Chromium if it is installed."""
    root = Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or Path.home() / ".cache" / "ms-playwright")
    if not root.is_dir():
        return None
    for candidate in sorted(root.glob("chromium*/chrome-linux*/chrome"), reverse=True):
        if os.access(candidate, os.X_OK):
            return str(candidate)
    for candidate in sorted(root.glob("chromium_headless_shell*/chrome-*/*headless_shell"), reverse=True):
        if os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def choose_browser() -> BrowserChoice:
    explicit = os.environ.get("ECWATCH_CHROMIUM")
    if explicit:
        if not os.access(explicit, os.X_OK):
            raise BrowserNotFound(f"ECWATCH_CHROMIUM={explicit} is not an executable file")
        return BrowserChoice(explicit, f"ECWATCH_CHROMIUM ({explicit})")
    bundled = playwright_chromium()
    if bundled:
        return BrowserChoice(None, f"Playwright's Chromium ({bundled})")
    for candidate in SYSTEM_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return BrowserChoice(found, f"system Chromium ({found})")
    raise BrowserNotFound(HOW_TO_GET_ONE)


def launch_options(headless: bool = True, host_map: dict[str, str] | None = None) -> dict[str, object]:
    choice = choose_browser()
    args = list(CHROMIUM_ARGS)
    if host_map:
        rules = ", ".join(f"MAP {host} {ip}" for host, ip in sorted(host_map.items()))
        args.append(f"--host-resolver-rules={rules}")
    options: dict[str, object] = {"headless": headless, "args": args}
    if choice.executable_path:
        options["executable_path"] = choice.executable_path
    return options


def main(argv: list[str]) -> int:
    try:
        choice = choose_browser()
    except BrowserNotFound as exc:
        print(f"ecwatch: {exc}", file=sys.stderr)
        return 1
    if "--check" in argv:
        print(f"ecwatch: browser: {choice.description}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
