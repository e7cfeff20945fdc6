#!/bin/sh
# Makes sure Playwright has a Chromium to drive: Playwright's own build where it is
# installed, otherwise the system Chromium (apt), otherwise `playwright install`.
# Prints one line and exits 0 when a browser is found; one line and 1 when none can be had.
PY="${1:-python3}"
if "$PY" -m crawler.browser --check >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "ecwatch: installing Debian's chromium for Playwright (apt-get install -y chromium)"
    export DEBIAN_FRONTEND=noninteractive
    { apt-get install -y -q chromium || { apt-get update -q && apt-get install -y -q chromium; }; } >/dev/null 2>&1
fi
if ! "$PY" -m crawler.browser --check >/dev/null 2>&1; then
    echo "ecwatch: trying 'playwright install chromium'"
    "$PY" -m playwright install chromium >/dev/null 2>&1
fi
"$PY" -m crawler.browser --check
