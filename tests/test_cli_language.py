"""``--lang vi|en`` (default ``ECWATCH_LANG``, else Vietnamese): the CLI's words and rule titles."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from cli.spiders import SPIDER_NOTES
from cli.summary import SUMMARY_COLUMNS
from cli.vi import VI
from crawler.failures import REASONS
from storage.db import session_scope

from .exports.conftest import Store, cli_store, data_dir, detected  # noqa: F401 - fixtures

CLI = Path(__file__).resolve().parents[1] / "cli"


def _texts_given_to_tr() -> set[str]:
    """Every literal the CLI translates: ``tr("...")`` and the headers of its ``Column``s."""
    found = set()
    for path in CLI.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            position = {"tr": 0, "Column": 1}.get(name or "")
            if position is not None and len(node.args) > position and isinstance(node.args[position], ast.Constant):
                found.add(node.args[position].value)
    return found


def _translated_elsewhere() -> set[str]:
    """Texts passed to ``tr`` through a variable: failure reasons, spider notes, summary columns."""
    return ({*REASONS.values(), *(note for _, note in SPIDER_NOTES.values())}
            | {column.replace("_", " ") for column in SUMMARY_COLUMNS})


def test_every_text_the_cli_translates_has_a_vietnamese_entry_with_the_same_placeholders() -> None:
    texts = _texts_given_to_tr() | _translated_elsewhere()
    assert len(texts) > 100
    missing = sorted(texts - set(VI))
    assert not missing
    for english, vietnamese in VI.items():
        assert set(re.findall(r"{(\w+)}", english)) == set(re.findall(r"{(\w+)}", vietnamese)), english


@pytest.fixture
def finding_id(cli_store: Store) -> int:
    with session_scope(cli_store.engine) as session:
        [found] = cli_store.add_page(session, [detected(uncertain="cap under review")])
    return found


def test_vietnamese_is_the_default(finding_id: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ECWATCH_LANG")
    shown = CliRunner().invoke(cli, ["findings", "show", str(finding_id)])
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    assert lines[0] == f"Phát hiện {finding_id}: PROMO-DISC-50 (high) trên demo-giadung.vn"
    assert lines[1:3] == ["  Giảm giá quá 50%", "  Discount above 50%"]  # the reader's language first
    assert "Chưa chắc chắn: cap under review" in lines
    assert "Thấy lần đầu 2026-11-20 10:15:42+07:00, lần cuối 2026-11-20 10:15:42+07:00" in lines
    listed = CliRunner().invoke(cli, ["findings"])
    assert listed.stdout.splitlines()[1].split("\t")[7] == "Giảm giá quá 50%"


@pytest.mark.parametrize(("listing", "showing"), [
    (["findings", "--lang", "en"], ["findings", "show", "{id}", "--lang", "en"]),
    (["--lang", "en", "findings"], ["--lang", "en", "findings", "show", "{id}"]),
])
def test_lang_wins_over_the_environment_before_or_after_the_command(listing: list[str], showing: list[str],
                                                                    finding_id: int,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECWATCH_LANG", "vi")
    listed = CliRunner().invoke(cli, listing)
    assert listed.stdout.splitlines()[1].split("\t")[7] == "Discount above 50%"
    shown = CliRunner().invoke(cli, [arg.format(id=finding_id) for arg in showing])
    assert shown.stdout.splitlines()[0] == f"Finding {finding_id}: PROMO-DISC-50 (high) on demo-giadung.vn"


def test_nothing_found_is_said_in_vietnamese(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECWATCH_LANG", "vi_VN.UTF-8")
    result = CliRunner().invoke(cli, ["runs"])
    assert result.exit_code == 0
    assert result.stderr.startswith("Chưa có lần thu thập nào (cơ sở dữ liệu sqlite:///")
