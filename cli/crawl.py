"""``ecwatch crawl``: an ad-hoc spider run, in this process."""

from __future__ import annotations

import contextlib
import os
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import click

from crawler.adlinks import AdArguments
from crawler.browser import missing_browser_hint
from crawler.config import ConfigError, EcwatchConfig
from crawler.netpolicy import HostMapError
from crawler.seeds import SeedArguments, SeedError

from .common import CONTEXT_SETTINGS, err_console, open_database, storage_config, user_errors
from .summary import print_run_summary


def parse_setting_overrides(pairs: tuple[str, ...]) -> dict[str, str]:
    overrides = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"{pair!r} is not NAME=VALUE", param_hint="-s")
        overrides[name.strip()] = value
    return overrides


def run_crawl(spider: str, spider_arguments: dict[str, Any], overrides: dict[str, Any]) -> int:
    """Run one spider to its end in this process; returns the crawl run's id (or 0)."""
    return run_crawls([(spider, spider_arguments)], overrides)[0]


def run_crawls(jobs: list[tuple[str, dict[str, Any]]], overrides: dict[str, Any]) -> list[int]:
    """Run spiders one after the other in this process (a reactor starts only once per process);
    returns each crawl run's id (or 0)."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    config = storage_config()
    settings.set("ECWATCH_DATA_DIR", str(config.data_dir), priority="cmdline")
    settings.set("ECWATCH_DATABASE_URL", config.database_url, priority="cmdline")
    if "LOG_FILE" not in overrides:
        log_dir = config.log_dir
        log_dir.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        name = "-".join(spider for spider, _ in jobs)
        settings.set("LOG_FILE", str(log_dir / f"crawl-{name}-{stamp}.log"), priority="cmdline")
    settings.setdict(overrides, priority="cmdline")
    browser = EcwatchConfig.from_settings(settings).browser  # a bad value fails here, in one line
    hint = missing_browser_hint() if browser.render.may_render() or browser.evidence else None
    if hint:
        err_console.print(hint, markup=False)  # the crawl's log goes to a file; this belongs on screen
    process = CrawlerProcess(settings)
    known = process.spider_loader.list()
    for spider, _ in jobs:
        if spider not in known:
            raise click.UsageError(f"unknown spider {spider!r}; known spiders: {', '.join(sorted(known))}")
    crawlers = [process.create_crawler(spider) for spider, _ in jobs]
    if len(jobs) == 1:
        process.crawl(crawlers[0], **jobs[0][1])
        process.start()
    else:
        _one_after_another(process, crawlers, [arguments for _, arguments in jobs])
        process.start(stop_after_crawl=False)
    return [_run_id(crawler) for crawler in crawlers]


def _run_id(crawler: Any) -> int:
    stats = getattr(crawler, "_stats", None)  # None: that crawl never started
    return int(stats.get_value("ecwatch/run_id") or 0) if stats is not None else 0


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


def check_arguments(spider: str, arguments: dict[str, Any], urls: tuple[str, ...], seeds: Path | None) -> None:
    """Fail on bad seeds before Scrapy starts: its errors would only reach the log file."""
    if spider == "ads":
        AdArguments.parse(links=str(arguments.get("links", "")), seeds=str(seeds or ""), urls=list(urls))
    elif urls or seeds:
        SeedArguments.parse(urls=list(urls), seeds=str(seeds or ""))


@click.command(context_settings=CONTEXT_SETTINGS)
@click.argument("spider")
@click.option("--url", "urls", multiple=True, metavar="URL", help="A seed URL (repeatable).")
@click.option("--seeds", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Seed file: one URL a line, or CSV with a 'url' column.")
@click.option("-a", "spider_args", multiple=True, metavar="NAME=VALUE", help="A spider argument (repeatable).")
@click.option("-s", "settings", multiple=True, metavar="NAME=VALUE",
              help="Override a crawler setting, as 'scrapy crawl -s' does (repeatable).")
@user_errors(SeedError, ConfigError, HostMapError)
def crawl(spider: str, urls: tuple[str, ...], seeds: Path | None, spider_args: tuple[str, ...],
          settings: tuple[str, ...]) -> None:
    """Run SPIDER now and store every page, its evidence and findings.

    Progress (pages, pages/s, queue) goes to stderr; the full log to the data dir.

    The ads spider takes a CSV of ad links (ad_id, source, url, first_seen) as --seeds FILE.

    Example:

    \b
        ecwatch crawl storefront --url https://shop.example.vn/ -s ECWATCH_MAX_PAGES_PER_SITE=50
        ecwatch crawl ads --seeds ads.csv
    """
    overrides = parse_setting_overrides(settings)
    arguments: dict[str, Any] = dict(parse_setting_overrides(spider_args))
    check_arguments(spider, arguments, urls, seeds)
    if urls or seeds:
        arguments["urls"] = "\n".join(urls)
        arguments["seeds"] = str(seeds or "")
    open_database().dispose()
    run_id = run_crawl(spider, arguments, overrides)
    status = print_run_summary(run_id)
    if status != "finished":
        raise SystemExit(1)


COMMANDS = (crawl,)
