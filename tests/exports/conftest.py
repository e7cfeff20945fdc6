"""Findings with evidence files, built through the repository as the crawler stores them."""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator, Sequence

import click
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from cli.export import COMMANDS
from detectors.types import Finding as DetectedFinding
from detectors.types import Severity
from storage.blobs import BlobStore
from storage.config import StorageConfig
from storage.db import make_engine
from storage.migrate import upgrade
from detectors.judge import JUDGED, Judgement
from storage.findings import record_judgement
from storage.repository import SnapshotInput, attach_artifact, save_snapshot

FETCHED = datetime(2026, 11, 20, 3, 15, 42, tzinfo=timezone.utc)
PRODUCT = 'Nồi cơm điện Sunhouse 1,8L "cao cấp"'
HTML = f"<html><body><h1>{PRODUCT}</h1><del>2.000.000đ</del> 790.000đ – Giảm 61%</body></html>".encode()
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
WARC = gzip.compress(b"WARC/1.1\r\nWARC-Type: response\r\n\r\n" + HTML)
EVIDENCE = {"dom": b"<html><body>rendered: " + HTML + b"</body></html>", "screenshot": PNG, "warc": WARC}


def detected(subject: str = "offer:noi-com", message: str = f"{PRODUCT}: giảm 61%, quá mức 50%",
             rule: str = "PROMO-DISC-50", uncertain: str | None = None) -> DetectedFinding:
    return DetectedFinding(
        rule=rule, severity=Severity.HIGH, title="Discount above 50%", title_vi="Giảm giá quá 50%",
        legal_basis="Nghị định 81/2018/NĐ-CP Điều 10", message=message,
        evidence={"snippet": "<del>2.000.000đ</del> 790.000đ", "css_path": "div.price", "ratio": 0.605,
                  "product": PRODUCT},
        subject=subject, uncertain=uncertain,
    )


@dataclass
class Store:
    """One database and its data dir, with a shortcut to add a crawled page and its findings."""

    engine: Engine
    blobs: BlobStore

    def add_page(self, session: Session, findings: Sequence[DetectedFinding], *,
                 url: str = "https://demo-giadung.vn/p/noi-com", domain: str = "demo-giadung.vn",
                 fetched_at: datetime = FETCHED, html: bytes = HTML,
                 evidence: dict[str, bytes] | None = None, ad_id: str | None = None,
                 redirect_chain: list[dict[str, object]] | None = None) -> list[int]:
        body = self.blobs.put(html)
        snapshot = save_snapshot(session, SnapshotInput(
            domain=domain, requested_url=url, final_url=url, status=200,
            headers={"Content-Type": ["text/html; charset=utf-8"]}, fetched_at=fetched_at, body=body,
            ad_id=ad_id, redirect_chain=redirect_chain or []))
        attach_artifact(session, snapshot, "html", body, fetched_at)
        for kind, data in (EVIDENCE if evidence is None else evidence).items():
            attach_artifact(session, snapshot, kind, self.blobs.put(data), fetched_at)
        judgement = Judgement(url, fetched_at.date(), "v1", JUDGED, tuple(findings))
        return [finding.id for finding in record_judgement(session, snapshot, judgement)]


@pytest.fixture
def data_dir() -> Path:
    return StorageConfig.from_env().data_dir


@pytest.fixture
def store(engine: Engine, data_dir: Path) -> Store:
    """On SQLite and on PostgreSQL (the ``engine`` fixture of tests/conftest.py)."""
    return Store(engine, BlobStore(data_dir))


@pytest.fixture
def cli_store(data_dir: Path) -> Iterator[Store]:
    """The embedded database the CLI opens by default (ECWATCH_DATA_DIR is per test)."""
    engine = make_engine(StorageConfig.from_env().database_url)
    upgrade(engine)
    yield Store(engine, BlobStore(data_dir))
    engine.dispose()


ECWATCH = click.Group("ecwatch", commands={command.name: command for command in COMMANDS})


def run(*args: str, ok: bool = True) -> Result:
    """Run a command; where success is expected, exceptions propagate with their traceback."""
    result = CliRunner().invoke(ECWATCH, list(args), catch_exceptions=not ok)
    if ok:
        assert result.exit_code == 0, result.output
    return result
