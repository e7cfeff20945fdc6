"""How the price history holds up at a year of nightly crawls: query and rule-pass times in SQLite.

    python -m bench.history_bench [--products 10000] [--nights 365] [--samples 200]

Generates ``products × nights`` observations (10,000 × 365 = 3.65 M rows) into a throwaway SQLite
store migrated like a real one (``price_observations`` with its index), 50 sites, prices that change
now and then, a struck "giá gốc" on a third of the nights. Then, in the same run:

  baseline   a plain SELECT of one row by its primary key
  series     one product's series as the judge reads it while PROMO-DUR-120 is in force
             (``storage.history.stored_series``: the calendar year, through the (site_id, product_key,
             observed_at) index); from 26/06/2026 the judge reads only the last 30 days
  rule pass  that read plus the three history rules over it (``detectors.history_findings``, by the law
             of 25/06/2026): the work the judge adds per product on a page
  no index   the series query forced past the index (``NOT INDEXED``): what the index saves

Each figure is the median of ``--samples`` random products, with the ratio to the baseline; the rule
pass is also projected to every product of a night. Results go to ``bench/results/``.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

from .report import save

SITES = 50
FIRST_NIGHT = datetime(2025, 12, 31, 19, 0, tzinfo=timezone.utc)  # 02:00 in Vietnam on 1 January 2026
# The rule pass is judged by the law of the last day PROMO-DUR-120 was in force, so all three rules run.
RULES_ON = date(2026, 6, 25)
BATCH = 50_000


def product_key(product: int) -> str:
    return f"id:sku:BENCH-{product:06d}"


def rows(products: int, nights: int, seed: int = 7) -> Iterator[tuple[Any, ...]]:
    """(id, site_id, product_key, observed_at, observed_on, price, reference_price, snapshot_id)."""
    rng = random.Random(seed)
    base = [rng.randrange(100, 5000) * 1000 for _ in range(products)]
    row_id = 0
    for night in range(nights):
        moment = FIRST_NIGHT + timedelta(days=night)
        at = moment.strftime("%Y-%m-%d %H:%M:%S.%f")  # how SQLAlchemy stores a UTC moment in SQLite
        on = (moment + timedelta(hours=7)).date().isoformat()
        for product in range(products):
            row_id += 1
            price = base[product]
            if night % 3 == product % 3:  # a struck reference on a third of the nights
                yield (row_id, product % SITES + 1, product_key(product), at, on, price * 7 // 10, price, row_id)
            else:
                yield (row_id, product % SITES + 1, product_key(product), at, on, price, None, row_id)


def generate(path: Path, products: int, nights: int) -> float:
    """Migrate a fresh store and fill it; returns the seconds the insert took."""
    from storage.db import make_engine
    from storage.migrate import upgrade

    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA foreign_keys=OFF")  # snapshots are not generated: only their ids
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=OFF")
    connection.executemany("INSERT INTO sites (id, domain, first_seen_at) VALUES (?, ?, ?)",
                           [(s, f"shop-{s}.vn", "2026-01-01 00:00:00.000000") for s in range(1, SITES + 1)])
    start = time.perf_counter()
    batch: list[tuple[Any, ...]] = []
    insert = ("INSERT INTO price_observations (id, site_id, product_key, observed_at, observed_on, price, "
              "reference_price, snapshot_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
    for row in rows(products, nights):
        batch.append(row)
        if len(batch) >= BATCH:
            connection.executemany(insert, batch)
            batch.clear()
    connection.executemany(insert, batch)
    connection.commit()
    connection.execute("ANALYZE")
    connection.close()
    return time.perf_counter() - start


def timed(samples: list[int], action: Callable[[int], object]) -> list[float]:
    """Milliseconds per call of ``action`` for each sample."""
    out = []
    for sample in samples:
        start = time.perf_counter()
        action(sample)
        out.append((time.perf_counter() - start) * 1000)
    return out


def measure(products: int = 10_000, nights: int = 365, samples: int = 200) -> dict[str, Any]:
    from sqlalchemy import text

    from detectors import HistoryRun, Observation, history_findings, load_rulebook
    from storage.db import make_engine, session_scope
    from storage.history import stored_series

    rulebook = load_rulebook()
    with tempfile.TemporaryDirectory(prefix="ecwatch-history-bench-") as folder:
        path = Path(folder) / "history.db"
        insert_s = generate(path, products, nights)
        size = path.stat().st_size + sum(p.stat().st_size for p in Path(folder).glob("history.db-*"))
        engine = make_engine(f"sqlite:///{path}")
        rng = random.Random(11)
        chosen = [rng.randrange(products) for _ in range(samples)]
        last_night = FIRST_NIGHT + timedelta(days=nights - 1)
        on = (last_night + timedelta(hours=7)).date()
        since = date(on.year, 1, 1)
        with session_scope(engine) as session:
            total = session.scalar(text("SELECT count(*) FROM price_observations"))
            row_ids = [rng.randrange(1, total + 1) for _ in range(samples)]

            def one_row(row_id: int) -> object:
                return session.execute(text("SELECT price FROM price_observations WHERE id = :id"),
                                       {"id": row_id}).scalar()

            def series(product: int) -> list[Observation]:
                found = stored_series(session, product % SITES + 1, [product_key(product)], since=since,
                                      until=last_night)
                return found[product_key(product)]

            def rule_pass(product: int) -> object:
                return history_findings(series(product), HistoryRun(rulebook, on=RULES_ON))

            def unindexed(product: int) -> object:
                return session.execute(text(
                    "SELECT price, reference_price, observed_at FROM price_observations NOT INDEXED "
                    "WHERE site_id = :site AND product_key = :key ORDER BY observed_at"),
                    {"site": product % SITES + 1, "key": product_key(product)}).all()

            timed(chosen[:10], series)  # warm the page cache as a nightly judge would find it
            baseline = timed(row_ids, one_row)
            series_ms = timed(chosen, series)
            rules_ms = timed(chosen, rule_pass)
            scan_ms = timed(chosen[:3], unindexed)
            series_length = len(series(chosen[0]))
            flagged = sum(bool(rule_pass(p)) for p in chosen[:50])
        engine.dispose()
    med = {name: statistics.median(values) for name, values in
           (("baseline", baseline), ("series", series_ms), ("rule_pass", rules_ms), ("no_index", scan_ms))}
    return {
        "products": products, "nights": nights, "rows": total, "samples": samples,
        "insert_s": round(insert_s, 1), "bytes_per_row": round(size / total, 1), "db_mib": round(size / 2**20, 1),
        "series_length": series_length, "flagged_of_50": flagged,
        "median_ms": {k: round(v, 3) for k, v in med.items()},
        "p90_ms": {"series": round(_p90(series_ms), 3), "rule_pass": round(_p90(rules_ms), 3)},
        "ratio_to_baseline": {k: round(med[k] / med["baseline"], 1) for k in ("series", "rule_pass", "no_index")},
        "index_speedup": round(med["no_index"] / med["series"], 1),
        "rule_pass_all_products_s": round(med["rule_pass"] * products / 1000, 1),
    }


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]


def markdown(result: dict[str, Any]) -> str:
    med, ratio = result["median_ms"], result["ratio_to_baseline"]
    return "\n".join([
        f"# Price history at {result['rows']:,} observations ({result['products']:,} products × "
        f"{result['nights']} nights, SQLite)", "",
        f"Store: {result['db_mib']} MiB, {result['bytes_per_row']} bytes per observation (indexes included); "
        f"generated in {result['insert_s']} s. A series holds {result['series_length']} observations.", "",
        "| figure | median ms | ratio to baseline |", "|---|---|---|",
        f"| baseline: one row by primary key | {med['baseline']} | 1 |",
        f"| one product's series (the judge's read, calendar year) | {med['series']} | {ratio['series']} |",
        f"| rule pass: that read + the three history rules | {med['rule_pass']} | {ratio['rule_pass']} |",
        f"| the series query without the index (full scan) | {med['no_index']} | {ratio['no_index']} |", "",
        f"The index makes a series {result['index_speedup']}× faster than a scan; the rule pass over all "
        f"{result['products']:,} products of a night takes about {result['rule_pass_all_products_s']} s "
        f"(p90 per product {result['p90_ms']['rule_pass']} ms).", ""])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.history_bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--nights", type=int, default=365)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args(argv)
    result = measure(args.products, args.nights, args.samples)
    result["started"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    save(result, "history", markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
