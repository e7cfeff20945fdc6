"""What a spider yields for every fetched page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from detectors.judge import Judgement


@dataclass
class PageSnapshotItem:
    requested_url: str
    final_url: str
    status: int
    headers: dict[str, Any]
    body: bytes
    fetched_at: datetime
    content_type: str | None = None
    rendered: bool = False
    redirect_chain: list[dict[str, Any]] = field(default_factory=list)
    server_ip: str | None = None
    tls: dict[str, Any] | None = None
    ad_id: str | None = None
    fetch_note: str | None = None  # what is odd about how it was fetched ("truncated at 16,777,216 bytes")
    # The Scrapy request that fetched it, for a browser re-render when the judgement asks for one.
    request: Any = field(default=None, repr=False)
    judgement: Judgement | None = None  # set by the JudgePipeline
    # Evidence files of the browser visit: kind ("dom", "screenshot", "warc") -> bytes. The judged body
    # itself is always the snapshot's "html" file: what was judged is what a reviewer opens.
    artifacts: dict[str, bytes] = field(default_factory=dict)
    captured_at: datetime | None = None  # of the artifacts (UTC); None: fetched_at
    element_boxes: dict[str, Any] | None = None  # CSS path -> box in the screenshot (page pixels)

    @property
    def findings(self) -> tuple[Any, ...]:
        return self.judgement.findings if self.judgement is not None else ()
