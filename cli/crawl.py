"""``ecwatch crawl``: an ad-hoc spider run, in this process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from crawler.browser import missing_browser_hint
from crawler.config import ConfigError
from crawler.netpolicy import HostMapError
from crawler.run import CrawlJob, ResumeError, RunOutcome, UnknownSpider, resume_job, run_crawls
from crawler.seeds import SeedError
from storage.config import DataDirError

from .common import CONTEXT_SETTINGS, err_console, open_database, storage_config, user_errors
from .summary import print_run_summary

# Mistakes in what the user gave, found before anything starts: one line, exit status 2.
CRAWL_INPUT_ERRORS = (SeedError, ConfigError, HostMapError, UnknownSpider, DataDirError, ResumeError)


def crawl_now(jobs: list[CrawlJob], overrides: dict[str, Any], trigger: str = "adhoc") -> list[RunOutcome]:
    """Run the crawls in this process and print each one's summary."""
    open_database().dispose()
    outcomes = run_crawls(jobs, overrides, storage_config(), trigger=trigger, on_start=_browser_hint)
    for outcome in outcomes:
        print_run_summary(outcome.run_id)
    return outcomes


def _browser_hint() -> None:
    hint = missing_browser_hint()
    if hint:
        err_console.print(hint, markup=False)  # the crawl's log goes to a file; this belongs on screen


def parse_setting_overrides(pairs: tuple[str, ...]) -> dict[str, str]:
    overrides = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"{pair!r} is not NAME=VALUE", param_hint="'-s'")
        overrides[name.strip()] = value
    return overrides


@click.command(context_settings=CONTEXT_SETTINGS)
@click.argument("spider", required=False)
@click.option("--resume", "resume", type=int, metavar="RUN",
              help="Go on with an interrupted or failed run: fetch what it had not stored yet, into the same run.")
@click.option("--url", "urls", multiple=True, metavar="URL", help="A seed URL (repeatable).")
@click.option("--seeds", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Seed file: one URL a line, or CSV with a 'url' column.")
@click.option("-a", "spider_args", multiple=True, metavar="NAME=VALUE", help="A spider argument (repeatable).")
@click.option("-s", "settings", multiple=True, metavar="NAME=VALUE",
              help="Override a crawler setting, as 'scrapy crawl -s' does (repeatable).")
@user_errors(*CRAWL_INPUT_ERRORS)
def crawl(spider: str | None, resume: int | None, urls: tuple[str, ...], seeds: Path | None,
          spider_args: tuple[str, ...], settings: tuple[str, ...]) -> None:
    """Run SPIDER now and store every page, its evidence and findings.

    Progress (pages, pages/s, queue) goes to stderr; the full log to the data dir. A crawl in
    which no page could be fetched is 'failed' with each seed's reason (DNS, refused, TLS,
    timeout, robots, HTTP status) and exits 1; one where only some requests failed is 'finished
    with errors' and lists the reasons by count. Bad input (no seeds, an unknown spider or
    setting, a bad value) is one line and exit status 2. 'ecwatch spiders' lists the spiders.

    The ads spider takes a CSV of ad links (ad_id, source, url, first_seen) as --seeds FILE.

    A run whose process died (killed, power cut) shows as 'interrupted' in 'ecwatch runs';
    --resume RUN goes on with it: pages it stored are not fetched again, none it would have reached
    is left out.

    Example:

    \b
        ecwatch crawl storefront --url https://shop.example.vn/ -s ECWATCH_MAX_PAGES_PER_SITE=50
        ecwatch crawl ads --seeds ads.csv
        ecwatch crawl --resume 42
    """
    overrides = parse_setting_overrides(settings)
    if resume is not None:
        if spider or urls or seeds or spider_args:
            raise click.UsageError("--resume RUN takes the run's own spider and seeds: give no SPIDER, --url or --seeds")
        outcomes = crawl_now([resume_job(storage_config(), resume)], overrides)
        if any(outcome.status != "finished" for outcome in outcomes):
            raise SystemExit(1)
        return
    if not spider:
        raise click.UsageError("give the SPIDER to run (storefront, ads), or --resume RUN")
    arguments: dict[str, Any] = dict(parse_setting_overrides(spider_args))
    if urls or seeds:
        arguments["urls"] = "\n".join(urls)
        arguments["seeds"] = str(seeds or "")
    outcomes = crawl_now([CrawlJob(spider, arguments)], overrides)
    if any(outcome.status != "finished" for outcome in outcomes):
        raise SystemExit(1)


COMMANDS = (crawl,)
