"""Judging pages off the crawl's thread: worker processes, each with the crawl's judge, and a budget.

The crawl's thread only downloads, reads links and writes; a page is judged in one of
``ECWATCH_JUDGE_WORKERS`` processes (default: one per core). The scraper's own limit on the size of the
responses it holds (``SCRAPER_SLOT_MAX_ACTIVE_SIZE``) stops downloads while pages wait for a worker, so
memory stays bounded. Each judgement has a time budget (``ECWATCH_JUDGE_BUDGET``): a page that takes
longer (pathological markup) is stored and recorded "not judged: ...", and the worker goes on with the
next page; a page above ``ECWATCH_JUDGE_MAX_BYTES`` is not parsed at all. A worker that dies is
replaced; the page it held is recorded not judged.

Each worker gets the rules and the registry once, when it starts; portal records fetched during the
crawl go with every page (there are few: one per badge record linked).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import signal
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import date
from types import FrameType
from typing import Any, Sequence

from detectors import InMemoryRegistry, Rulebook
from detectors.judge import NOT_JUDGED, Judgement
from detectors.types import RegistryRecord
from storage.judge import Judge, PageToJudge

logger = logging.getLogger(__name__)


class JudgingTimeout(Exception):
    pass


_JUDGE: Judge | None = None  # the worker's judge, built once by ``_start_worker``
_BUDGET = 0.0


def _start_worker(rulebook: Rulebook, records: list[RegistryRecord], on: date | None, budget: float) -> None:
    global _JUDGE, _BUDGET
    _JUDGE = Judge(rulebook, InMemoryRegistry(records), on=on)
    _BUDGET = budget
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the crawl, which stops us itself


def _on_alarm(_signum: int, _frame: FrameType | None) -> None:
    raise JudgingTimeout()


def _judge_in_worker(page: PageToJudge, added: Sequence[RegistryRecord]) -> Judgement:
    assert _JUDGE is not None
    judge = _JUDGE
    if added:
        judge = Judge(judge.rulebook, judge.registry.with_records(added), on=judge.on)
    return judge_within(judge, page, _BUDGET)


def judge_within(judge: Judge, page: PageToJudge, budget: float) -> Judgement:
    """``judge.judge(page)``, given up after ``budget`` seconds (0: no budget; main thread only)."""
    if budget <= 0:
        return judge.judge(page)[0]
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, budget)
    try:
        return judge.judge(page)[0]
    except JudgingTimeout:
        return not_judged(judge, page, f"judging took longer than {budget:g} s")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def not_judged(judge: Judge, page: PageToJudge, why: str) -> Judgement:
    on = judge.context(page.fetched_at).on
    return Judgement(page.url, on, judge.rules_version, NOT_JUDGED, note=why)


class JudgingPool:
    """``await pool.judge(page)``: a judgement from a worker process (or from this process when
    ``workers`` is 0, for small crawls and tests)."""

    def __init__(self, judge: Judge, *, workers: int, budget: float, max_bytes: int) -> None:
        self.judge = judge
        self.workers = workers
        self.budget = budget
        self.max_bytes = max_bytes
        self.added: list[RegistryRecord] = []  # portal records fetched during the crawl
        self._base_ids = {record.record_id for record in judge.registry}
        self._executor: Executor | None = None

    def add_records(self, records: Sequence[RegistryRecord]) -> None:
        self.judge.add_records(records)
        self.added.extend(records)

    def knew(self, record_id: str, known: int) -> bool:
        """Whether a judgement made with the first ``known`` records fetched in the crawl had ``record_id``."""
        return record_id in self._base_ids or any(r.record_id == record_id for r in self.added[:known])

    async def judge_page(self, page: PageToJudge) -> tuple[Judgement, int]:
        """The judgement, and how many of the records fetched during the crawl its judge had (a record
        that arrives while the page is being judged is not in it: ``knew`` tells)."""
        known = len(self.added)
        if len(page.body) > self.max_bytes:
            return not_judged(self.judge, page, f"page of {len(page.body):,} bytes is over the "
                                                f"{self.max_bytes:,}-byte judging limit"), known
        if self.workers <= 0:
            return judge_within(self.judge, page, self.budget), known
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._pool(), _judge_in_worker, page, tuple(self.added)), known
        except BrokenProcessPool:
            logger.error("A judging process died on %s; starting another", page.url)
            self._executor = None
            return not_judged(self.judge, page, "the judging process died on this page"), known

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def _pool(self) -> Executor:
        if self._executor is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["detectors", "storage.judge"])
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=context, initializer=_start_worker,
                initargs=(self.judge.rulebook, list(self.judge.registry), self.judge.on, self.budget))
        return self._executor


__all__: list[Any] = ["JudgingPool", "judge_within"]
