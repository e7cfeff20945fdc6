"""Why a request failed, in an investigator's words, and what that makes of a run.

Spiders' errbacks call ``record_failure``: the reason is counted (``ecwatch/failures/<reason>``)
and, for a seed (a request marked with ``SEED_META``, which redirects keep), stored per seed URL
(``ecwatch/seed_failures/<url>``). At the end ``run_outcome`` decides the run's status: ``failed``
with each seed's reason when no page could be fetched, ``finished`` with the reasons by count
when only some requests failed ("finished with errors").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import defer, error

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from twisted.python.failure import Failure

SEED_META = "ecwatch_seed"
FAILURES = "ecwatch/failures/"
SEED_FAILURES = "ecwatch/seed_failures/"
# Reason keys (stats, the CLI) and the words the run record uses for them.
REASONS = {
    "dns": "DNS lookup failed",
    "refused": "connection refused",
    "tls": "TLS/certificate error",
    "timeout": "timed out",
    "robots": "forbidden by robots.txt",
    "private": "private address refused",
    "connection": "connection closed",
    "other": "other error",
}
# Chromium's net error names (Playwright messages) for the same reasons.
# A connection the browser proxy refuses (crawler.browserproxy) reaches the page as a closed connection
# (ERR_EMPTY_RESPONSE, ERR_TUNNEL_CONNECTION_FAILED): ``run_outcome`` adds the proxy's count of refusals.
BROWSER_ERRORS = (("ERR_NAME_NOT_RESOLVED", "dns"), ("ERR_CONNECTION_REFUSED", "refused"), ("ERR_CERT", "tls"),
                  ("ERR_SSL", "tls"), ("ERR_TIMED_OUT", "timeout"), ("Timeout", "timeout"),
                  ("ERR_EMPTY_RESPONSE", "connection"), ("ERR_CONNECTION_CLOSED", "connection"),
                  ("ERR_CONNECTION_RESET", "connection"), ("ERR_TUNNEL_CONNECTION_FAILED", "connection"))


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception, its causes and, for Twisted's wrapper exceptions, the failures they wrap."""
    seen: set[int] = set()
    pending = [exc]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending += [x for x in (current.__cause__, current.__context__) if x is not None]
        pending += [reason.value for reason in getattr(current, "reasons", None) or () if hasattr(reason, "value")]


def _reason_of(exc: BaseException) -> str | None:
    if isinstance(exc, HttpError) and exc.response is not None:
        return f"http-{exc.response.status}"
    if isinstance(exc, IgnoreRequest):
        text = str(exc)
        return "robots" if "robots.txt" in text else "private" if "private target" in text else "other"
    if isinstance(exc, (CannotResolveHostError, error.DNSLookupError)):
        return "dns"
    if isinstance(exc, (DownloadConnectionRefusedError, error.ConnectionRefusedError)):
        return "refused"
    if isinstance(exc, (DownloadTimeoutError, error.TimeoutError, error.TCPTimedOutError, defer.TimeoutError,
                        TimeoutError)):
        return "timeout"
    if isinstance(exc, error.SSLError) or type(exc).__module__.startswith("OpenSSL"):
        return "tls"
    for marker, reason in BROWSER_ERRORS:
        if marker in str(exc):
            return reason
    return None


def failure_reason(exc: BaseException) -> str:
    """``dns``, ``refused``, ``tls``, ``timeout``, ``robots``, ``private``, ``http-<status>``, ``connection``
    or ``other``. The most specific reason anywhere in the chain wins (a TLS error wrapped in a
    "response failed" is TLS)."""
    for reason in map(_reason_of, _chain(exc)):
        if reason and reason != "other":
            return reason
    if any(isinstance(x, (error.ConnectionLost, error.ConnectionDone)) for x in _chain(exc)):
        return "connection"
    return "other"


def reason_label(reason: str) -> str:
    if reason.startswith("http-"):
        return f"HTTP {reason.removeprefix('http-')}"
    return REASONS.get(reason, reason)


def record_failure(crawler: Crawler, failure: Failure) -> str:
    """Count a failed request by its reason (and its seed's, if it was one); returns the reason."""
    reason = failure_reason(failure.value)
    stats = crawler.stats
    stats.inc_value("ecwatch/errors")
    stats.inc_value(f"ecwatch/errors/{failure.type.__name__}")
    stats.inc_value(f"{FAILURES}{reason}")
    request = getattr(failure, "request", None)
    seed = request.meta.get(SEED_META) if request is not None else None
    if seed:
        stats.set_value(f"{SEED_FAILURES}{seed}", reason)
    return reason


def failure_counts(stats: Mapping[str, Any]) -> dict[str, int]:
    """Failed requests by reason, most frequent first."""
    counts = {key.removeprefix(FAILURES): int(value) for key, value in stats.items() if key.startswith(FAILURES)}
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def seed_failures(stats: Mapping[str, Any]) -> dict[str, str]:
    """The reason each failed seed URL failed."""
    return {key.removeprefix(SEED_FAILURES): str(value) for key, value in sorted(stats.items())
            if key.startswith(SEED_FAILURES)}


def _proxy_note(stats: Mapping[str, Any], reasons: Iterable[str]) -> str:
    """For failures the browser saw only as closed connections: what the browser proxy refused meanwhile."""
    if "connection" not in reasons:
        return ""
    refused = int(stats.get("ecwatch/refused_private_target", 0) or 0)
    unresolved = int(stats.get("ecwatch/browser_proxy/unresolved", 0) or 0)
    parts = [f"{refused} to private addresses refused"] if refused else []
    parts += [f"{unresolved} to names that do not resolve"] if unresolved else []
    return f" (connections: {', '.join(parts)}; see the log)" if parts else ""


def counted(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{count} {reason_label(reason)}" for reason, count in counts.items())


def run_outcome(stats: Mapping[str, Any], close_reason: str) -> tuple[str, str | None]:
    """(status, error) of a run from its statistics: ``failed`` when it stopped early or no page could
    be fetched (the error says why for each seed), else ``finished``, with the reasons by count when
    some requests failed or errors were logged."""
    if close_reason != "finished":
        return "failed", f"crawl ended: {close_reason}"
    counts = failure_counts(stats)
    # A resumed run counts the pages its first attempt stored.
    if not int(stats.get("ecwatch/snapshots", 0)) + int(stats.get("ecwatch/resume/stored", 0)):
        seeds = seed_failures(stats)
        why = "; ".join(f"{url}: {reason_label(reason)}" for url, reason in seeds.items()) or counted(counts)
        note = _proxy_note(stats, [*seeds.values(), *counts])
        return "failed", f"no page could be fetched: {why or 'see the log'}{note}"
    logged = int(stats.get("log_count/ERROR", 0))
    parts = [counted(counts)] if counts else []
    if logged:
        parts.append(f"{logged} errors in the log")
    return "finished", f"finished with errors: {', '.join(parts)}" if parts else None
