from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from crawler.adlinks import AdArguments, AdLinksError, read_ad_links

HEADER = "ad_id,source,url,first_seen\n"


def _write(tmp_path: Path, content: str, name: str = "ads.csv") -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def test_ad_links_are_read_in_order_with_their_dates(tmp_path: Path) -> None:
    path = _write(tmp_path, "\ufeff" + HEADER + "AD1,facebook_ad_library,https://t.vn/c/1,2026-11-18\n\n"
                  "AD2,tiktok_ad_library,http://t.vn/c/2,2026-11-19T08:00:00+07:00\nAD3,,https://t.vn/c/3,\n")
    links = read_ad_links(path)
    assert [(link.ad_id, link.source, link.first_seen, link.line) for link in links] == [
        ("AD1", "facebook_ad_library", date(2026, 11, 18), 2),
        ("AD2", "tiktok_ad_library", date(2026, 11, 19), 4),
        ("AD3", "", None, 5),
    ]


@pytest.mark.parametrize(("content", "message"), [
    ("ad_id,url\nAD1,https://t.vn/\n", "line 1: missing column\\(s\\) source, first_seen"),
    (HEADER + "AD1,fb,ftp://t.vn/x,\n", "line 2, url: 'ftp://t.vn/x' is not an http\\(s\\) URL"),
    (HEADER + "AD1,fb,https://t.vn/,2026-13-01\n", "line 2: first_seen '2026-13-01' is not a date"),
    (HEADER + ",fb,https://t.vn/,\n", "line 2: ad_id '' must be"),
    (HEADER + "AD 1,fb,https://t.vn/,\n", "line 2: ad_id 'AD 1' must be"),
    (HEADER + "AD1,fb,https://t.vn/1,\nAD1,gg,https://t.vn/2,\n", "line 3: ad_id AD1 is already on line 2"),
    (HEADER, "has no rows"),
])
def test_bad_ad_links_name_the_line(tmp_path: Path, content: str, message: str) -> None:
    path = _write(tmp_path, content)
    with pytest.raises(AdLinksError, match=message):
        AdArguments.parse(links=str(path))


def test_links_and_seeds_files_are_merged_and_ids_stay_unique_across_them(tmp_path: Path) -> None:
    first = _write(tmp_path, HEADER + "AD1,fb,https://t.vn/1,\n", "a.csv")
    second = _write(tmp_path, HEADER + "AD2,gg,https://t.vn/2,\n", "b.csv")
    arguments = AdArguments.parse(links=str(first), seeds=str(second))
    assert [link.ad_id for link in arguments.links] == ["AD1", "AD2"]
    assert arguments.as_dict() == {"links": [str(first), str(second)], "ads": 2, "sources": {"fb": 1, "gg": 1}}
    clash = _write(tmp_path, HEADER + "AD1,gg,https://t.vn/3,\n", "c.csv")
    with pytest.raises(AdLinksError, match="c.csv line 2: ad_id AD1 is already on .*a.csv line 2"):
        AdArguments.parse(links=str(first), seeds=str(clash))


def test_the_ads_spider_needs_a_csv_not_bare_urls(tmp_path: Path) -> None:
    with pytest.raises(AdLinksError, match="not --url"):
        AdArguments.parse(urls="https://t.vn/c/1")
    with pytest.raises(AdLinksError, match="no ad links"):
        AdArguments.parse()
    with pytest.raises(AdLinksError, match="file not found"):
        AdArguments.parse(seeds=str(tmp_path / "missing.csv"))
