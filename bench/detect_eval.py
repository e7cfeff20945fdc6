"""Per-rule precision and recall of the detectors on the golden page fixtures.

    python -m bench.detect_eval [--split dev|regression|all]

Reads tests/fixtures/pages/<case>/ (page.html, meta.json, expected.json), runs
``detect(parse_page(...))`` and prints, for each split, a table of true positives, false
positives, false negatives, precision and recall per rule (page-level: a rule either fires
on a page or not), then the cases that disagree.

Both splits are regression checks, not an estimate: the tests assert on every case and the pages
were written by the people who wrote the rules (``dev`` while building a rule, ``regression`` to pin a
behaviour afterwards). Expect 1.00 here. How the detectors do on pages nobody here wrote can only be
measured on labelled real pages kept outside the repository (third-party pages are not copied in),
with ``ecwatch detect --batch``.
"""

from __future__ import annotations

import argparse
from collections import Counter
from typing import Iterable

from detectors import IMPLEMENTED_RULES, detect, parse_page
from bench.golden import GoldenCase, load_cases


def evaluate(cases: Iterable[GoldenCase]) -> tuple[dict[str, Counter[str]], list[str]]:
    counts: dict[str, Counter[str]] = {rule: Counter() for rule in sorted(IMPLEMENTED_RULES)}
    misses = []
    for case in cases:
        got = {f.rule for f in detect(parse_page(case.html, case.url), case.context())}
        want = set(case.expected)
        for rule in counts:
            if rule in got and rule in want:
                counts[rule]["tp"] += 1
            elif rule in got:
                counts[rule]["fp"] += 1
            elif rule in want:
                counts[rule]["fn"] += 1
        if got != want:
            extra, missing = sorted(got - want), sorted(want - got)
            misses.append(f"  {case.name} [{case.split}]: unexpected {extra or '-'}, missing {missing or '-'}")
    return counts, misses


def table(counts: dict[str, Counter[str]]) -> str:
    rows = [f"{'rule':<22} {'TP':>3} {'FP':>3} {'FN':>3} {'precision':>9} {'recall':>7}"]
    total: Counter[str] = Counter()
    for rule, c in counts.items():
        total.update(c)
        rows.append(_row(rule, c))
    rows.append(_row("all (micro)", total))
    return "\n".join(rows)


def _row(label: str, c: Counter[str]) -> str:
    tp, fp, fn = c["tp"], c["fp"], c["fn"]
    precision = f"{tp / (tp + fp):.2f}" if tp + fp else "-"
    recall = f"{tp / (tp + fn):.2f}" if tp + fn else "-"
    return f"{label:<22} {tp:>3} {fp:>3} {fn:>3} {precision:>9} {recall:>7}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=("dev", "regression", "all"), default=None,
                        help="one split only (default: dev, then regression)")
    args = parser.parse_args(argv)
    cases = load_cases()
    splits = [args.split] if args.split else ["dev", "regression"]
    for split in splits:
        chosen = [c for c in cases if split == "all" or c.split == split]
        counts, misses = evaluate(chosen)
        print(f"\n== {split}: {len(chosen)} pages ==")
        print(table(counts))
        if misses:
            print("disagreements:")
            print("\n".join(misses))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
