"""``ecwatch history``: a product's stored series as records, a terminal chart and an SVG file."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Iterator

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from cli.main import cli
from detectors import Observation
from storage.blobs import BlobStore
from storage.db import make_engine, session_scope
from storage.history import record_observations
from storage.migrate import upgrade
from storage.repository import SnapshotInput, save_snapshot

from .nights import crawl_nights
from .priceshop import PriceShop

HOSTILE_KEY = "url:https://evil.vn/p|<script>alert(1)</script> \x1b[31mred $\\frac{1}{0}$ $"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{Path(os.environ['ECWATCH_DATA_DIR']) / 'ecwatch.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def five_nights(store: Engine, tmp_path: Path) -> PriceShop:
    with PriceShop() as shop:
        crawl_nights(store, BlobStore(tmp_path / "blobs"), shop, range(1, 6))
        return shop


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["history", *args])
    return result.exit_code, result.output


def test_a_pages_products_are_listed_night_by_night(five_nights: PriceShop) -> None:
    code, output = run(five_nights.url("/p/fake"), "--format", "tsv")
    assert code == 0
    lines = output.splitlines()
    assert lines[0].split("\t")[:3] == ["observed_at", "price_text", "reference_text"]
    assert [line.split("\t")[1] for line in lines[1:]] == ["700.000₫"] * 5
    assert lines[-1].split("\t")[2] == "1.400.000₫" and lines[1].split("\t")[2] == ""
    assert lines[1].split("\t")[0].startswith("2026-10-01 02:00:00+07:00")


def test_a_product_key_is_plotted_as_png(five_nights: PriceShop, tmp_path: Path) -> None:
    chart = tmp_path / "fake.png"
    code, _output = run("id:sku:FAKE-1", "--plot", str(chart))
    assert code == 0 and chart.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_a_product_key_is_plotted_as_svg(five_nights: PriceShop, tmp_path: Path) -> None:
    chart = tmp_path / "fake.svg"
    code, output = run("id:sku:FAKE-1", "--site", "gia-dem.vn", "--plot", str(chart), "--format", "table")
    assert code == 0 and "█" in output and "1.400.000₫" in output
    svg = ET.fromstring(chart.read_text(encoding="utf-8"))
    polylines = svg.findall("{http://www.w3.org/2000/svg}polyline")
    assert len(polylines) == 2  # price, and the reference shown on night 5
    assert len(polylines[1].get("points", "").split()) == 5


def test_page_text_in_a_key_is_never_markup_or_terminal_codes(store: Engine, tmp_path: Path) -> None:
    with session_scope(store) as session:
        snapshot = save_snapshot(session, SnapshotInput(
            domain="evil.vn", requested_url="https://evil.vn/p", final_url="https://evil.vn/p", status=200,
            headers={}, fetched_at=datetime(2026, 10, 1, tzinfo=timezone.utc),
            body=BlobStore(tmp_path / "blobs").put(b"<html></html>")))
        record_observations(session, snapshot, [Observation(HOSTILE_KEY, snapshot.fetched_at, Decimal(5))])
    chart = tmp_path / "evil.svg"
    code, output = run(HOSTILE_KEY, "--plot", str(chart), "--format", "table")
    assert code == 0 and "\x1b" not in output and "\\x1b[31mred" in output
    text = chart.read_text(encoding="utf-8")
    assert "<script>" not in text and "&lt;script&gt;" in text
    ET.fromstring(text)
    png = tmp_path / "evil.png"  # "$" in the title starts no formula: matplotlib draws it as text
    assert run(HOSTILE_KEY, "--plot", str(png))[0] == 0 and png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.parametrize("args, message", [
    (["id:sku:NOPE"], "no price history for id:sku:NOPE (database sqlite:///"),
    (["id:sku:FAKE-1", "--plot", "chart.pdf"], "name a .svg or .png file"),
    (["id:sku:FAKE-1", "--plot", "/nonexistent/folder/chart.svg"], "no folder /nonexistent/folder"),
    (["id:sku:FAKE-1", "--plot", "/proc/chart.svg"], "chart.svg"),  # a folder nobody may write in
    (["id:sku:FAKE-1", "--site", "nowhere.vn"], "--site: no site 'nowhere.vn'"),
])
def test_bad_input_is_one_line_and_exit_2(five_nights: PriceShop, args: list[str], message: str) -> None:
    code, output = run(*args)
    assert code == 2 and message in output and len(output.strip().splitlines()) == 1
