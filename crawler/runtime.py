"""What one crawl shares among its components: the config parsed once, one database engine, the
blob store, the judge, the run being recorded, and what the run has judged so far.

Scrapy components get it in ``from_crawler`` with ``CrawlRuntime.of(crawler)``: the first call
builds it from the crawler's settings, later calls return the same object. Whoever starts the
crawl may build it first and ``bind`` it, passing the runtime facts Scrapy settings should not
carry: the run's id (created before the crawl starts) and how it was triggered.
"""

from __future__ import annotations

import logging
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from storage.blobs import BlobStore
from storage.db import make_engine, session_scope
from storage.findings import Tally
from storage.judge import Judge

from .browser import browser_choice
from .config import EcwatchConfig
from .judging import JudgingPool
from .rendermode import RenderPolicy

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

_RUNTIMES: weakref.WeakKeyDictionary[Crawler, CrawlRuntime] = weakref.WeakKeyDictionary()


@dataclass
class CrawlRuntime:
    config: EcwatchConfig
    engine: Engine
    blobs: BlobStore
    run_id: int | None = None
    trigger: str = "adhoc"
    tally: Tally = field(default_factory=Tally)  # findings new / still open / reopened / gone in this run
    site_ids: set[int] = field(default_factory=set)  # sites this run stored pages of
    browser_found: bool = False
    failure: str | None = None  # why the crawl had to stop (a write that finally failed)
    # In a worker of a shared run (crawler.distributed.recorder.SharedRunRecorder): each page's fetch key, and
    # what to do once pages are stored (acknowledge their leases). None: the embedded mode.
    shared: Any = None
    _judge: Judge | None = None
    _judging: JudgingPool | None = None
    _render: RenderPolicy | None = None

    @classmethod
    def from_config(cls, config: EcwatchConfig, *, run_id: int | None = None, trigger: str = "adhoc") -> CrawlRuntime:
        return cls(config=config, engine=make_engine(config.storage.database_url),
                   blobs=BlobStore(config.storage.data_dir), run_id=run_id, trigger=trigger,
                   browser_found=config.browser.usable_with(browser_choice() is not None))

    @classmethod
    def of(cls, crawler: Crawler) -> CrawlRuntime:
        runtime = _RUNTIMES.get(crawler)
        if runtime is None:
            runtime = cls.from_config(EcwatchConfig.from_settings(crawler.settings))
            _RUNTIMES[crawler] = runtime
        return runtime

    def bind(self, crawler: Crawler) -> CrawlRuntime:
        _RUNTIMES[crawler] = self
        return self

    @property
    def judge(self) -> Judge:
        """Built on first use, when the crawl opens: the rules on disk and the registry stored now."""
        if self._judge is None:
            with session_scope(self.engine) as session:
                self._judge = Judge.from_store(session, on=self.config.detect_on)
        return self._judge

    @property
    def judging(self) -> JudgingPool:
        """Worker processes with this crawl's judge (``ECWATCH_JUDGE_WORKERS``), started on first use."""
        if self._judging is None:
            config = self.config
            self._judging = JudgingPool(self.judge, workers=config.judge_workers, budget=config.judge_budget,
                                        max_bytes=config.judge_max_bytes)
        return self._judging

    def render_policy(self, crawler: Crawler) -> RenderPolicy:
        """The settings' render modes over the spider's own (a seed file's ``render`` column)."""
        if self._render is None:
            spider_sites = getattr(crawler.spider, "render_sites", None) or {}
            self._render = self.config.browser.render.with_sites(spider_sites)
        return self._render

    def close(self) -> None:
        if self._judging is not None:
            self._judging.close()
        self.engine.dispose()
