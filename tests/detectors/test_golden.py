"""Golden pages: ``detect(parse_page(html, url), context)`` yields exactly the expected rule ids.

Fixtures are hand-written pages (tests/fixtures/pages/<case>/, see ``fixtures.py``); each
``meta.json`` records what real markup it was modelled on. ``bench/detect_eval.py`` reports
per-rule precision/recall on the dev and regression splits of the same cases (neither is held out).
"""

from __future__ import annotations

import pytest

from detectors import detect, parse_page

from bench.golden import GoldenCase, load_cases

CASES = load_cases()


def test_every_case_names_a_known_split() -> None:
    splits = [c.split for c in CASES]
    assert set(splits) == {"dev", "regression"}
    assert len(CASES) >= 45


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden_page(case: GoldenCase) -> None:
    page = parse_page(case.html, case.url)
    findings = detect(page, case.context())
    got = sorted({f.rule for f in findings})
    assert got == list(case.expected), "\n".join(f"{f.rule}: {f.message}" for f in findings)
    for finding in findings:
        assert "snippet" in finding.evidence and "css_path" in finding.evidence
        assert finding.subject


def test_same_product_listed_twice_gives_one_finding() -> None:
    case = next(c for c in CASES if c.name == "disc50-same-product-twice")
    findings = detect(parse_page(case.html, case.url), case.context())
    assert [f.rule for f in findings] == ["PROMO-DISC-50"]
