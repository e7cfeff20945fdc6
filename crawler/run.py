"""Running crawls in this process: settings, the run rows, the runtime each crawl shares.

``run_crawls`` is what ``ecwatch crawl`` and ``ecwatch demo`` call. The scheduler, which may not
import the crawler, starts a process of its own with ``python -m crawler.run SPIDER ...`` and passes
the run it recorded (``--run-id``).

Run rows are created here, before Scrapy starts, and handed to each crawl explicitly (its
``CrawlRuntime``): a crawl that fails to start is still a recorded run.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Sequence

from storage.config import StorageConfig
from storage.db import session_scope
from storage.models import CrawlRun
from storage.repository import finish_run, start_run

from .adlinks import AdArguments
from .config import ConfigError, EcwatchConfig
from .netpolicy import HostMapError
from .runtime import CrawlRuntime
from .seeds import SeedArguments, SeedError


class UnknownSpider(ValueError):
    pass


@dataclass(frozen=True)
class CrawlJob:
    spider: str
    arguments: dict[str, Any] = field(default_factory=dict)  # spider arguments (``-a``)
    run_id: int | None = None  # an existing run row to record into (the scheduler's)


def check_arguments(spider: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """Fail on bad seeds before Scrapy starts (its errors would only reach the log file); the
    arguments to record with the run."""
    if spider == "ads":
        return AdArguments.parse(links=str(arguments.get("links", "")), seeds=str(arguments.get("seeds", "")),
                                 urls=str(arguments.get("urls", ""))).as_dict()
    if arguments.get("urls") or arguments.get("seeds"):
        return SeedArguments.parse(urls=str(arguments.get("urls", "")), seeds=str(arguments.get("seeds", ""))).as_dict()
    return {}


def crawl_settings(storage: StorageConfig, overrides: dict[str, Any], label: str) -> Any:
    """The project's settings for this run: data where ``storage`` says, a log file, the overrides."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    settings.set("ECWATCH_DATA_DIR", str(storage.data_dir), priority="cmdline")
    settings.set("ECWATCH_DATABASE_URL", storage.database_url, priority="cmdline")
    if "LOG_FILE" not in overrides:
        storage.log_dir.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        settings.set("LOG_FILE", str(storage.log_dir / f"crawl-{label}-{stamp}.log"), priority="cmdline")
    settings.setdict(overrides, priority="cmdline")
    return settings


@dataclass(frozen=True)
class RunOutcome:
    run_id: int
    status: str  # finished | failed


def run_crawls(jobs: Sequence[CrawlJob], overrides: dict[str, Any], storage: StorageConfig, *,
               trigger: str = "adhoc") -> list[RunOutcome]:
    """Run spiders one after the other in this process (a reactor starts only once per process);
    returns each crawl's run and how it ended. Raises ``ConfigError``/``SeedError``/``UnknownSpider`` before anything
    starts when a setting, a seed or a spider name is wrong."""
    from scrapy.crawler import CrawlerProcess

    settings = crawl_settings(storage, overrides, "-".join(job.spider for job in jobs))
    config = EcwatchConfig.from_settings(settings)  # a bad value fails here, in one line
    recorded = [check_arguments(job.spider, job.arguments) for job in jobs]
    process = CrawlerProcess(settings)
    known = process.spider_loader.list()
    for job in jobs:
        if job.spider not in known:
            raise UnknownSpider(f"unknown spider {job.spider!r}; known spiders: {', '.join(sorted(known))}")
    run_ids = []
    crawlers = []
    for job, arguments in zip(jobs, recorded):
        crawler = process.create_crawler(job.spider)
        run_id = job.run_id or _start_run(config, job.spider, arguments, trigger, settings.get("LOG_FILE"))
        CrawlRuntime.from_config(config, run_id=run_id, trigger=trigger).bind(crawler)
        crawlers.append(crawler)
        run_ids.append(run_id)
    if len(jobs) == 1:
        process.crawl(crawlers[0], **jobs[0].arguments)
        process.start()
    else:
        _one_after_another(process, crawlers, [job.arguments for job in jobs])
        process.start(stop_after_crawl=False)
    return [RunOutcome(run_id, run_status(config, run_id)) for run_id in run_ids]


def _start_run(config: EcwatchConfig, spider: str, arguments: dict[str, Any], trigger: str,
               log_path: str | None) -> int:
    runtime = CrawlRuntime.from_config(config)
    try:
        with session_scope(runtime.engine) as session:
            return start_run(session, spider, arguments, trigger=trigger, log_path=log_path).id
    finally:
        runtime.close()


def run_status(config: EcwatchConfig, run_id: int) -> str:
    """The run's status once its crawl is over; a crawl that never recorded its end (it could not open)
    is failed, not left running."""
    runtime = CrawlRuntime.from_config(config)
    try:
        with session_scope(runtime.engine) as session:
            run = session.get_one(CrawlRun, run_id)
            if run.status == "running":
                finish_run(session, run_id, status="failed", error="the crawl did not start (see its log)")
            return run.status
    finally:
        runtime.close()


def _one_after_another(process: Any, crawlers: list[Any], arguments: list[dict[str, Any]]) -> None:
    from twisted.internet import defer

    @defer.inlineCallbacks
    def chain() -> Any:
        try:
            for crawler, kwargs in zip(crawlers, arguments):
                yield process.crawl(crawler, **kwargs)
        finally:
            from twisted.internet import reactor  # installed by the first crawl by now

            with contextlib.suppress(RuntimeError):  # already stopping (Ctrl-C)
                reactor.stop()  # type: ignore[attr-defined,misc]

    chain().addErrback(lambda failure: failure.printTraceback(file=sys.stderr))


# --- the scheduler's entry point ------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.run",
                                     description="Run one spider into an existing run row (the scheduler's way in).")
    parser.add_argument("spider")
    parser.add_argument("--seeds", default="")
    parser.add_argument("--url", dest="urls", action="append", default=[])
    parser.add_argument("--run-id", type=int, required=True)
    parser.add_argument("--trigger", default="adhoc")
    parser.add_argument("-s", dest="settings", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args(argv)
    overrides = dict(pair.split("=", 1) for pair in args.settings if "=" in pair)
    arguments = {"urls": "\n".join(args.urls), "seeds": args.seeds} if args.urls or args.seeds else {}
    if args.spider == "ads":
        arguments = {"links": args.seeds} if args.seeds else {}
    try:
        [outcome] = run_crawls([CrawlJob(args.spider, arguments, run_id=args.run_id)], overrides,
                               StorageConfig.from_env(), trigger=args.trigger)
    except (ConfigError, SeedError, HostMapError, UnknownSpider) as exc:
        print(f"ecwatch: {exc}", file=sys.stderr)
        return 2
    return 0 if outcome.status == "finished" else 1


if __name__ == "__main__":
    sys.exit(main())
