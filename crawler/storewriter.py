"""Writing what a crawl fetched and judged: in batches, on a thread of its own.

The crawl's thread hands over each judged page and goes on. The writer stores the files (page bodies
compressed, ``storage.blobs``) and then a batch of snapshots with their evidence files and judgements in
one transaction: every ``ECWATCH_WRITE_BATCH`` pages, or every second. A transaction that fails (the
database locked by a long import, a server that went away) is tried again with growing pauses for
``ECWATCH_WRITE_PATIENCE`` seconds (two minutes by default); if it still fails the crawl stops and its run is recorded failed with the reason:
pages are never dropped quietly. The queue is bounded: when the database is slower than the crawl,
the crawl waits.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from sqlalchemy.exc import DBAPIError, OperationalError

from detectors import registrable_domain
from storage.blobs import StoredBlob
from storage.db import backoff, session_scope
from storage.findings import Tally, finding_key
from storage.repository import SnapshotInput, attach_artifact, save_fetched_once, save_snapshot

from .items import PageSnapshotItem

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from .runtime import CrawlRuntime

logger = logging.getLogger(__name__)

FLUSH_INTERVAL = 1.0  # seconds: pages are written at least this often
QUEUE_PAGES = 256
_STOP = object()


class WriteFailed(RuntimeError):
    """The database refused a batch of pages for good; the message says why."""


@dataclass
class Written:
    pages: int = 0
    batches: int = 0
    retries: int = 0
    refetched: int = 0  # pages of a shared run stored already (fetched again after a lease expired): not stored twice


class StoreWriter:
    def __init__(self, runtime: CrawlRuntime, *, batch: int, on_failure: Callable[[str], None],
                 patience: float) -> None:
        self.runtime = runtime
        self.batch = batch
        self.pauses = backoff(patience)
        self.on_failure = on_failure
        self.written = Written()
        self.failure: str | None = None
        self._queue: queue.Queue[object] = queue.Queue(maxsize=QUEUE_PAGES)
        self._known: dict[str, int] = {}  # finding key -> id, across batches
        self._sites: dict[str, int] = {}  # domain -> site id
        self._thread = threading.Thread(target=self._run, name="ecwatch-writer", daemon=True)
        self._thread.start()

    async def put(self, item: PageSnapshotItem) -> None:
        """Queue a page for writing; waits (without blocking the crawl's loop) while the queue is full."""
        if self.failure is not None:
            raise WriteFailed(self.failure)
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            await asyncio.get_running_loop().run_in_executor(None, self._queue.put, item)

    def close(self) -> None:
        """Write what is queued and stop the thread."""
        self._queue.put(_STOP)
        self._thread.join()

    # --- the writer thread ------------------------------------------------------------------------

    def _run(self) -> None:
        pending: list[PageSnapshotItem] = []
        deadline = time.monotonic() + FLUSH_INTERVAL
        while True:
            try:
                entry = self._queue.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                entry = None
            if entry is not None and entry is not _STOP:
                pending.append(entry)  # type: ignore[arg-type]
            if pending and (entry is _STOP or len(pending) >= self.batch or time.monotonic() >= deadline):
                self._write(pending)
                pending = []
            if entry is None or time.monotonic() >= deadline:
                deadline = time.monotonic() + FLUSH_INTERVAL
            if entry is _STOP:
                return

    def _write(self, items: list[PageSnapshotItem]) -> None:
        if self.failure is not None:
            return  # the crawl is stopping; the run is already recorded as failing
        files = [self._files(item) for item in items]
        for attempt, pause in enumerate((*self.pauses, None)):
            tally, sites = self.runtime.tally.copy(), []
            try:
                with session_scope(self.runtime.engine) as session:
                    for item, (body, artifacts) in zip(items, files):
                        sites.append(self._store(session, item, body, artifacts, tally))
                self.runtime.tally = tally
                self.written.refetched += sites.count(None)
                self.runtime.site_ids |= {site for site in sites if site is not None}
                self.written.pages += len(items)
                self.written.batches += 1
                if self.runtime.shared is not None:
                    self.runtime.shared.stored(items)  # their leases can go: the pages are in the database
                return
            except (OperationalError, DBAPIError) as exc:
                self._sites.clear()  # ids of the rolled-back transaction may be gone
                self._known.clear()
                if pause is None:
                    self.failure = (f"could not write {len(items)} pages to the database after {attempt + 1} "
                                    f"attempts: {exc.orig if exc.orig is not None else exc}")
                    logger.error("%s", self.failure)
                    self.on_failure(self.failure)
                    return
                self.written.retries += 1
                logger.warning("Database write failed (%s); trying again in %g s", exc.orig or exc, pause)
                time.sleep(pause)

    def _may_become_reference(self, domain: str, item: PageSnapshotItem) -> bool:
        """A page showing a finding this crawl has not stored yet: its sighting may become the finding's
        reference, whose files a reviewer opens as they are. Later pages showing the same findings keep
        their body compressed only (the snapshot's), which is most of what a crawl stores."""
        return any(finding_key(f.rule, domain, f.subject) not in self._known for f in item.findings)

    def _files(self, item: PageSnapshotItem) -> tuple[StoredBlob, dict[str, StoredBlob]]:
        # Files first, outside the transaction: a failed transaction leaves at most an unreferenced
        # blob, never a row without its file.
        blobs = self.runtime.blobs
        return blobs.put(item.body, compress=True), {kind: blobs.put(data) for kind, data in item.artifacts.items()}

    def _store(self, session: Session, item: PageSnapshotItem, body: StoredBlob, artifacts: dict[str, StoredBlob],
               tally: Tally) -> int | None:
        """Store one page; returns its site's id (None: a shared run's page another fetch stored already)."""
        runtime = self.runtime
        data = SnapshotInput(
            domain=registrable_domain(item.final_url),
            requested_url=item.requested_url, final_url=item.final_url, status=item.status,
            headers=item.headers, fetched_at=item.fetched_at, body=body, run_id=runtime.run_id,
            rendered=item.rendered, redirect_chain=item.redirect_chain, server_ip=item.server_ip,
            tls=item.tls, ad_id=item.ad_id, fetch_note=item.fetch_note,
            element_boxes=item.element_boxes,
            fetch_key=runtime.shared.fetch_key(item.requested_url) if runtime.shared is not None else None,
        )
        if data.fetch_key is None:
            snapshot = save_snapshot(session, data, site_ids=self._sites)
        else:
            fetched_once = save_fetched_once(session, data, site_ids=self._sites)
            if fetched_once is None:
                return None
            snapshot = fetched_once
        if artifacts or self._may_become_reference(snapshot.site.domain, item):
            judged = runtime.blobs.put(item.body)  # what was judged, as a plain file a reviewer opens
            attach_artifact(session, snapshot, "html", judged, item.fetched_at)
            for kind, blob in artifacts.items():
                attach_artifact(session, snapshot, kind, blob, item.captured_at or item.fetched_at)
        if item.judgement is not None:
            runtime.judge.record(session, snapshot, item.judgement, run_id=runtime.run_id, tally=tally,
                                 fresh=True, known=self._known)
        return snapshot.site_id
