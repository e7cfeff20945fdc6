"""Where every benchmark writes its figures: ``bench/results/<start>-<kind>.json`` and ``.md``, and stdout."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def save(results: dict[str, Any], kind: str, report: str) -> None:
    """Write ``results`` (with its ISO ``started`` time) as JSON and ``report`` as Markdown; print the report."""
    RESULTS.mkdir(exist_ok=True)
    stamp = results["started"].replace(":", "").replace("-", "")[:15]
    (RESULTS / f"{stamp}-{kind}.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    (RESULTS / f"{stamp}-{kind}.md").write_text(report, encoding="utf-8")
    print(report)
