"""Where ecwatch keeps its data, read from the environment once.

| variable | type | default |
|---|---|---|
| ECWATCH_DATA_DIR | path | ./var |
| ECWATCH_DATABASE_URL | SQLAlchemy URL | sqlite:///<data dir>/ecwatch.db |
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping


@dataclass(frozen=True)
class StorageConfig:
    data_dir: Path
    database_url: str

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> StorageConfig:
        env = os.environ if environ is None else environ
        data_dir = Path(env.get("ECWATCH_DATA_DIR") or "var").expanduser().resolve()
        url = env.get("ECWATCH_DATABASE_URL") or f"sqlite:///{data_dir / 'ecwatch.db'}"
        return cls(data_dir=data_dir, database_url=url)

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"
