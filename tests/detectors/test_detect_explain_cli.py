"""``ecwatch detect --explain``: the explanation as an investigator reads it, in text and in JSON."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from cli.main import cli

from bench.golden import FIXTURES_DIR

UNDER_CAP = FIXTURES_DIR / "disc50-landing-builder-under-cap"
URL = "https://demo-mayxay.vn/"
REGISTRY = "domain,record_id,kind,status\ndemo-mayxay.vn,61103,notified,active\n"


def run(tmp_path: Path, *args: str) -> str:
    registry = tmp_path / "registry.csv"
    registry.write_text(REGISTRY, encoding="utf-8")
    result = CliRunner().invoke(cli, ["detect", *args, "--on", "2026-10-15", "--registry", str(registry)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_the_text_explanation_says_why_a_rule_stayed_silent(tmp_path: Path) -> None:
    out = run(tmp_path, str(UNDER_CAP / "page.html"), "--url", URL, "--explain")
    assert f"No findings for {URL}" in out
    for heading in ("Signals", "Offers (", "Badge candidates (1)", "Rules"):
        assert heading in out
    assert "PROMO-DISC-50: silent" in out and "45.00 % (price_pair), not above the 50 % cap" in out
    assert "paired by section" in out and "→ valid: resolves to an active record for this domain" in out


def test_page_text_cannot_style_its_own_explanation(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text("""<html lang="vi"><body><div class="item">
      <h3 class="product-name">[bold red]Máy[/bold red] [link=https://evil.example]xay[/link]</h3>
      <del>1.000.000₫</del> <ins>300.000₫</ins></div></body></html>""", encoding="utf-8")
    out = run(tmp_path, str(page), "--url", URL, "--explain")
    assert "[bold red]Máy[/bold red] [link=https://evil.example]xay[/link]" in out
    assert "Máy xay" not in out  # what the markup would leave if the findings table or the explanation ran it


def test_json_output_carries_the_explanation(tmp_path: Path) -> None:
    out = json.loads(run(tmp_path, str(UNDER_CAP / "page.html"), "--url", URL, "--explain", "--format", "json"))
    assert out["findings"] == []
    rules = {r["rule"]: r for r in out["explanation"]["rules"]}
    assert rules["PROMO-DISC-50"]["status"] == "silent" and rules["PROMO-DISC-50"]["reasons"]
    assert out["explanation"]["badges"][0]["status"] == "valid"
    plain = json.loads(run(tmp_path, str(UNDER_CAP / "page.html"), "--url", URL, "--format", "json"))
    assert "explanation" not in plain


def test_batch_lines_carry_the_explanation_when_asked(tmp_path: Path) -> None:
    batch = tmp_path / "cases.jsonl"
    batch.write_text(json.dumps({"id": "a", "path": str(UNDER_CAP / "page.html"), "url": URL}) + "\n", encoding="utf-8")
    (line,) = run(tmp_path, "--batch", str(batch), "--format", "jsonl", "--explain").splitlines()
    result = json.loads(line)
    assert result["id"] == "a" and result["findings"] == [] and result["explanation"]["url"] == URL
