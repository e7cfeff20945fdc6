"""Throughput and peak memory of ``ecwatch export``, against a plain-csv baseline.

    python -m bench.export_bench [--findings 20000] [--small 2000]

Seeds a throwaway SQLite store (pages of 20 findings, each page with html, dom, screenshot and
warc evidence), then runs each measurement in a fresh subprocess so peak RSS is its own:
  baseline  one streamed SQL query (findings ⨝ sites ⨝ four artifact joins) written with a plain
            csv.writer: the same 22 columns without BOM, formula neutralising or local time
  csv       storage.exports.export_findings, format csv
  jsonl     storage.exports.export_findings, format jsonl
  bundle    storage.bundles.export_bundle (streams every artifact into a signed zip)
each at ``--small`` and at ``--findings`` rows: peak RSS that does not grow with the rows is
what streaming means. Prints rows/s, peak RSS, the RSS growth over the imports, and time ratios.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

MODES = ("baseline", "csv", "jsonl", "bundle")
PER_PAGE = 20
START = datetime(2026, 11, 1, tzinfo=timezone.utc)


def rss_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def seed(database_url: str, data_dir: Path, first_page: int, pages: int) -> None:
    from detectors.types import Finding as DetectedFinding
    from detectors.types import Severity
    from storage.blobs import BlobStore
    from storage.db import make_engine, session_scope
    from storage.migrate import upgrade
    from detectors.judge import JUDGED, Judgement
    from storage.findings import record_judgement
    from storage.repository import SnapshotInput, attach_artifact, save_snapshot

    engine = make_engine(database_url)
    upgrade(engine)
    blobs = BlobStore(data_dir)
    with session_scope(engine) as session:
        for page in range(first_page, first_page + pages):
            url = f"https://shop-{page % 97}.vn/p/{page}"
            html = f"<html><body><h1>Nồi cơm điện {page}</h1><del>2.000.000đ</del> 790.000đ</body></html>".encode()
            body = blobs.put(html)
            snapshot = save_snapshot(session, SnapshotInput(
                domain=f"shop-{page % 97}.vn", requested_url=url, final_url=url, status=200, headers={},
                fetched_at=START + timedelta(minutes=page), body=body))
            attach_artifact(session, snapshot, "html", body)
            for kind, data in (("dom", html + b"<!-- rendered -->"), ("screenshot", b"\x89PNG\r\n\x1a\n" + html * 40),
                               ("warc", gzip.compress(b"WARC/1.1\r\n\r\n" + html))):
                attach_artifact(session, snapshot, kind, blobs.put(data))
            findings = tuple(DetectedFinding(
                rule="PROMO-DISC-50", severity=Severity.HIGH, title="Discount above 50%", title_vi="Giảm giá quá 50%",
                legal_basis="Nghị định 81/2018/NĐ-CP Điều 10", message=f"Sản phẩm {i}: giảm 61%, quá mức 50%",
                evidence={"snippet": "<del>2.000.000đ</del> 790.000đ", "css_path": "div.price", "ratio": 0.605},
                subject=f"offer:{page}:{i}") for i in range(PER_PAGE))
            record_judgement(session, snapshot, Judgement(url, snapshot.fetched_at.date(), "bench", JUDGED, findings))
    engine.dispose()


def baseline(session: Any, out: Path, flt: Any) -> int:
    from sqlalchemy import and_, select
    from sqlalchemy.orm import aliased

    from storage.models import Artifact, Finding, Sighting, Site

    kinds = ("html", "dom", "screenshot", "warc")
    joined = {kind: aliased(Artifact) for kind in kinds}
    columns = [Finding.id, Finding.rule, Finding.title, Finding.legal_basis, Finding.severity, Site.domain,
               Sighting.url, Finding.first_seen_at, Finding.first_seen_at, Sighting.message, Sighting.evidence,
               Finding.state, Finding.decided_by, Finding.decision_note]
    for kind in kinds:
        columns += [joined[kind].path, joined[kind].sha256]
    query = (select(*columns).join(Site, Finding.site_id == Site.id)
             .join(Sighting, Sighting.id == Finding.reference_sighting_id))
    for kind, alias in joined.items():
        query = query.outerjoin(alias, and_(alias.snapshot_id == Sighting.snapshot_id, alias.kind == kind))
    rows = 0
    with open(out, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        for row in session.execute(query.order_by(Finding.id).execution_options(yield_per=1000)):
            writer.writerow(row)
            rows += 1
    return rows


def measure(mode: str, database_url: str, data_dir: Path, out_dir: Path) -> dict[str, Any]:
    from storage.bundles import export_bundle
    from storage.db import make_engine, session_scope
    from storage.exports import export_findings
    from storage.keys import init_keys, load_signing_key
    from storage.repository import FindingFilter

    if mode == "bundle" and not (data_dir / "keys").exists():
        init_keys(data_dir)
    runners: dict[str, Callable[[Any, Path], int]] = {
        "baseline": lambda s, out: baseline(s, out, FindingFilter()),
        "csv": lambda s, out: export_findings(s, FindingFilter(), out, data_dir=data_dir).rows,
        "jsonl": lambda s, out: export_findings(s, FindingFilter(), out, data_dir=data_dir, fmt="jsonl").rows,
        "bundle": lambda s, out: export_bundle(s, FindingFilter(), out, data_dir=data_dir,
                                               signing_key=load_signing_key(data_dir)).findings,
    }
    engine = make_engine(database_url)
    before = rss_kib()
    started = time.perf_counter()
    with session_scope(engine) as session:
        rows = runners[mode](session, out_dir / f"{mode}.out")
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"mode": mode, "rows": rows, "seconds": seconds, "peak_rss_kib": peak, "growth_kib": peak - before,
            "bytes": (out_dir / f"{mode}.out").stat().st_size}


def run_child(mode: str, database_url: str, data_dir: Path, out_dir: Path) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.export_bench", "--child", mode, "--database-url", database_url,
               "--data-dir", str(data_dir), "--out-dir", str(out_dir)]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    measured: dict[str, Any] = json.loads(result.stdout)
    return measured


def report(results: list[dict[str, Any]]) -> None:
    print(f"{'mode':<9}{'rows':>8}{'seconds':>9}{'rows/s':>10}{'peak RSS':>11}{'growth':>9}{'output':>10}"
          f"{'time ×base':>12}")
    base = {r["rows"]: r["seconds"] for r in results if r["mode"] == "baseline"}
    for r in results:
        print(f"{r['mode']:<9}{r['rows']:>8}{r['seconds']:>9.2f}{r['rows'] / r['seconds']:>10,.0f}"
              f"{r['peak_rss_kib'] / 1024:>9.1f}Mi{r['growth_kib'] / 1024:>7.1f}Mi{r['bytes'] / 2**20:>8.1f}Mi"
              f"{r['seconds'] / base[r['rows']]:>12.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=20_000)
    parser.add_argument("--small", type=int, default=2_000)
    parser.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.database_url, args.data_dir, args.out_dir)))
        return
    with tempfile.TemporaryDirectory(prefix="ecwatch-export-bench-") as tmp:
        data_dir, out_dir = Path(tmp) / "data", Path(tmp) / "out"
        out_dir.mkdir()
        url = f"sqlite:///{data_dir / 'ecwatch.db'}"
        results: list[dict[str, Any]] = []
        seeded = 0
        for size in (args.small, args.findings):
            pages = size // PER_PAGE
            print(f"seeding {pages * PER_PAGE} findings ...", file=sys.stderr)
            seed(url, data_dir, seeded, pages - seeded)
            seeded = pages
            results += [run_child(mode, url, data_dir, out_dir) for mode in MODES]
        report(results)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
