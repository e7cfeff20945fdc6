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
import difflib
import os
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Sequence

from storage.config import DataDirError, StorageConfig
from storage.db import session_scope
from storage.models import CrawlRun
from storage.repository import finish_run, reopen_run, start_run
from storage.runs import mark_interrupted

from .adlinks import AdArguments
from .config import ConfigError, EcwatchConfig, check_environment, checked_overrides
from .netpolicy import HostMapError
from .runtime import CrawlRuntime
from .seeds import SeedArguments, SeedError


class UnknownSpider(ValueError):
    """A spider name that is not one of the project's; the message names the closest one."""


def project_settings() -> Any:
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.utils.project import get_project_settings

    return get_project_settings()


def spider_classes() -> dict[str, type]:
    """The project's spiders by name, as ``scrapy list`` finds them."""
    from scrapy.spiderloader import get_spider_loader

    loader = get_spider_loader(project_settings())
    return {name: loader.load(name) for name in sorted(loader.list())}


def check_spider(spider: str) -> None:
    known = list(spider_classes())
    if spider in known:
        return
    close = difflib.get_close_matches(spider.lower(), known, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]}?" if close else f"known spiders: {', '.join(known)}"
    raise UnknownSpider(f"unknown spider {spider!r}; {hint}")


def check_overrides(overrides: dict[str, Any]) -> dict[str, Any]:
    """``-s`` overrides with known names and values of the right type (``crawler.config``)."""
    check_environment(os.environ)
    return checked_overrides(overrides, project_settings())


class ResumeError(ValueError):
    """A run that cannot be resumed; the message says why."""


@dataclass(frozen=True)
class CrawlJob:
    spider: str
    arguments: dict[str, Any] = field(default_factory=dict)  # spider arguments (``-a``)
    run_id: int | None = None  # an existing run row to record into (the scheduler's, or one resumed)
    resume: bool = False  # go on with ``run_id``: fetch what it had not stored yet


def resume_job(storage: StorageConfig, run_id: int) -> CrawlJob:
    """The crawl that continues run ``run_id`` where it stopped (interrupted or failed)."""
    runtime = CrawlRuntime.from_config(EcwatchConfig.from_settings(crawl_settings(storage, {}, "resume")))
    try:
        with session_scope(runtime.engine) as session:
            mark_interrupted(session)
            run = session.get(CrawlRun, run_id)
            if run is None:
                raise ResumeError(f"no crawl run {run_id} (see 'ecwatch runs')")
            if run.status in ("running", "finished", "skipped"):
                why = {"running": "is still running", "finished": "finished: there is nothing to resume",
                       "skipped": "was skipped: it never started"}[run.status]
                raise ResumeError(f"run {run_id} {why}")
            return CrawlJob(run.spider, _arguments_of(run.spider, run.arguments), run_id=run_id, resume=True)
    finally:
        runtime.close()


def _arguments_of(spider: str, recorded: dict[str, Any]) -> dict[str, Any]:
    """The spider arguments a run recorded (``SeedArguments.as_dict``, ``AdArguments.as_dict``), to run it again."""
    if spider == "ads":
        files = list(recorded.get("links") or [])
        return {"links": files[0] if files else "", "seeds": files[1] if len(files) > 1 else ""}
    render = ",".join(f"{host}={mode}" for host, mode in (recorded.get("render") or {}).items())
    return {"urls": "\n".join(recorded.get("urls") or []), "render": render}


def check_arguments(spider: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """Fail on bad seeds before Scrapy starts (its errors would only reach the log file); the
    arguments to record with the run."""
    if spider == "ads":
        return AdArguments.parse(links=str(arguments.get("links", "")), seeds=str(arguments.get("seeds", "")),
                                 urls=str(arguments.get("urls", ""))).as_dict()
    if spider == "storefront" or arguments.get("urls") or arguments.get("seeds"):
        return SeedArguments.parse(urls=str(arguments.get("urls", "")), seeds=str(arguments.get("seeds", ""))).as_dict()
    return {}


def crawl_settings(storage: StorageConfig, overrides: dict[str, Any], label: str) -> Any:
    """The project's settings for this run: data where ``storage`` says, a log file, the overrides."""
    check_environment(os.environ)
    settings = project_settings()
    overrides = checked_overrides(overrides, settings)
    storage.ensure_data_dir()
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
               trigger: str = "adhoc", on_start: Callable[[], None] | None = None) -> list[RunOutcome]:
    """Run spiders one after the other in this process (a reactor starts only once per process);
    returns each crawl's run and how it ended. Raises ``ConfigError``/``DataDirError``/``SeedError``/``UnknownSpider``
    before anything starts when a setting, the data dir, a seed or a spider name is wrong; ``on_start`` is
    called once all of that is checked, just before the first crawl starts."""
    from scrapy.crawler import CrawlerProcess

    for job in jobs:
        check_spider(job.spider)
    settings = crawl_settings(storage, overrides, "-".join(job.spider for job in jobs))
    config = EcwatchConfig.from_settings(settings)  # a bad value fails here, in one line
    recorded = [check_arguments(job.spider, job.arguments) for job in jobs]
    _mark_interrupted(config)
    process = CrawlerProcess(settings)
    if on_start is not None:
        on_start()
    run_ids = []
    crawlers = []
    for job, arguments in zip(jobs, recorded):
        crawler = process.create_crawler(job.spider)
        run_id = job.run_id or _start_run(config, job.spider, arguments, trigger, settings.get("LOG_FILE"))
        if job.resume:
            _reopen(config, run_id, settings.get("LOG_FILE"))
        CrawlRuntime.from_config(config, run_id=run_id, trigger=trigger).bind(crawler)
        crawlers.append(crawler)
        run_ids.append(run_id)
    spider_arguments = [{**job.arguments, **({"resume_run": str(job.run_id)} if job.resume else {})} for job in jobs]
    if len(jobs) == 1:
        process.crawl(crawlers[0], **spider_arguments[0])
        process.start()
    else:
        _one_after_another(process, crawlers, spider_arguments)
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


def _mark_interrupted(config: EcwatchConfig) -> None:
    runtime = CrawlRuntime.from_config(config)
    try:
        with session_scope(runtime.engine) as session:
            mark_interrupted(session)
    finally:
        runtime.close()


def _reopen(config: EcwatchConfig, run_id: int, log_path: str | None) -> None:
    runtime = CrawlRuntime.from_config(config)
    try:
        with session_scope(runtime.engine) as session:
            reopen_run(session, run_id, log_path)
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
    """Exit status 0 when the crawl finished (with or without errors), 1 when it failed (no page could be
    fetched, or it stopped early), 2 when the input was wrong and nothing started."""
    parser = argparse.ArgumentParser(prog="python -m crawler.run",
                                     description="Run one spider into an existing run row (the scheduler's way in).")
    parser.add_argument("spider")
    parser.add_argument("--seeds", default="")
    parser.add_argument("--url", dest="urls", action="append", default=[])
    parser.add_argument("--run-id", type=int, required=True)
    parser.add_argument("--trigger", default="adhoc")
    parser.add_argument("-s", dest="settings", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args(argv)
    malformed = [pair for pair in args.settings if "=" not in pair]
    if malformed:
        print(f"ecwatch: -s {malformed[0]!r} is not NAME=VALUE", file=sys.stderr)
        return 2
    overrides = dict(pair.split("=", 1) for pair in args.settings)
    arguments = {"urls": "\n".join(args.urls), "seeds": args.seeds} if args.urls or args.seeds else {}
    if args.spider == "ads":
        arguments = {"links": args.seeds} if args.seeds else {}
    try:
        [outcome] = run_crawls([CrawlJob(args.spider, arguments, run_id=args.run_id)], overrides,
                               StorageConfig.from_env(), trigger=args.trigger)
    except (ConfigError, DataDirError, SeedError, HostMapError, UnknownSpider) as exc:
        print(f"ecwatch: {exc}", file=sys.stderr)
        return 2
    return 0 if outcome.status == "finished" else 1


if __name__ == "__main__":
    sys.exit(main())
