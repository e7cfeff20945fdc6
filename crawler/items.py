"""What a spider yields for every fetched page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from detectors.types import Finding, Page


@dataclass
class PageSnapshotItem:
    requested_url: str
    final_url: str
    status: int
    headers: dict[str, Any]
    body: bytes
    fetched_at: datetime
    page: Page | None = None  # None for non-HTML bodies
    rendered: bool = False
    redirect_chain: list[dict[str, Any]] = field(default_factory=list)
    server_ip: str | None = None
    tls: dict[str, Any] | None = None
    ad_id: str | None = None
    findings: list[Finding] = field(default_factory=list)
    rules_version: str | None = None  # of the rules that produced ``findings``
    # evidence captured in the browser visit: kind ("html", "dom", "screenshot", "warc") -> bytes;
    # without an "html" one, the body is stored as the html artifact
    artifacts: dict[str, bytes] = field(default_factory=dict)
    captured_at: datetime | None = None  # of the artifacts (UTC); None: fetched_at
