"""``ecwatch detect --batch``: the history rules across a batch of archived nights, without a database,
and with the stored history (``--history``)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Iterator

import pytest
from click.testing import CliRunner

from cli.main import cli
from storage.blobs import BlobStore
from storage.db import make_engine
from storage.migrate import upgrade

from .nights import crawl_nights
from .priceshop import PriceShop, night_time


@pytest.fixture
def shop() -> Iterator[PriceShop]:
    with PriceShop() as price_shop:
        yield price_shop


def archive(shop: PriceShop, folder: Path, nights: range, paths: tuple[str, ...]) -> Path:
    """Save each night's pages as files and list them in a batch, newest night first (order must not matter)."""
    lines = []
    for night in nights:
        shop.night = night
        for path in paths:
            name = f"n{night}{path.replace('/', '-')}.html"
            (folder / name).write_bytes(shop.fetch(path))
            lines.append({"id": f"{night}{path}", "path": name, "url": shop.url(path),
                          "at": night_time(night).isoformat()})
    batch = folder / "nights.jsonl"
    batch.write_text("".join(json.dumps(line) + "\n" for line in reversed(lines)), encoding="utf-8")
    return batch


def history_rules(batch: Path, *extra: str) -> dict[str, set[str]]:
    result = CliRunner().invoke(cli, ["detect", "--batch", str(batch), "--format", "jsonl", *extra],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    cases = [json.loads(line) for line in result.output.splitlines()]
    return {case["id"]: {f["rule"] for f in case["findings"] if f["rule"] in
                         ("PROMO-FAKE-REF", "PROMO-FAKE-URGENCY", "PROMO-DUR-120")} for case in cases}


def test_a_batch_of_nights_is_judged_across_its_pages(shop: PriceShop, tmp_path: Path) -> None:
    batch = archive(shop, tmp_path, range(1, 6), ("/p/fake", "/p/honest", "/p/countdown", "/p/flash"))
    raised = history_rules(batch)
    assert {case for case, rules in raised.items() if rules} == {"5/p/fake", "5/p/countdown"}
    assert raised["5/p/fake"] == {"PROMO-FAKE-REF"} and raised["5/p/countdown"] == {"PROMO-FAKE-URGENCY"}


def test_history_adds_the_stored_nights_before_the_batch(shop: PriceShop, tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{Path(os.environ['ECWATCH_DATA_DIR']) / 'ecwatch.db'}")
    upgrade(engine)
    crawl_nights(engine, BlobStore(tmp_path / "blobs"), shop, range(1, 5))  # nights 1-4 stored
    engine.dispose()
    batch = archive(shop, tmp_path, range(5, 6), ("/p/fake", "/p/honest"))  # night 5 only, from files
    assert history_rules(batch) == {"5/p/fake": set(), "5/p/honest": set()}  # one night says nothing
    assert history_rules(batch, "--history") == {"5/p/fake": {"PROMO-FAKE-REF"}, "5/p/honest": set()}


def test_history_needs_a_batch() -> None:
    result = CliRunner().invoke(cli, ["detect", "page.html", "--url", "https://shop.vn/", "--history"])
    assert result.exit_code == 2 and "--history goes with --batch" in result.output
