"""Lists for people and scripts: piped output is one record a line, tables fit the terminal without
breaking a name, page text can never act on the terminal, times are Vietnam time with the offset."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Callable, Iterator

import pytest
from click.testing import CliRunner
from rich.cells import cell_len

from cli.common import console
from cli.main import cli
from cli.output import MIN_TEXT_WIDTH, Column, fitted_widths, printable
from storage.db import session_scope

from .exports.conftest import Store, cli_store, data_dir, detected  # noqa: F401 - fixtures

ROOT = Path(__file__).resolve().parents[1]
LONG_NAME = "nightly-crawl-of-the-ho-chi-minh-city-household-goods-shops-2026"  # 64 characters, the most allowed
# A product name as a hostile shop could write it: Rich markup, an OSC 8 hyperlink, a screen clear, a tab, a newline.
HOSTILE = ("[link=https://evil.example/]Nồi cơm[/link] [bold red]GIẢM 61%[/bold red] "
           "\x1b]8;;https://evil.example/\x1b\\bấm\x1b]8;;\x1b\\ \x1b[2J\tcột\nhàng \u202etxt.exe")


def ecwatch(*args: str) -> subprocess.CompletedProcess[str]:
    """The real command with its stdout a pipe, as ``ecwatch ... | grep`` sees it."""
    return subprocess.run([sys.executable, "-m", "cli.main", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)


@pytest.fixture
def terminal_width() -> Iterator[Callable[[int], None]]:
    """Render tables as on a terminal of a given width (the console is created once, at import)."""
    saved = console._width

    def set_width(width: int) -> None:
        console.width = width

    yield set_width
    console._width = saved


def _findings(store: Store) -> list[int]:
    with session_scope(store.engine) as session:
        ids = store.add_page(session, [detected(subject="a", message=HOSTILE), detected(subject="b")])
        ids += store.add_page(session, [detected(subject="c", rule="ECOM-NOTIFY-MISSING")],
                              url="https://www.shop-rat-dai-ten-mien-viet-nam.com.vn/", domain="shop-rat-dai-ten-mien-viet-nam.com.vn")
    return ids


def test_piped_schedule_list_gives_one_schedule_a_line(tmp_path: Path) -> None:
    seeds = tmp_path / "danh sách cửa hàng.txt"
    seeds.write_text("https://demo-giadung.vn/\n", encoding="utf-8")
    added = ecwatch("schedule", "add", LONG_NAME, "--cron", "30 1 * * 1-5", "--spider", "storefront",
                    "--seeds", str(seeds))
    assert added.returncode == 0, added.stderr
    listed = ecwatch("schedule", "list")
    assert listed.returncode == 0, listed.stderr
    header, *rows = listed.stdout.splitlines()
    assert header.split("\t")[:3] == ["name", "when", "next_run"]
    [ours] = rows
    fields = ours.split("\t")
    assert fields[0] == LONG_NAME and fields[1].startswith("30 1 * * ") and fields[4] == str(seeds.resolve())
    assert fields[2].endswith("+07:00") and fields[2][11:16] == "01:30"


def test_piped_findings_give_one_finding_a_line_and_page_text_stays_text(cli_store: Store) -> None:
    ids = _findings(cli_store)
    listed = ecwatch("findings")
    assert listed.returncode == 0, listed.stderr
    header, *rows = listed.stdout.splitlines()
    assert header.split("\t") == ["id", "rule", "severity", "site", "state", "decision", "first_seen", "title",
                                  "message", "url"]
    assert [int(row.split("\t")[0]) for row in rows] == ids
    hostile = rows[0].split("\t")
    assert len(hostile) == 10
    assert hostile[6] == "2026-11-20 10:15:42+07:00"
    assert "[link=https://evil.example/]Nồi cơm[/link] [bold red]GIẢM 61%[/bold red]" in hostile[8]
    assert "\\x1b]8;;https://evil.example/\\x1b\\bấm" in hostile[8] and "\\x1b[2J cột hàng \\u202etxt.exe" in hostile[8]
    assert "\x1b" not in listed.stdout and "\u202e" not in listed.stdout
    grep = subprocess.run(["grep", "shop-rat-dai"], input=listed.stdout, capture_output=True, text=True)
    assert len(grep.stdout.splitlines()) == 1 and grep.stdout.startswith(f"{ids[2]}\tECOM-NOTIFY-MISSING\t")


def test_jsonl_has_every_field_and_local_times(cli_store: Store) -> None:
    _findings(cli_store)
    result = CliRunner().invoke(cli, ["findings", "--format", "jsonl", "--site", "WWW.Demo-GiaDung.vn"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["site"] for r in records] == ["demo-giadung.vn"] * 2
    assert records[0]["message"] == HOSTILE  # scripts get the value as stored
    assert records[0]["first_seen"] == "2026-11-20T10:15:42+07:00" and records[0]["observed_at"] == "2026-11-20T03:15:42Z"
    assert records[0]["artifacts"] and records[0]["title_vi"] == "Giảm giá quá 50%"


@pytest.mark.parametrize("width", [200, 120, 100, 80, 60, 40])
def test_a_table_fits_the_terminal_and_never_breaks_a_name(cli_store: Store, terminal_width: Callable[[int], None],
                                                           width: int) -> None:
    _findings(cli_store)
    terminal_width(width)
    result = CliRunner().invoke(cli, ["findings", "--format", "table"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    names = ("ECOM-NOTIFY-MISSING", "shop-rat-dai-ten-mien-viet-nam.com.vn", "2026-11-20 10:15", "PROMO-DISC-50")
    for name in names:
        assert any(name in line for line in lines), (name, result.stdout)
    # Only a name longer than the terminal itself may run past it, on a line of its own.
    assert all(cell_len(line.rstrip()) <= width or line.strip() in names for line in lines), result.stdout
    assert "[link=https://evil.example/]" in result.stdout and "\x1b" not in result.stdout
    assert " ".join(result.stdout.split()).startswith("Findings (times in Asia/Ho_Chi_Minh, UTC+07:00)")


@pytest.mark.parametrize(("natural", "wrap", "width", "expected"), [
    ([2, 13, 40], [False, False, True], 100, [2, 13, 40]),  # everything fits as it is
    ([2, 13, 200], [False, False, True], 80, [2, 13, 61]),  # the text takes the rest of the line
    ([2, 13, 100, 100], [False, False, True, True], 80, [2, 13, 30, 29]),  # shared between text columns
    ([2, 13, 10, 100], [False, False, True, True], 50, [2, 13, 10, 19]),  # a short text keeps its width
    ([30, 30, 100], [False, False, True], 70, None),  # the names leave less than MIN_TEXT_WIDTH: blocks
    ([40, 40], [False, False], 70, None),  # names alone do not fit
])
def test_fitted_widths(natural: list[int], wrap: list[bool], width: int, expected: list[int] | None) -> None:
    columns = [Column(str(i), str(i), wrap=w) for i, w in enumerate(wrap)]
    widths = fitted_widths(natural, columns, width)
    assert widths == expected
    if widths is not None:
        assert sum(widths) + 2 * (len(widths) - 1) <= width
        assert all(w >= min(n, MIN_TEXT_WIDTH) for w, n, c in zip(widths, natural, columns) if c.wrap)


@pytest.mark.parametrize(("text", "shown"), [
    ("Giảm 50%", "Giảm 50%"),
    ("a\tb\nc\r\nd", "a b c  d"),
    ("giá\u00a0gốc", "giá gốc"),  # a non-breaking space is a space
    ("\x1b[31mđỏ", "\\x1b[31mđỏ"),
    ("\x07\x9b", "\\x07\\x9b"),
    ("abc\u202eexe.txt", "abc\\u202eexe.txt"),  # right-to-left override
    ("zero\u200bwidth", "zero\\u200bwidth"),
    (None, ""),
])
def test_printable_makes_control_characters_visible(text: str | None, shown: str) -> None:
    assert printable(text) == shown


def test_runs_and_spiders_list_one_record_a_line() -> None:
    spiders = CliRunner().invoke(cli, ["spiders"])
    assert spiders.exit_code == 0, spiders.output
    assert [line.split("\t")[0] for line in spiders.stdout.splitlines()] == ["name", "ads", "storefront"]
    runs = CliRunner().invoke(cli, ["runs", "--format", "jsonl"])
    assert runs.exit_code == 0 and runs.stdout == ""
    assert "No crawl runs yet (database sqlite:///" in runs.stderr


def test_registry_list_filters_by_domain_as_people_type_it(tmp_path: Path) -> None:
    registry = tmp_path / "records.csv"
    registry.write_text("domain,record_id,kind,status,company\n"
                        "demo-thoitrang.vn,100123,notified,active,Công ty TNHH Thời Trang Demo\n"
                        "demo-chosi.vn,200456,registered,active,\n", encoding="utf-8")
    imported = CliRunner().invoke(cli, ["registry", "import", str(registry)])
    assert imported.exit_code == 0, imported.output
    assert "Imported 2 registry records from" in imported.stdout and "into sqlite:///" in imported.stdout
    listed = CliRunner().invoke(cli, ["registry", "list", "--domain", "https://WWW.demo-thoitrang.vn/gioi-thieu"])
    assert listed.exit_code == 0, listed.output
    assert listed.stdout.splitlines()[1:] == [
        "demo-thoitrang.vn\t100123\tnotified\tactive\tcsv\tCông ty TNHH Thời Trang Demo"]
    missed = CliRunner().invoke(cli, ["registry", "list", "--domain", "demo-thoitrag.vn"])
    assert missed.exit_code == 0 and missed.stdout.splitlines() == ["domain\trecord_id\tkind\tstatus\tsource\tcompany"]
    assert "No registry records for demo-thoitrag.vn" in missed.stderr and "Did you mean demo-thoitrang.vn?" in missed.stderr
