"""Stores for the review tests, built with the storage APIs and real evidence files: pages judged by the
one judge, plus hand-made findings whose snippet carries hostile markup."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import Engine

from cli.demosite._png import solid_png
from detectors import load_rulebook
from storage.accounts import add_user
from storage.blobs import BlobStore
from storage.db import session_scope
from storage.findings import reconcile_sites, record_judgement
from storage.judge import Judge, PageToJudge
from storage.models import PageSnapshot
from storage.repository import SnapshotInput, attach_artifact, save_snapshot

from ..storage.helpers import detected, judgement_of

HERE = Path(__file__).parent
HOSTILE_PAGE = HERE / "hostile.html"
FETCHED = datetime(2026, 11, 20, 3, 15, tzinfo=timezone.utc)  # 10:15 on 20/11/2026 in Viet Nam
PASSWORD = "mat-khau-thu-nghiem-2026"
USERS = {"an.admin": "admin", "lan.nguyen": "investigator", "minh.tran": "viewer"}
# What a page may put in a snippet: markup that would run script if the app ever rendered it as HTML.
HOSTILE_SNIPPET = ('<div class="footer-bct"><img src="x" onerror="document.title=\'PWNED\'">'
                   '<script>document.title="PWNED";fetch("http://127.0.0.1:9/ran?snippet")</script></div>')
SCREENSHOT_SIZE = (800, 1200)
BADGE_PATH = "html > body > footer > div.footer-bct"
ELEMENT_BOX = {"x": 40.0, "y": 300.0, "width": 320.0, "height": 90.0}


def add_users(engine: Engine) -> None:
    with session_scope(engine) as session:
        for name, role in USERS.items():
            add_user(session, name, role, PASSWORD)


def store_page(engine: Engine, data_dir: Path, html: bytes, url: str, *, screenshot: bool = True,
               boxes: dict[str, dict[str, float]] | None = None, judged: bool = True,
               ad_id: str | None = None, redirect_chain: list[dict[str, object]] | None = None) -> int:
    """A fetched page stored as a crawl stores it (its html file, a screenshot), judged by the one judge."""
    blobs = BlobStore(data_dir)
    domain = url.split("/")[2]
    with session_scope(engine) as session:
        snapshot = save_snapshot(session, SnapshotInput(
            domain=domain, requested_url=url, final_url=url, status=200,
            headers={"Content-Type": ["text/html; charset=utf-8"]}, fetched_at=FETCHED, body=blobs.put(html),
            element_boxes=boxes, ad_id=ad_id, redirect_chain=redirect_chain or []))
        attach_artifact(session, snapshot, "html", blobs.put(html), FETCHED)
        if screenshot:
            attach_artifact(session, snapshot, "screenshot", blobs.put(solid_png(*SCREENSHOT_SIZE, (240, 240, 240))),
                            FETCHED)
        if judged:
            judge = Judge(load_rulebook(environ=os.environ))
            judgement, _page = judge.judge(PageToJudge.of_snapshot(snapshot, blobs))
            judge.record(session, snapshot, judgement)
            reconcile_sites(session, [snapshot.site_id])
        return snapshot.id


def store_hostile_finding(engine: Engine, data_dir: Path) -> int:
    """The hostile page judged for real, and beside it a finding whose snippet and message are hostile markup
    (on another snapshot of the same page); returns that finding's id."""
    html = HOSTILE_PAGE.read_bytes()
    store_page(engine, data_dir, html, "http://shop-gia-lap.vn/")
    snapshot_id = store_page(engine, data_dir, html, "http://shop-gia-lap.vn/lien-he", judged=False,
                             boxes={BADGE_PATH: ELEMENT_BOX})
    badge = detected(rule="ECOM-BADGE-FAKE", subject="badge:424242", snippet=HOSTILE_SNIPPET,
                     message='Badge <b onmouseover="document.title=1">record 424242</b> belongs to no one')
    badge = replace(badge, evidence={**badge.evidence, "css_path": BADGE_PATH, "record_id": "424242"})
    with session_scope(engine) as session:
        snapshot = session.get_one(PageSnapshot, snapshot_id)
        [row] = record_judgement(session, snapshot, judgement_of(snapshot, [badge]))
        reconcile_sites(session, [snapshot.site_id])
        return row.id
