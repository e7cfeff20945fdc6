"""``ecwatch enqueue`` and ``ecwatch worker``: putting seeds into a shared run, and running a worker of it.

A run is created by its first ``enqueue``: a ``crawl_runs`` row with the run's name, and in Redis its meta (the
database run id, the spider, the ``-s`` settings every worker applies, the seeds' render modes) and its sites.
Seeds go into the run's queue through the run's dupefilter, as any link a worker finds would. A worker takes
requests from that queue until the run is done (queue empty, nothing in flight); a standing worker
(``ecwatch worker --stay``) takes one open run after another.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from scrapy_redis.queue import PriorityQueue

from detectors import registrable_domain
from storage.config import StorageConfig
from storage.db import make_engine, session_scope
from storage.models import CrawlRun
from storage.sharedruns import name_run, start_shared_run

from ..config import EcwatchConfig
from ..frontier import Frontier
from ..run import check_spider, crawl_settings, project_settings
from ..runtime import CrawlRuntime
from ..seeds import SeedArguments
from ..spiders.storefront import admission_request
from .config import SharedConfig
from .dupefilter import NEW, SiteLimitDupeFilter
from .keys import RunKeys, check_run_name
from .sharedrun import RedisUnavailable, RunNotFound, RunState, SharedRun, connect, open_runs
from .spider import UNLIMITED, SharedStorefrontSpider

SHARED_SPIDERS = ("storefront",)


class SharedModeError(ValueError):
    """Something the shared mode cannot do with this input; one line."""


@dataclass(frozen=True)
class Enqueued:
    run: str
    run_id: int
    created: bool
    added: int  # seeds queued now
    known: int  # seeds the run had scheduled already


def default_run_name(spider: str) -> str:
    return f"{spider}-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}"


def enqueue(storage: StorageConfig, spider: str, arguments: dict[str, Any], run_name: str | None,
            overrides: dict[str, Any], trigger: str = "adhoc", run_id: int | None = None) -> Enqueued:
    """Queue the seeds in ``arguments`` (``urls``, ``seeds``) into run ``run_name``, created if new (into the
    database run ``run_id`` when given: the scheduler records its runs before they start)."""
    _check_shared_spider(spider)
    name = check_run_name(run_name) if run_name else default_run_name(spider)
    seeds = SeedArguments.parse(urls=str(arguments.get("urls", "")), seeds=str(arguments.get("seeds", "")))
    settings = crawl_settings(storage, overrides, "enqueue")
    config = EcwatchConfig.from_settings(settings)  # a bad -s value fails here, in one line
    shared = SharedConfig.from_settings(settings)
    run = SharedRun(connect(shared.redis_url), RunKeys(name, shared.prefix))
    created = not run.exists()
    if created:
        run_id = _create(run, config, spider, seeds, overrides, trigger, run_id)
    else:
        meta = run.meta()
        if meta["status"] == "finished":
            raise SharedModeError(f"run {name!r} is finished; give another --run NAME")
        if meta["spider"] != spider:
            raise SharedModeError(f"run {name!r} runs the {meta['spider']} spider, not {spider}")
        if overrides:
            raise SharedModeError(f"run {name!r} exists: its settings were fixed by its first enqueue; give no -s")
        run_id = meta["run_id"]
        settings = crawl_settings(storage, meta["settings"], "enqueue")
        config = EcwatchConfig.from_settings(settings)
    _mark_data_dir(storage, run)
    run.add_sites(registrable_domain(url) for url in seeds.urls)
    added = _push_seeds(run, seeds, config.max_pages_per_site)
    return Enqueued(name, run_id, created, added, len(seeds.urls) - added)


MARKS = "shared-runs"  # <data dir>/shared-runs/<run>: left by enqueue, looked for by every worker


def _mark_data_dir(storage: StorageConfig, run: SharedRun) -> None:
    marks = storage.data_dir / MARKS
    marks.mkdir(parents=True, exist_ok=True)
    (marks / run.name).write_text(f"{run.keys.prefix}\n", encoding="utf-8")


def check_data_dir(storage: StorageConfig, run: SharedRun) -> None:
    """The evidence files of a run go to one shared directory: a worker whose ECWATCH_DATA_DIR does not show the
    mark the run's enqueue left there would scatter them on its own disk."""
    if not (storage.data_dir / MARKS / run.name).is_file():
        raise SharedModeError(f"ECWATCH_DATA_DIR {storage.data_dir} is not the data dir run {run.name!r} was enqueued "
                              "with: every worker needs the same shared directory (see 'Shared mode' in the README)")


def _check_shared_spider(spider: str) -> None:
    check_spider(spider)
    if spider not in SHARED_SPIDERS:
        raise SharedModeError(f"the shared mode runs the {', '.join(SHARED_SPIDERS)} spider; crawl {spider} with "
                              "'ecwatch crawl'")


def _create(run: SharedRun, config: EcwatchConfig, spider: str, seeds: SeedArguments, overrides: dict[str, Any],
            trigger: str, run_id: int | None) -> int:
    engine = make_engine(config.storage.database_url)
    try:
        with session_scope(engine) as session:
            if run_id is None:
                run_id = start_shared_run(session, run.name, spider, seeds.as_dict(), trigger=trigger).id
            else:
                name_run(session, run_id, run.name)
    finally:
        engine.dispose()
    run.create(run_id=run_id, spider=spider, settings=overrides,
               render={host: mode.value for host, mode in seeds.render})
    return run_id


def _push_seeds(run: SharedRun, seeds: SeedArguments, max_pages_per_site: int) -> int:
    spider = SharedStorefrontSpider()  # only to name the callbacks of the requests it will run
    frontier = Frontier({registrable_domain(url) for url in seeds.urls}, max_pages_per_site=UNLIMITED,
                        depth_limit=0)
    queue = PriorityQueue(run.server, spider, run.keys.requests)
    dupefilter = SiteLimitDupeFilter(run.server, run.keys, max_pages_per_site)
    added = 0
    for url in seeds.urls:
        admission = frontier.seed(url)
        if admission is None:
            continue
        request = admission_request(spider, admission)
        if dupefilter.admit(request) == NEW:
            queue.push(request)
            added += 1
    return added


# --- the worker -------------------------------------------------------------------------------


def run_with_work(spider: str) -> str | None:
    """An open run of ``spider`` with requests queued or in flight (a standing worker's next), or None."""
    _check_shared_spider(spider)
    shared = SharedConfig.from_settings(project_settings())
    server = connect(shared.redis_url)
    for name in open_runs(server, shared.prefix, spider):
        if not SharedRun(server, RunKeys(name, shared.prefix)).state().done:
            return name
    return None


def choose_run(spider: str, run_name: str | None) -> SharedRun:
    """The run to work on: the one named, else the only open run of ``spider`` on this Redis."""
    _check_shared_spider(spider)
    shared = SharedConfig.from_settings(project_settings())
    server = connect(shared.redis_url)
    if run_name:
        run = SharedRun(server, RunKeys(check_run_name(run_name), shared.prefix))
        meta = run.meta()
        if meta["status"] == "finished":
            raise RunNotFound(f"shared run {run_name!r} is finished")
        return run
    names = open_runs(server, shared.prefix, spider)
    if len(names) != 1:
        found = f"open runs: {', '.join(names)}" if names else "there is none (start one with 'ecwatch enqueue')"
        raise RunNotFound(f"give --run NAME: {found}")
    return SharedRun(server, RunKeys(names[0], shared.prefix))


@dataclass(frozen=True)
class WorkerOutcome:
    run: str
    run_id: int
    pages: int
    state: RunState
    run_status: str


def run_worker(storage: StorageConfig, run: SharedRun, *, concurrency: int | None = None) -> WorkerOutcome:
    """Work on ``run`` in this process until it is done."""
    from scrapy.crawler import CrawlerProcess

    meta = run.meta()
    check_data_dir(storage, run)
    settings = crawl_settings(storage, meta["settings"], f"worker-{run.name}-{os.getpid()}")
    worker_settings(settings, run.keys, SharedConfig.from_settings(settings), concurrency=concurrency)
    config = EcwatchConfig.from_settings(settings)
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(SharedStorefrontSpider)
    CrawlRuntime.from_config(config, run_id=meta["run_id"], trigger=f"shared:{run.name}").bind(crawler)
    process.crawl(crawler, run=run, render=meta["render"])
    process.start()
    pages = int(crawler.stats.get_value("ecwatch/snapshots", 0)) if crawler.stats else 0
    return WorkerOutcome(run.name, meta["run_id"], pages, run.state(), _run_status(config, meta["run_id"]))


def worker_settings(settings: Any, keys: RunKeys, shared: SharedConfig, *, concurrency: int | None) -> None:
    """scrapy-redis's scheduler on the run's keys, with leases and the shared page limit; the shared recorder."""
    settings.setdict({
        "SCHEDULER": "crawler.distributed.recorder.LeasedScheduler",
        "SCHEDULER_QUEUE_CLASS": "crawler.distributed.leases.LeasedPriorityQueue",
        "SCHEDULER_QUEUE_KEY": keys.requests,
        "DUPEFILTER_CLASS": "crawler.distributed.dupefilter.SiteLimitDupeFilter",
        "SCHEDULER_DUPEFILTER_KEY": keys.seen,
        "SCHEDULER_PERSIST": True,  # the queue belongs to the run, not to this worker
        "REDIS_URL": shared.redis_url,
        "ECWATCH_REDIS_URL": shared.redis_url,
        "ECWATCH_REDIS_PREFIX": shared.prefix,
        "ECWATCH_RUN_NAME": keys.name,
    }, priority="cmdline")
    settings.set("EXTENSIONS", {**settings.getdict("EXTENSIONS"), "crawler.extensions.RunRecorder": None,
                                "crawler.distributed.recorder.SharedRunRecorder": 10}, priority="cmdline")
    settings.set("SPIDER_MIDDLEWARES", {**settings.getdict("SPIDER_MIDDLEWARES"),
                                        "crawler.distributed.recorder.LeaseMiddleware": 5}, priority="cmdline")
    settings.set("DOWNLOADER_MIDDLEWARES", {**settings.getdict("DOWNLOADER_MIDDLEWARES"),
                                            "crawler.distributed.politeness.SharedPolitenessMiddleware": 45},
                 priority="cmdline")
    if concurrency is not None:
        settings.set("CONCURRENT_REQUESTS", concurrency, priority="cmdline")


def _run_status(config: EcwatchConfig, run_id: int) -> str:
    engine = make_engine(config.storage.database_url)
    try:
        with session_scope(engine) as session:
            return session.get_one(CrawlRun, run_id).status
    finally:
        engine.dispose()


def shared_states(names: list[str]) -> dict[str, RunState | None]:
    """Queue and in-flight counts of these shared runs, as Redis has them now; None for each when Redis
    cannot be reached (a list of runs still shows, without them)."""
    if not names:
        return {}
    shared = SharedConfig.from_settings(project_settings())
    try:
        server = connect(shared.redis_url)
    except RedisUnavailable:
        return dict.fromkeys(names)
    return {name: SharedRun(server, RunKeys(name, shared.prefix)).state() for name in names}
