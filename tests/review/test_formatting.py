"""How values read in the interface: đồng, per cent, dates, a badge's records, the outline's box."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from cli.demosite._png import solid_png
from review.finding_view import Outline, png_size
from review.formatting import local_time, percent, shown_values, vnd
from review.i18n import translator


@pytest.mark.parametrize("value, language, shown", [
    ("1290000", "vi", "1.290.000 ₫"), (1290000, "en", "1,290,000 ₫"), ("99000.0", "vi", "99.000 ₫"),
    ("0", "vi", "0 ₫"), ("Liên hệ", "vi", "Liên hệ"),
])
def test_dong_are_grouped_by_dots_in_vietnamese(value: object, language: str, shown: str) -> None:
    assert vnd(value, language) == shown


def test_shares_and_times() -> None:
    assert percent("0.6053", "vi") == "60,5 %" and percent("0.5", "en") == "50 %"
    assert percent("59", "vi", share=False) == "59 %"
    assert local_time(datetime(2026, 11, 20, 19, 5, tzinfo=timezone.utc)) == "21/11/2026 02:05"


def test_a_badges_records_read_as_a_table_with_the_status_in_words() -> None:
    evidence = {"snippet": "<a>", "css_path": "a", "reason": "other_domain", "record_id": "100001",
                "records_for_other_domains": [{"record_id": "100001", "domain": "demo-thoitrang.vn",
                                               "kind": "notified", "status": "active"}]}
    values = {v.key: v for v in shown_values(evidence, "vi", translator("vi"))}
    assert set(values) == {"reason", "record_id", "records_for_other_domains"}
    assert values["reason"].text == "hồ sơ thuộc tên miền khác (other_domain)"
    records = values["records_for_other_domains"]
    assert records.columns == ("Mã hồ sơ", "Tên miền", "Loại", "Trạng thái")
    assert records.rows == (("100001", "demo-thoitrang.vn", "notified", "active"),)


def test_a_tiny_element_is_still_outlined_visibly_around_its_centre() -> None:
    assert Outline(100, 200, 4, 17).drawn(3) == (90.0, 196.5, 24.0, 24.0)
    assert Outline(0, 415.6, 326.5, 114.4).drawn(3) == (-3.0, 412.6, 332.5, 120.4)


def test_the_screenshots_size_is_read_from_its_header(tmp_path) -> None:
    (tmp_path / "shot.png").write_bytes(solid_png(640, 2000, (1, 2, 3)))
    (tmp_path / "not.png").write_bytes(b"GIF89a" + bytes(30))
    assert png_size(tmp_path / "shot.png") == (640, 2000)
    assert png_size(tmp_path / "not.png") is None and png_size(tmp_path / "missing.png") is None
