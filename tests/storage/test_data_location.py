"""One rule for where data lives: ECWATCH_DATA_DIR, else the per-user data directory; never the
working directory by surprise."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from storage.config import DataDirError, StorageConfig


def test_without_ecwatch_data_dir_the_per_user_directory_is_used(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    config = StorageConfig.from_env({})
    assert config.data_dir == tmp_path / "xdg" / "ecwatch"
    assert config.database_url == f"sqlite:///{tmp_path}/xdg/ecwatch/ecwatch.db"
    assert StorageConfig.from_env({"ECWATCH_DATA_DIR": ""}) == config


def test_a_relative_data_dir_is_resolved_once_and_shown_absolute(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = StorageConfig.from_env({"ECWATCH_DATA_DIR": "var"})
    assert config.data_dir == tmp_path / "var" and config.data_dir.is_absolute()
    explicit = StorageConfig.from_env({"ECWATCH_DATA_DIR": "~/cases", "ECWATCH_DATABASE_URL": "postgresql+psycopg://x@h/db"})
    assert explicit.data_dir == Path(os.path.expanduser("~/cases")) and explicit.database_url.startswith("postgresql")


def test_the_data_dir_is_created_or_named_in_one_line(tmp_path: Path) -> None:
    assert StorageConfig.from_values(str(tmp_path / "new" / "dir"), None).ensure_data_dir().is_dir()
    (tmp_path / "file").write_text("x")
    with pytest.raises(DataDirError, match=r"^ECWATCH_DATA_DIR: .*/file exists and is not a directory; set"):
        StorageConfig.from_values(str(tmp_path / "file"), None).ensure_data_dir()
    with pytest.raises(DataDirError, match=r"^ECWATCH_DATA_DIR: cannot create .*/file/sub: Not a directory"):
        StorageConfig.from_values(str(tmp_path / "file" / "sub"), None).ensure_data_dir()
