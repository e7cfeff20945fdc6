"""``make bench`` / ``python -m bench [--quick]``: every figure of ecwatch's throughput, each against a
baseline measured in the same run, written to ``bench/results/`` (JSON and Markdown) and printed.

  (a)+(b) plain Scrapy following links vs the full ecwatch crawl: pages/s, ratio, coverage (A B A B)
  (c)     ``detect --batch`` on one core vs a bare lxml parse of the same pages
  (d)     rendered pages/min vs static, and the PSS of the whole process tree (``bench.render_bench``)
  (e)     peak memory of the ecwatch crawl as the shop grows (1k, 5k, 10k pages)
  (f)     bytes stored per page, against the same pages uncompressed
  (g)     price history: one product's series and the history rule pass at products × nights
          observations, against a one-row SELECT (``bench.history_bench``)
  (h)     the shared mode: pages/s with 1, 2 and 4 workers against 1 worker (``bench.scale``; needs Redis and
          PostgreSQL, skipped with the reason where absent)

``--quick`` runs small sizes and ends within about two minutes; the full run takes about half an hour.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timezone
from typing import Any

from . import detect_speed, history_bench, render_bench, report, scale, throughput
from .shop import ShopSpec

FULL = {"products": 1250, "detect_pages": 300, "render_products": 150, "memory_sizes": [1000, 5000, 10000],
        "history": {"products": 10_000, "nights": 365}, "scale": scale.FULL}
QUICK = {"products": 300, "detect_pages": 80, "render_products": 30, "memory_sizes": [300, 900],
         "history": {"products": 1000, "nights": 90}, "scale": scale.QUICK}


def run(sizes: dict[str, Any]) -> dict[str, Any]:
    results: dict[str, Any] = {"started": datetime.now(timezone.utc).isoformat(timespec="seconds"), "sizes": sizes}
    spec = ShopSpec(products=sizes["products"], categories=max(sizes["products"] // 40, 1), paragraphs=70)
    _step("(a)(b) plain Scrapy vs ecwatch crawl")
    results["crawl"] = throughput.compare(spec)
    _step("(c) detect vs a bare lxml parse")
    results["detect"] = detect_speed.measure(sizes["detect_pages"])
    _step("(d) rendered vs static")
    results["render"] = render_bench.measure(sizes["render_products"], evidence=0)
    _step("(e) memory as the shop grows")
    results["memory"] = throughput.memory_by_size(sizes["memory_sizes"])
    _step("(g) price history")
    results["history"] = history_bench.measure(**sizes["history"])
    _step("(h) shared mode: 1, 2, 4 workers")
    try:
        results["scale"] = scale.measure(**sizes["scale"])
    except Exception as exc:  # noqa: BLE001 - no Redis or PostgreSQL here: the other figures still stand
        results["scale"] = {"skipped": f"{type(exc).__name__}: {exc}"}
    results["finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    return results


def markdown(results: dict[str, Any]) -> str:
    crawl, detect, render = results["crawl"], results["detect"], results["render"]
    lines = [f"# ecwatch benchmark {results['started']}", "",
             f"Shop: {crawl['site_pages']} pages served by {crawl['server']}; concurrency {crawl['concurrency']}.", "",
             "| figure | baseline | ecwatch | ratio (median, min–max) |", "|---|---|---|---|",
             f"| (a)(b) crawl pages/s | plain Scrapy {crawl['pages_per_s']['plain']} | {crawl['pages_per_s']['ecwatch']} "
             f"| {crawl['ratio']['median']} ({crawl['ratio']['min']}–{crawl['ratio']['max']}) |",
             f"| coverage | {crawl['coverage']['plain']} | {crawl['coverage']['ecwatch']} | |",
             f"| CPU ms per page (all processes) | {crawl['cpu_ms_per_page']['plain']} | "
             f"{crawl['cpu_ms_per_page']['ecwatch']} | |",
             f"| (c) pages/s on one core | lxml parse {detect['baseline_pages_per_s']} | detect {detect['detect_pages_per_s']} "
             f"| {detect['ratio']} |",
             f"| (d) pages/min | static {render['static_pages_per_min']} | rendered {render['rendered_pages_per_min']} "
             f"| {render['static_to_rendered']}× slower rendered; peak PSS {render['rendered_peak_pss_mib']} MiB |",
             f"| (f) bytes stored per page | uncompressed {crawl['bytes_per_page']['uncompressed']} | "
             f"{crawl['bytes_per_page']['stored']} | {_smaller(crawl['bytes_per_page'])} |", "",
             "(e) memory of the ecwatch crawl (its process tree) as the shop grows:", "",
             "| pages | peak PSS MiB | peak RSS (sum) MiB | pages/s |", "|---|---|---|---|"]
    lines += [f"| {r['pages']} | {r['peak_pss_mib']} | {r['peak_rss_tree_mib']} | {r['pages_per_s']} |"
              for r in results["memory"]]
    lines += ["", "(g) " + history_bench.markdown(results["history"]).lstrip("# ")]
    shared = results.get("scale") or {"skipped": "not run"}
    lines += ["", f"(h) shared mode skipped: {shared['skipped']}" if "skipped" in shared
              else scale.markdown(shared, heading="(h) shared mode, measured")]
    return "\n".join(lines) + "\n"


def _smaller(sizes: dict[str, list[Any]]) -> str:
    ratios = [u / s for s, u in zip(sizes["stored"], sizes["uncompressed"]) if s]
    return f"{min(ratios):.1f}–{max(ratios):.1f}× smaller" if ratios else "?"


def _step(title: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {title}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes, about two minutes")
    args = parser.parse_args(argv)
    results = run(QUICK if args.quick else FULL)
    report.save(results, "quick" if args.quick else "full", markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
