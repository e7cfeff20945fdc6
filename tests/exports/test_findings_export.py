"""``export findings``: CSV that Excel reads right and cannot attack its reader, JSONL, streaming."""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from storage.db import session_scope
from storage.findings import decide
from storage.exports import COLUMNS, UnknownFindingsError, export_findings, neutralise, parse_since
from storage.repository import FindingFilter

from .conftest import EVIDENCE, FETCHED, HTML, PRODUCT, Store, detected, run

BOM = b"\xef\xbb\xbf"
HYPERLINK = '=HYPERLINK("http://x","y")'


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize(("cell", "expected"), [
    (HYPERLINK, "'" + HYPERLINK),
    ("+84 912 345 678", "'+84 912 345 678"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("  =1+1", "'  =1+1"),  # some imports trim leading spaces
    ("Nồi cơm điện giảm 61%", "Nồi cơm điện giảm 61%"),
    ("https://demo-giadung.vn/p?a=1", "https://demo-giadung.vn/p?a=1"),
    ("2.000.000đ - 790.000đ", "2.000.000đ - 790.000đ"),
    ("", ""),
])
def test_cells_that_could_start_a_formula_get_a_leading_quote(cell: str, expected: str) -> None:
    assert neutralise(cell) == expected


def test_since_is_the_start_of_the_day_in_vietnam() -> None:
    assert parse_since("2026-11-20") == datetime(2026, 11, 19, 17, 0, tzinfo=timezone.utc)
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_since("20/11/2026")


def test_csv_starts_with_the_bom_and_reads_back_with_vietnamese_intact(store: Store, data_dir: Path,
                                                                       tmp_path: Path) -> None:
    with session_scope(store.engine) as session:
        [finding_id] = store.add_page(session, [detected()])
    out = tmp_path / "findings.csv"
    with session_scope(store.engine) as session:
        result = export_findings(session, FindingFilter(), out, data_dir=data_dir)
    raw = out.read_bytes()
    assert result.rows == 1
    assert raw.startswith(BOM)
    assert raw.count(b"\r\n") == 2 and b"\n" not in raw.replace(b"\r\n", b"")
    with open(out, encoding="utf-8-sig", newline="") as handle:
        assert next(csv.reader(handle)) == list(COLUMNS)
    [row] = read_csv(out)
    assert row["finding_id"] == str(finding_id)
    assert row["message"] == f"{PRODUCT}: giảm 61%, quá mức 50%"
    assert row["legal_basis"] == "Nghị định 81/2018/NĐ-CP Điều 10"
    assert row["site"] == "demo-giadung.vn" and row["status"] == "open"
    assert row["observed_at_utc"] == "2026-11-20T03:15:42Z"
    assert row["observed_at_local"] == "2026-11-20T10:15:42+07:00"
    assert json.loads(row["evidence"])["product"] == PRODUCT
    assert ", " not in row["evidence"]  # compact JSON
    assert row["reviewer"] == row["note"] == ""


CHAIN = [{"url": "https://ads.example/c/42", "status": 302, "via": "http", "to": "https://demo-giadung.vn/p/noi-com"}]
UNCERTAIN = "Circular 39/2025 Art. 3: standing after Decree 239/2026 to be confirmed [S1]"
ADDED_COLUMNS = ("title_vi", "uncertain", "ad_id", "first_seen", "last_seen", "state", "decision",
                 "ad_redirect_chain")


def test_the_original_columns_keep_their_places_and_the_new_ones_follow() -> None:
    assert COLUMNS[:22] == (
        "finding_id", "rule", "title", "legal_basis", "severity", "site", "url", "observed_at_utc",
        "observed_at_local", "message", "evidence", "status", "reviewer", "note", "html_path", "html_sha256",
        "dom_path", "dom_sha256", "screenshot_path", "screenshot_sha256", "warc_path", "warc_sha256")
    assert COLUMNS[22:] == ADDED_COLUMNS


def test_csv_round_trips_the_reviewer_caveat_the_ad_and_the_lifecycle(store: Store, data_dir: Path,
                                                                     tmp_path: Path) -> None:
    later = FETCHED + timedelta(days=2)
    with session_scope(store.engine) as session:
        [ad_finding] = store.add_page(session, [detected(uncertain=UNCERTAIN)], ad_id="AD-42", redirect_chain=CHAIN)
        store.add_page(session, [detected(uncertain=UNCERTAIN)], fetched_at=later)  # seen again, two days on
        [plain] = store.add_page(session, [detected(subject="offer:other")], url="https://demo-giadung.vn/p/2")
        decide(session, plain, "confirmed", actor="lan.nguyen", note="checked")
    out = tmp_path / "findings.csv"
    with session_scope(store.engine) as session:
        export_findings(session, FindingFilter(), out, data_dir=data_dir)
    by_id = {int(row["finding_id"]): row for row in read_csv(out)}
    ad, other = by_id[ad_finding], by_id[plain]
    assert ad["title_vi"] == "Giảm giá quá 50%" and ad["uncertain"] == UNCERTAIN
    assert ad["ad_id"] == "AD-42" and json.loads(ad["ad_redirect_chain"]) == CHAIN
    assert ad["first_seen"] == "2026-11-20T10:15:42+07:00" and ad["last_seen"] == "2026-11-22T10:15:42+07:00"
    assert (ad["state"], ad["decision"], ad["status"]) == ("open", "", "open")
    assert (other["state"], other["decision"], other["status"], other["reviewer"]) == (
        "open", "confirmed", "confirmed", "lan.nguyen")
    assert other["ad_id"] == other["ad_redirect_chain"] == other["uncertain"] == ""


def test_artifact_columns_point_into_the_data_dir_and_are_empty_when_missing(store: Store, data_dir: Path,
                                                                             tmp_path: Path) -> None:
    with session_scope(store.engine) as session:
        store.add_page(session, [detected()])
        store.add_page(session, [detected(subject="offer:other")], url="https://demo-giadung.vn/p/2", evidence={})
    out = tmp_path / "findings.csv"
    with session_scope(store.engine) as session:
        export_findings(session, FindingFilter(), out, data_dir=data_dir)
    full, bare = read_csv(out)
    for kind, data in [("html", HTML), *EVIDENCE.items()]:
        path = Path(full[f"{kind}_path"])
        assert path.is_absolute() and path.is_relative_to(data_dir.resolve())
        assert path.read_bytes() == data
        assert full[f"{kind}_sha256"] == hashlib.sha256(data).hexdigest()
    assert bare["html_sha256"] == hashlib.sha256(HTML).hexdigest()
    assert [bare[f"{kind}_{f}"] for kind in ("dom", "screenshot", "warc") for f in ("path", "sha256")] == [""] * 6


def test_a_product_name_written_as_a_formula_comes_out_inert(store: Store, data_dir: Path, tmp_path: Path) -> None:
    with session_scope(store.engine) as session:
        [finding_id] = store.add_page(session, [detected(subject="offer:x", message=HYPERLINK)])
        store.add_page(session, [detected(subject="offer:y", message='Giá "sốc", chỉ hôm nay\r\n-50%')],
                       url="https://demo-giadung.vn/p/3")
    out = tmp_path / "findings.csv"
    with session_scope(store.engine) as session:
        export_findings(session, FindingFilter(), out, data_dir=data_dir)
    inert, quoted = read_csv(out)
    assert inert["message"] == "'" + HYPERLINK
    assert all(not value.lstrip(" ").startswith(("=", "+", "-", "@", "\t", "\r"))
               for row in (inert, quoted) for value in row.values())
    assert quoted["message"] == 'Giá "sốc", chỉ hôm nay\r\n-50%'  # RFC 4180 quoting round-trips
    assert int(inert["finding_id"]) == finding_id


def test_jsonl_keeps_values_as_stored(store: Store, data_dir: Path, tmp_path: Path) -> None:
    with session_scope(store.engine) as session:
        store.add_page(session, [detected(message=HYPERLINK)], evidence={})
    out = tmp_path / "findings.jsonl"
    with session_scope(store.engine) as session:
        export_findings(session, FindingFilter(), out, data_dir=data_dir, fmt="jsonl")
    raw = out.read_bytes()
    assert not raw.startswith(BOM)
    [record] = [json.loads(line) for line in raw.decode().splitlines()]
    assert list(record) == list(COLUMNS)
    assert record["message"] == HYPERLINK
    assert record["evidence"]["product"] == PRODUCT
    assert record["screenshot_path"] is None


def test_thousands_of_findings_stream_in_id_order(store: Store, data_dir: Path, tmp_path: Path) -> None:
    with session_scope(store.engine) as session:
        for page in range(150):
            store.add_page(session, [detected(subject=f"offer:{page}:{i}") for i in range(20)],
                           url=f"https://demo-giadung.vn/p/{page}", evidence={})
    counts: list[int] = []
    out = tmp_path / "many.csv"
    with session_scope(store.engine) as session:
        result = export_findings(session, FindingFilter(), out, data_dir=data_dir, on_row=counts.append)
    rows = read_csv(out)
    assert result.rows == len(rows) == 3000 == counts[-1]
    ids = [int(row["finding_id"]) for row in rows]
    assert ids == sorted(ids) and len(set(ids)) == 3000


def test_filters_select_by_status_rule_site_and_vietnam_day(store: Store, data_dir: Path, tmp_path: Path) -> None:
    before_midnight = datetime(2026, 11, 19, 16, 59, tzinfo=timezone.utc)  # 23:59 on the 19th in Hà Nội
    with session_scope(store.engine) as session:
        early = store.add_page(session, [detected(subject="a")], url="https://a.vn/1", domain="a.vn",
                               fetched_at=before_midnight)
        late = store.add_page(session, [detected(subject="b", rule="UNNOTIFIED-SITE")], url="https://a.vn/2",
                              domain="a.vn", fetched_at=before_midnight + timedelta(minutes=2))
        other = store.add_page(session, [detected(subject="c")], url="https://b.vn/1", domain="b.vn")

    def ids(flt: FindingFilter) -> list[int]:
        out = tmp_path / "f.csv"
        with session_scope(store.engine) as session:
            export_findings(session, flt, out, data_dir=data_dir)
        return [int(row["finding_id"]) for row in read_csv(out)]

    assert ids(FindingFilter(since=parse_since("2026-11-20"))) == late + other
    assert ids(FindingFilter(rule="UNNOTIFIED-SITE")) == late
    assert ids(FindingFilter(site="a.vn")) == early + late
    assert ids(FindingFilter(status="confirmed")) == []


def test_a_failed_export_leaves_the_previous_file_and_no_scraps(store: Store, data_dir: Path,
                                                                tmp_path: Path) -> None:
    with session_scope(store.engine) as session:
        store.add_page(session, [detected(subject=f"s{i}") for i in range(5)])
    out = tmp_path / "out" / "findings.csv"
    out.parent.mkdir()
    out.write_text("previous export")

    def explode(count: int) -> None:
        if count == 3:
            raise RuntimeError("disk full")

    with session_scope(store.engine) as session, pytest.raises(RuntimeError):
        export_findings(session, FindingFilter(), out, data_dir=data_dir, on_row=explode)
    with session_scope(store.engine) as session, pytest.raises(UnknownFindingsError, match="no finding with id 999"):
        export_findings(session, FindingFilter(ids=(999,)), out, data_dir=data_dir)
    assert out.read_text() == "previous export"
    assert [p.name for p in out.parent.iterdir()] == ["findings.csv"]


# --- through the command line --------------------------------------------------------------


def test_cli_exports_csv_and_keeps_stdout_clean(cli_store: Store, data_dir: Path, tmp_path: Path) -> None:
    with session_scope(cli_store.engine) as session:
        cli_store.add_page(session, [detected()])
    out = tmp_path / "findings.csv"
    result = run("export", "findings", "--status", "open", "--since", "2026-11-20", "-o", str(out), "--progress")
    assert result.stdout == ""
    assert "Wrote 1 findings" in result.stderr
    [row] = read_csv(out)
    assert row["message"].startswith(PRODUCT)


@pytest.mark.parametrize(("args", "message"), [
    (["--since", "2026-13-01"], "is not a date in the form YYYY-MM-DD"),
    (["--status", "pending"], "'pending' is not one of"),
    (["--format", "xlsx"], "'xlsx' is not one of"),
])
def test_cli_bad_options_are_usage_errors(cli_store: Store, tmp_path: Path, args: list[str], message: str) -> None:
    result = run("export", "findings", *args, "-o", str(tmp_path / "x.csv"), ok=False)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "x.csv").exists()


@pytest.mark.parametrize("target", ["missing-dir/x.csv", "."])
def test_cli_unwritable_output_is_a_usage_error_naming_the_path(cli_store: Store, tmp_path: Path,
                                                                target: str) -> None:
    result = run("export", "findings", "-o", str(tmp_path / target), ok=False)
    assert result.exit_code == 2
    assert "Invalid value for '-o' / '--output'" in result.output or "is a directory" in result.output
    assert "Traceback" not in result.output
