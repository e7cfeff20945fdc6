from __future__ import annotations

from pathlib import Path

import pytest

from crawler.seeds import SeedArguments, SeedError


def test_urls_and_a_plain_seed_file_are_merged_without_duplicates(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds.txt"
    seeds.write_text("# shops to watch\nhttps://a.vn/\n\nhttps://b.com.vn/\n", encoding="utf-8")
    parsed = SeedArguments.parse(urls=["https://a.vn/"], seeds=str(seeds))
    assert parsed.urls == ("https://a.vn/", "https://b.com.vn/")


def test_a_csv_seed_file_uses_its_url_column(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds.csv"
    seeds.write_text("\ufeffname,url\nShop A,https://a.vn/\nShop B,https://b.vn/x\n", encoding="utf-8")
    assert SeedArguments.parse(seeds=str(seeds)).urls == ("https://a.vn/", "https://b.vn/x")


@pytest.mark.parametrize(("content", "message"), [
    ("https://a.vn/\nnot a url\n", "line 2"),
    ("name,url\nA,ftp://a.vn/\n", "line 2"),
    ("\n# nothing\n", "has no URLs"),
])
def test_bad_seed_files_name_the_line(tmp_path: Path, content: str, message: str) -> None:
    seeds = tmp_path / "seeds.txt"
    seeds.write_text(content, encoding="utf-8")
    with pytest.raises(SeedError, match=message):
        SeedArguments.parse(seeds=str(seeds))


def test_missing_seed_file_and_no_seeds_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(SeedError, match="file not found"):
        SeedArguments.parse(seeds=str(tmp_path / "nope.txt"))
    with pytest.raises(SeedError, match="no seeds"):
        SeedArguments.parse()
