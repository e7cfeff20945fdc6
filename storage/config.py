"""Where ecwatch keeps its data, read from the environment once.

| variable | type | default |
|---|---|---|
| ECWATCH_DATA_DIR | path | the per-user data directory (``platformdirs``), e.g. ``~/.local/share/ecwatch`` |
| ECWATCH_DATABASE_URL | SQLAlchemy URL | sqlite:///<data dir>/ecwatch.db |

The working directory never decides where data goes: a relative ``ECWATCH_DATA_DIR`` is the
user's own choice (resolved once, here), and without one every command, from any folder, uses
the same per-user directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from platformdirs import user_data_dir

APP_NAME = "ecwatch"


class DataDirError(ValueError):
    """The data directory cannot be created or written; the message names it and the variable."""


def default_data_dir() -> Path:
    """The per-user data directory: ``$XDG_DATA_HOME/ecwatch`` (``~/.local/share/ecwatch``) on Linux."""
    return Path(user_data_dir(APP_NAME, appauthor=False))


def data_dir_from(value: str | None) -> Path:
    """``ECWATCH_DATA_DIR`` as an absolute path; unset or empty means the per-user directory."""
    return Path(value).expanduser().resolve() if value else default_data_dir()


@dataclass(frozen=True)
class StorageConfig:
    data_dir: Path
    database_url: str

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> StorageConfig:
        env = os.environ if environ is None else environ
        return cls.from_values(env.get("ECWATCH_DATA_DIR"), env.get("ECWATCH_DATABASE_URL"))

    @classmethod
    def from_values(cls, data_dir: str | None, database_url: str | None) -> StorageConfig:
        directory = data_dir_from(data_dir)
        return cls(data_dir=directory, database_url=database_url or f"sqlite:///{directory / 'ecwatch.db'}")

    def ensure_data_dir(self) -> Path:
        """Create the data directory if needed and check it can be written; ``DataDirError`` if not."""
        fix = "set ECWATCH_DATA_DIR to a directory you can write"
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            raise DataDirError(f"ECWATCH_DATA_DIR: {self.data_dir} exists and is not a directory; {fix}") from None
        except OSError as exc:
            raise DataDirError(f"ECWATCH_DATA_DIR: cannot create {self.data_dir}: {exc.strerror}; {fix}") from None
        if not os.access(self.data_dir, os.W_OK | os.X_OK):
            raise DataDirError(f"ECWATCH_DATA_DIR: {self.data_dir} is not writable; {fix}")
        return self.data_dir

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"
