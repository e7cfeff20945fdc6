"""Golden page fixtures: ``tests/fixtures/pages/<case>/{page.html, meta.json, expected.json}``.

``meta.json``: ``url``, ``on`` (the date judged), ``source`` (how the page was made),
``split`` ("dev" | "regression", see below), optional ``registry`` (inline records) and ``extra``
(``Context.extra``). ``expected.json``: ``{"rules": [sorted rule ids]}``.
Shared by ``bench/detect_eval.py`` and ``tests/detectors/test_golden.py`` (the tests may use the
bench; nothing shipped uses the tests).

Neither split is held out: the tests assert on every case, and the rules were written by the same
hands as the pages. ``dev`` pages were written while a rule was built; ``regression`` pages were
added afterwards to pin a behaviour (a trap, a bug caught on real markup) so it cannot come back.
How the detectors do on pages nobody here wrote is measured on independent real pages only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from detectors.registry import InMemoryRegistry
from detectors.types import Context, RegistryRecord

FIXTURES_DIR = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "pages"


@dataclass(frozen=True)
class GoldenCase:
    name: str
    html: bytes  # as served: parse_page decodes it, as it does a crawled body
    url: str
    on: date
    split: str
    source: str
    registry: InMemoryRegistry | None
    extra: dict[str, Any]
    expected: tuple[str, ...]

    def context(self) -> Context:
        return Context(on=self.on, registry=self.registry, extra=self.extra)


def load_cases(root: Path = FIXTURES_DIR) -> list[GoldenCase]:
    return [load_case(d) for d in sorted(root.iterdir()) if (d / "page.html").exists()]


def load_case(folder: Path) -> GoldenCase:
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    rows = meta.get("registry")
    registry = None if rows is None else InMemoryRegistry(RegistryRecord(**row, source="fixture") for row in rows)
    return GoldenCase(
        name=folder.name,
        html=(folder / "page.html").read_bytes(),
        url=meta["url"],
        on=date.fromisoformat(meta["on"]),
        split=meta["split"],
        source=meta["source"],
        registry=registry,
        extra=meta.get("extra") or {},
        expected=tuple(expected["rules"]),
    )
