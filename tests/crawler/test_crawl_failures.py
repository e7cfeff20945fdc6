"""A crawl that fetched nothing says why for each seed and fails; one that lost only some requests is
"finished with errors" with the reasons by count."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any, Iterator

import pytest
from OpenSSL import SSL
from playwright._impl._errors import Error as PlaywrightError
from playwright._impl._errors import TimeoutError as PlaywrightTimeout
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.http import Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseNeverReceived

from cli.demosite import DemoSite
from crawler.failures import failure_reason, run_outcome

from .crawls import NO_BROWSER, crawl, run_ecwatch


def _wrapped(inner: BaseException, outer: BaseException) -> BaseException:
    outer.__cause__ = inner
    return outer


@pytest.mark.parametrize(("exc", "reason"), [
    (CannotResolveHostError("shop.invalid"), "dns"),
    (error.DNSLookupError("shop.invalid"), "dns"),
    (DownloadConnectionRefusedError("Connection was refused by other side"), "refused"),
    (DownloadTimeoutError("Getting https://shop.vn/ took longer than 60.0 seconds."), "timeout"),
    (error.TCPTimedOutError(), "timeout"),
    (IgnoreRequest("Forbidden by robots.txt"), "robots"),
    (IgnoreRequest("private target refused: shop.vn resolves to non-public 10.0.0.5"), "private"),
    (HttpError(Response("https://shop.vn/het-hang", status=404, request=Request("https://shop.vn/het-hang"))),
     "http-404"),
    (_wrapped(ResponseNeverReceived([Failure(SSL.Error([("SSL routines", "", "certificate verify failed")]))]),
              DownloadFailedError("[<twisted.python.failure.Failure OpenSSL.SSL.Error>]")), "tls"),
    (PlaywrightError("net::ERR_NAME_NOT_RESOLVED at https://shop.invalid/"), "dns"),
    (PlaywrightError("net::ERR_CONNECTION_REFUSED at http://127.0.0.1:9/"), "refused"),
    (PlaywrightError("net::ERR_CERT_AUTHORITY_INVALID at https://shop.vn/"), "tls"),
    (PlaywrightTimeout("Timeout 20000ms exceeded."), "timeout"),
    (PlaywrightError("Page.goto: net::ERR_EMPTY_RESPONSE at http://shop.vn/r302"), "connection"),
    (_wrapped(error.ConnectionLost(), DownloadFailedError("Connection to the other side was lost")), "connection"),
    (ValueError("something else"), "other"),
])
def test_each_failure_gets_the_reason_an_investigator_would_give(exc: BaseException, reason: str) -> None:
    assert failure_reason(exc) == reason


SEED_A, SEED_B = "https://shop-a.vn/", "http://127.0.0.1:9/"


@pytest.mark.parametrize(("stats", "close_reason", "outcome"), [
    ({"ecwatch/snapshots": 12}, "finished", ("finished", None)),
    ({"ecwatch/failures/dns": 1, f"ecwatch/seed_failures/{SEED_A}": "dns", "ecwatch/failures/refused": 1,
      f"ecwatch/seed_failures/{SEED_B}": "refused"}, "finished",
     ("failed", f"no page could be fetched: {SEED_B}: connection refused; {SEED_A}: DNS lookup failed")),
    ({"ecwatch/snapshots": 30, "ecwatch/failures/timeout": 3, "ecwatch/failures/http-404": 1, "log_count/ERROR": 2},
     "finished", ("finished", "finished with errors: 3 timed out, 1 HTTP 404, 2 errors in the log")),
    ({}, "finished", ("failed", "no page could be fetched: see the log")),
    ({f"ecwatch/seed_failures/{SEED_A}": "connection", "ecwatch/failures/connection": 1,
      "ecwatch/refused_private_target": 2}, "finished",
     ("failed", f"no page could be fetched: {SEED_A}: connection closed (connections: 2 to private addresses refused; "
                "see the log)")),
    ({"ecwatch/snapshots": 30}, "closespider_timeout", ("failed", "crawl ended: closespider_timeout")),
])
def test_the_run_status_follows_what_could_be_fetched(stats: dict[str, Any], close_reason: str,
                                                      outcome: tuple[str, str | None]) -> None:
    assert run_outcome(stats, close_reason) == outcome


@pytest.fixture
def closed_port() -> int:
    """A local port nothing listens on: bound by us, then released."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def demo_site() -> Iterator[DemoSite]:
    with DemoSite() as site:
        yield site


def test_a_crawl_that_fetched_nothing_fails_with_each_seeds_reason(demo_site: DemoSite, closed_port: int,
                                                                    tmp_path: Path) -> None:
    refused = f"http://127.0.0.1:{closed_port}/"
    forbidden = demo_site.url("demo-giadung.vn", "/wp-admin/")  # robots.txt: Disallow: /wp-admin/
    result = crawl(demo_site, tmp_path, "storefront", urls=[refused, forbidden], env=NO_BROWSER,
                   settings={"ECWATCH_ALLOW_PRIVATE_TARGETS": f"127.0.0.1:{demo_site.port},127.0.0.1:{closed_port}"})
    out = result.completed.stdout
    assert result.completed.returncode == 1, out + result.completed.stderr
    assert "Crawl run 1 (storefront): failed" in out
    assert f"No page could be fetched:\n  {refused}: connection refused\n  {forbidden}: forbidden by robots.txt" in out
    run = result.last_run()
    assert run.status == "failed" and run.pages == 0
    assert run.error == (f"no page could be fetched: {refused}: connection refused; "
                         f"{forbidden}: forbidden by robots.txt")
    runs = run_ecwatch(["runs"], tmp_path).completed
    [row] = runs.stdout.splitlines()[1:]
    assert row.split("\t")[3] == "failed" and row.split("\t")[-1] == "1 connection refused, 1 forbidden by robots.txt"


def test_a_crawl_that_lost_some_requests_is_finished_with_errors(demo_site: DemoSite, closed_port: int,
                                                                 tmp_path: Path) -> None:
    refused = f"http://127.0.0.1:{closed_port}/"
    allowed = f"127.0.0.1:{demo_site.port},127.0.0.1:{closed_port}"
    result = crawl(demo_site, tmp_path, "storefront", urls=[demo_site.url("demo-thoitrang.vn"), refused],
                   settings={"ECWATCH_MAX_PAGES_PER_SITE": 2, "ECWATCH_ALLOW_PRIVATE_TARGETS": allowed}, env=NO_BROWSER)
    out = result.completed.stdout
    assert result.completed.returncode == 0, out + result.completed.stderr
    assert "Crawl run 1 (storefront): finished with errors" in out and "Errors: 1 connection refused" in out
    run = result.last_run()
    assert run.status == "finished" and run.pages == 2 and run.error.startswith("finished with errors: 1 connection refused")
    runs = run_ecwatch(["runs", "--format", "jsonl"], tmp_path).completed
    assert '"status": "finished with errors"' in runs.stdout and '"errors": "1 connection refused"' in runs.stdout
