"""The investigators' registry CSV and the in-memory registry."""

from __future__ import annotations

import pytest

from detectors.registry import InMemoryRegistry, RegistryFileError, read_registry_csv
from detectors.types import RegistryRecord

GOOD = """domain,record_id,kind,status,company
https://www.demo-giaysport.vn/,61001,notified,active,Công ty TNHH Demo Giày Sport
shop.demo-sanviet.com.vn,http://online.gov.vn/Home/WebDetails/600200,registered,revoked,
demo-sachhay.vn,http://online.gov.vn/CustomWebsiteDisplay.aspx?DocId=19999,Notified,PENDING,Công ty CP Demo Sách

"""


def test_reads_and_normalises() -> None:
    records = read_registry_csv(GOOD)
    assert [(r.domain, r.record_id, r.kind, r.status) for r in records] == [
        ("demo-giaysport.vn", "61001", "notified", "active"),
        ("demo-sanviet.com.vn", "600200", "registered", "revoked"),
        ("demo-sachhay.vn", "19999", "notified", "pending"),
    ]
    assert records[0].company == "Công ty TNHH Demo Giày Sport"
    assert records[1].company is None
    assert all(r.source == "csv" for r in records)


def test_bom_and_column_order() -> None:
    text = "\ufeffstatus,kind,record_id,domain\nactive,registered,5,demo.vn\n"
    assert read_registry_csv(text)[0] == RegistryRecord("5", "demo.vn", "registered", "active")


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("", 1, None),
        ("domain,record_id,kind\nx.vn,1,notified\n", 1, "status"),
        ("domain,record_id,kind,status,colour\nx.vn,1,notified,active,red\n", 1, "colour"),
        ("domain,record_id,kind,status\nx.vn,1,notified,active\nnot a domain,2,notified,active\n", 3, "domain"),
        ("domain,record_id,kind,status\nx.vn,abc,notified,active\n", 2, "record_id"),
        ("domain,record_id,kind,status\nx.vn,1,blue,active\n", 2, "kind"),
        ("domain,record_id,kind,status\nx.vn,1,notified,expired\n", 2, "status"),
        ("domain,record_id,kind,status\nx.vn,1,notified\n", 2, None),
    ],
)
def test_bad_rows_name_line_and_column(text: str, line: int, column: str | None) -> None:
    with pytest.raises(RegistryFileError) as info:
        read_registry_csv(text)
    assert info.value.line == line
    assert info.value.column == column
    assert f"line {line}" in str(info.value)
    if column:
        assert f"column '{column}'" in str(info.value)


def test_in_memory_registry_lookups() -> None:
    registry = InMemoryRegistry([
        RegistryRecord("61001", "https://www.demo-giaysport.vn", "notified", "active"),
        RegistryRecord("http://online.gov.vn/Home/WebDetails/7", "b.vn", "Registered", "Active"),
    ])
    assert len(registry) == 2
    assert [r.domain for r in registry.by_record_id("61001")] == ["demo-giaysport.vn"]
    assert [r.record_id for r in registry.by_domain("shop.demo-giaysport.vn")] == ["61001"]
    assert registry.by_record_id("7")[0].kind == "registered"
    assert registry.by_domain("unknown.vn") == ()


def test_with_records_returns_a_new_registry_and_replaces_same_record() -> None:
    old = InMemoryRegistry([RegistryRecord("5", "a.vn", "notified", "active", source="csv"),
                            RegistryRecord("6", "b.vn", "notified", "active")])
    new = old.with_records([RegistryRecord("5", "www.a.vn", "notified", "revoked", source="portal")])
    assert [r.status for r in old.by_record_id("5")] == ["active"]
    assert [(r.status, r.source) for r in new.by_record_id("5")] == [("revoked", "portal")]
    assert len(new) == 2
