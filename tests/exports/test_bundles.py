"""Signed evidence bundles: they verify, and any change is named by ``evidence verify``."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import stat
import subprocess
import zipfile
from pathlib import Path
from typing import Callable

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from storage.blobs import BlobStore
from storage.bundles import (
    MANIFEST_NAME,
    PUBLIC_KEY_NAME,
    SIGNATURE_NAME,
    EvidenceFileError,
    export_bundle,
    verify_bundle,
)
from storage.db import session_scope
from storage.exports import COLUMNS
from storage.keys import KeyExistsError, fingerprint, init_keys, key_paths, load_signing_key, public_pem
from storage.repository import FindingFilter

from .conftest import HTML, PNG, PRODUCT, Store, detected, run

SCREENSHOT = f"artifacts/{hashlib.sha256(PNG).hexdigest()}-screenshot.png"


@pytest.fixture
def key(data_dir: Path) -> Ed25519PrivateKey:
    init_keys(data_dir)
    return load_signing_key(data_dir)


def build(store: Store, data_dir: Path, key: Ed25519PrivateKey, out: Path, flt: FindingFilter | None = None) -> Path:
    with session_scope(store.engine) as session:
        export_bundle(session, flt or FindingFilter(status="open"), out, data_dir=data_dir, signing_key=key)
    return out


@pytest.fixture
def bundle(store: Store, data_dir: Path, key: Ed25519PrivateKey, tmp_path: Path) -> Path:
    with session_scope(store.engine) as session:
        store.add_page(session, [detected(subject="a"), detected(subject="b")])
        store.add_page(session, [detected(subject="c")], url="https://demo-giadung.vn/p/2", evidence={})
    return build(store, data_dir, key, tmp_path / "case.zip")


def rewrite(source: Path, target: Path, change: Callable[[str, bytes], tuple[str, bytes] | None]) -> Path:
    """Copy a zip member by member; ``change`` may replace a member's name and bytes, or drop it."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            changed = change(info.filename, old.read(info))
            if changed is not None:
                new.writestr(changed[0], changed[1])
    return target


def problems(path: Path) -> list[str]:
    return verify_bundle(path).problems


def test_the_bundle_csv_carries_the_caveat_the_ad_and_its_redirect_chain(store: Store, data_dir: Path,
                                                                        key: Ed25519PrivateKey, tmp_path: Path) -> None:
    chain = [{"url": "https://ads.example/c/7", "status": 301, "via": "http", "to": "https://demo-giadung.vn/p/noi-com"}]
    with session_scope(store.engine) as session:
        store.add_page(session, [detected(uncertain="cap under review")], ad_id="AD-7", redirect_chain=chain)
    out = build(store, data_dir, key, tmp_path / "case.zip")
    assert verify_bundle(out).ok
    with zipfile.ZipFile(out) as archive:
        [row] = list(csv.DictReader(io.StringIO(archive.read("findings.csv").decode("utf-8-sig"), newline="")))
    assert (row["title_vi"], row["uncertain"], row["ad_id"], row["state"]) == (
        "Giảm giá quá 50%", "cap under review", "AD-7", "open")
    assert json.loads(row["ad_redirect_chain"]) == chain
    assert row["first_seen"].endswith("+07:00") and row["last_seen"].endswith("+07:00")


def test_a_bundle_holds_the_csv_every_artifact_once_and_a_signed_manifest(bundle: Path, key: Ed25519PrivateKey) -> None:
    report = verify_bundle(bundle)
    assert report.ok, report.problems
    assert report.key_fingerprint == fingerprint(key.public_key())
    assert report.findings == 3
    with zipfile.ZipFile(bundle) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read(MANIFEST_NAME))
        rows = list(csv.DictReader(io.StringIO(archive.read("findings.csv").decode("utf-8-sig"), newline="")))
        key.public_key().verify(archive.read(SIGNATURE_NAME), archive.read(MANIFEST_NAME))
        assert archive.read(PUBLIC_KEY_NAME) == public_pem(key.public_key())
        listed = {entry["path"]: entry for entry in manifest["files"]}
        for name in names - {MANIFEST_NAME, SIGNATURE_NAME}:
            data = archive.read(name)
            assert listed[name] == {"path": name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    assert set(listed) == names - {MANIFEST_NAME, SIGNATURE_NAME}
    assert {"findings.csv", PUBLIC_KEY_NAME, "VERIFY.txt", SCREENSHOT} <= names
    artifacts = sorted(name for name in names if name.startswith("artifacts/"))
    assert len(artifacts) == 4  # html, dom, screenshot and warc; the second page's html is the same bytes
    assert any(name.endswith("-warc.warc.gz") for name in artifacts)
    assert manifest["key_fingerprint"] == fingerprint(key.public_key())
    assert manifest["selection"] == {"status": "open"} and manifest["findings"] == 3
    assert manifest["tool"] == "ecwatch" and manifest["tool_version"] and manifest["created_at"].endswith("Z")
    assert list(rows[0]) == list(COLUMNS) and rows[0]["message"].startswith(PRODUCT)
    assert rows[0]["screenshot_path"] == SCREENSHOT
    assert rows[0]["html_path"] == rows[2]["html_path"] == f"artifacts/{hashlib.sha256(HTML).hexdigest()}-html.html"
    assert rows[2]["screenshot_path"] == ""


def test_a_changed_byte_in_an_artifact_is_named(bundle: Path, tmp_path: Path) -> None:
    def flip(name: str, data: bytes) -> tuple[str, bytes]:
        return (name, data[:100] + bytes([data[100] ^ 1]) + data[101:]) if name == SCREENSHOT else (name, data)

    found = problems(rewrite(bundle, tmp_path / "tampered.zip", flip))
    assert len(found) == 1
    assert found[0].startswith(f"{SCREENSHOT}: SHA-256 mismatch")


def test_a_member_that_inflates_far_beyond_its_manifest_size_is_not_decompressed(bundle: Path, tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bundle) as old, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            if info.filename == SCREENSHOT:  # 64 MiB of zeros in place of a 1 KiB screenshot: ~64 KiB zipped
                with new.open(SCREENSHOT, "w") as member:
                    for _ in range(64):
                        member.write(bytes(1 << 20))
            else:
                new.writestr(info, old.read(info))
    assert bomb.stat().st_size < 1 << 20
    [problem] = problems(bomb)
    assert problem.startswith(f"{SCREENSHOT}: the zip says it holds {64 << 20} bytes") and "not decompressed" in problem


def test_a_member_that_lies_about_its_size_is_read_no_further_than_the_manifest_says(
        bundle: Path, tmp_path: Path) -> None:
    liar = tmp_path / "liar.zip"
    huge = (32 << 20) + 12345  # an odd size, so its four bytes stand out in the file
    with zipfile.ZipFile(bundle) as old, zipfile.ZipFile(liar, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info.filename, old.read(info) if info.filename != SCREENSHOT else bytes(huge))
    raw = liar.read_bytes()
    declared, small = huge.to_bytes(4, "little"), len(PNG).to_bytes(4, "little")
    # The local header and the central directory now both say the member is as small as the manifest says.
    assert raw.count(declared) == 2
    liar.write_bytes(raw.replace(declared, small))
    [problem] = problems(liar)  # read as far as the declared (manifest) size: its CRC then fails
    assert problem == f"{SCREENSHOT}: damaged in the zip (CRC or compression error)"


def test_a_corrupted_byte_in_the_zip_file_is_named(bundle: Path, tmp_path: Path) -> None:
    damaged = tmp_path / "damaged.zip"
    shutil.copy(bundle, damaged)
    with zipfile.ZipFile(bundle) as archive:
        info = archive.getinfo(SCREENSHOT)  # stored, so its bytes sit as they are in the file
    raw = bytearray(damaged.read_bytes())
    data_start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    raw[data_start + 200] ^= 0xFF
    damaged.write_bytes(bytes(raw))
    assert problems(damaged) == [f"{SCREENSHOT}: damaged in the zip (CRC or compression error)"]


def test_a_changed_manifest_fails_the_signature(bundle: Path, tmp_path: Path) -> None:
    def edit(name: str, data: bytes) -> tuple[str, bytes]:
        return (name, data.replace(b'"findings": 3', b'"findings": 2')) if name == MANIFEST_NAME else (name, data)

    assert problems(rewrite(bundle, tmp_path / "edited.zip", edit)) == [
        f"{MANIFEST_NAME}: signature does not verify with key {verify_bundle(bundle).key_fingerprint}"]


def test_a_manifest_re_signed_with_another_key_fails_against_the_trusted_key(bundle: Path, tmp_path: Path,
                                                                             key: Ed25519PrivateKey) -> None:
    forger = Ed25519PrivateKey.generate()

    def resign(name: str, data: bytes) -> tuple[str, bytes]:
        if name == PUBLIC_KEY_NAME:
            return name, public_pem(forger.public_key())
        return name, data

    forged = rewrite(bundle, tmp_path / "forged.zip", resign)
    found = verify_bundle(forged, trusted_key=key.public_key()).problems
    assert any(p.startswith(f"{PUBLIC_KEY_NAME}: key {fingerprint(forger.public_key())} is not the trusted key")
               for p in found)


def test_missing_extra_and_unsafe_members_are_each_named(bundle: Path, tmp_path: Path) -> None:
    def drop_csv(name: str, data: bytes) -> tuple[str, bytes] | None:
        return None if name == "findings.csv" else (name, data)

    assert problems(rewrite(bundle, tmp_path / "missing.zip", drop_csv)) == [
        "findings.csv: listed in manifest but missing"]
    extra = rewrite(bundle, tmp_path / "extra.zip", lambda name, data: (name, data))
    with zipfile.ZipFile(extra, "a") as archive:
        archive.writestr("extra.txt", "hello")
        archive.writestr("../evil.sh", "rm -rf ~")
        archive.writestr("/etc/cron.d/evil", "* * * * * root sh")
        archive.writestr("clear\x1b[2J.txt", "terminal escape in a name")
    assert problems(extra) == [
        "../evil.sh: unsafe path in the zip (absolute or '..')",
        "/etc/cron.d/evil: unsafe path in the zip (absolute or '..')",
        "extra.txt: in the zip but not in the manifest",
        "clear\\x1b[2J.txt: in the zip but not in the manifest",
    ]


def test_a_file_that_is_not_a_zip_fails_cleanly(tmp_path: Path) -> None:
    bogus = tmp_path / "case.zip"
    bogus.write_text("not a zip")
    [problem] = problems(bogus)
    assert problem.startswith("case.zip: not a readable zip file")


def test_evidence_altered_in_the_data_dir_is_refused_before_signing(store: Store, data_dir: Path,
                                                                     key: Ed25519PrivateKey, tmp_path: Path) -> None:
    with session_scope(store.engine) as session:
        store.add_page(session, [detected()])
    blob = BlobStore(data_dir).path(BlobStore(data_dir).put(PNG).relative_path)
    blob.write_bytes(PNG[:-1] + b"!")
    out = tmp_path / "cases" / "case.zip"
    out.parent.mkdir()
    with pytest.raises(EvidenceFileError, match="screenshot evidence .* no longer matches its recorded SHA-256"):
        build(store, data_dir, key, out)
    assert list(out.parent.iterdir()) == []  # no bundle, no scraps


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_the_signature_verifies_with_openssl_as_verify_txt_says(bundle: Path, tmp_path: Path) -> None:
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(folder)
    result = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", PUBLIC_KEY_NAME, "-rawin",
                             "-in", MANIFEST_NAME, "-sigfile", SIGNATURE_NAME],
                            cwd=folder, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "Signature Verified Successfully" in result.stdout


# --- keys ---------------------------------------------------------------------------------


def test_keys_init_writes_a_private_key_only_its_owner_can_read(data_dir: Path) -> None:
    result = run("keys", "init")
    paths = key_paths(data_dir)
    assert stat.S_IMODE(paths.private.stat().st_mode) == 0o600
    assert paths.public.read_bytes() == public_pem(load_signing_key(data_dir).public_key())
    assert fingerprint(load_signing_key(data_dir).public_key()) in result.output
    with pytest.raises(KeyExistsError):
        init_keys(data_dir)
    refused = run("keys", "init", ok=False)
    assert refused.exit_code == 1 and "use --force" in refused.output
    before = paths.private.read_bytes()
    run("keys", "init", "--force")
    assert paths.private.read_bytes() != before
    assert stat.S_IMODE(paths.private.stat().st_mode) == 0o600


# --- through the command line --------------------------------------------------------------


def test_cli_bundle_then_verify(cli_store: Store, tmp_path: Path) -> None:
    with session_scope(cli_store.engine) as session:
        ids = cli_store.add_page(session, [detected(subject="a"), detected(subject="b")])
    run("keys", "init")
    out = tmp_path / "case.zip"
    made = run("export", "bundle", "--finding", str(ids[1]), "-o", str(out))
    assert made.stdout == "" and "Wrote 1 findings" in made.stderr
    verified = run("evidence", "verify", str(out))
    assert verified.stdout.startswith(f"OK: {out}: ")
    with zipfile.ZipFile(out) as archive:
        assert json.loads(archive.read(MANIFEST_NAME))["selection"] == {"finding_ids": [ids[1]]}

    def flip(name: str, data: bytes) -> tuple[str, bytes]:
        return (name, data + b" ") if name == SCREENSHOT else (name, data)

    bad = run("evidence", "verify", str(rewrite(out, tmp_path / "bad.zip", flip)), ok=False)
    assert bad.exit_code == 1
    assert f"{SCREENSHOT}: SHA-256 mismatch" in bad.stdout
    assert "1 problem(s)" in bad.stderr


def test_cli_bundle_without_a_key_says_to_run_keys_init(cli_store: Store, tmp_path: Path) -> None:
    result = run("export", "bundle", "--status", "confirmed", "-o", str(tmp_path / "case.zip"), ok=False)
    assert result.exit_code == 1
    assert "run 'ecwatch keys init'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "case.zip").exists()


def test_cli_bundle_of_nothing_is_refused(cli_store: Store, tmp_path: Path) -> None:
    run("keys", "init")
    result = run("export", "bundle", "--status", "confirmed", "-o", str(tmp_path / "case.zip"), ok=False)
    assert result.exit_code == 1
    assert "no finding matches the selection" in result.stderr
    assert not (tmp_path / "case.zip").exists()


@pytest.mark.parametrize(("args", "message"), [
    (["--finding", "999"], "no finding with id 999"),
    (["--finding", "1", "--status", "open"], "not both"),
    ([], "choose the findings"),
])
def test_cli_bundle_selection_mistakes_are_usage_errors(cli_store: Store, tmp_path: Path, args: list[str],
                                                        message: str) -> None:
    with session_scope(cli_store.engine) as session:
        cli_store.add_page(session, [detected()])
    run("keys", "init")
    result = run("export", "bundle", *args, "-o", str(tmp_path / "case.zip"), ok=False)
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "case.zip").exists()


def test_registered_in_the_ecwatch_command() -> None:
    try:
        from cli.main import cli
    except ImportError as exc:  # another package still in progress must not hide these tests
        pytest.skip(f"cli.main does not import yet: {exc}")
    assert {"export", "keys", "evidence"} <= set(cli.commands)
