"""Content-addressed files under the data dir: the same bytes are stored once."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int
    relative_path: str  # relative to the data dir, with forward slashes


class BlobStore:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.root = self.data_dir / "blobs"

    def put(self, data: bytes, suffix: str = "") -> StoredBlob:
        digest = hashlib.sha256(data).hexdigest()
        relative = f"blobs/{digest[:2]}/{digest[2:4]}/{digest}{suffix}"
        target = self.data_dir / relative
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            self._write_atomically(target, data)
        return StoredBlob(sha256=digest, size=len(data), relative_path=relative)

    def path(self, relative_path: str) -> Path:
        return self.data_dir / relative_path

    def read(self, relative_path: str) -> bytes:
        return self.path(relative_path).read_bytes()

    @staticmethod
    def _write_atomically(target: Path, data: bytes) -> None:
        # A crash mid-write must never leave a truncated file under a valid hash name.
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
