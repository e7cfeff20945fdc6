"""The Ed25519 key that signs evidence bundles.

``ecwatch keys init`` writes ``<data dir>/keys/ecwatch-signing.key`` (PKCS#8 PEM, mode 0600) and
``ecwatch-signing.pub`` (SubjectPublicKeyInfo PEM). A key is identified by its fingerprint: the
SHA-256 of the 32 raw public-key bytes, in hex, which investigators can publish and compare.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

KEY_DIR = "keys"
KEY_NAME = "ecwatch-signing"


class SigningKeyError(Exception):
    """Base of the key problems a user can fix; the message is one line."""


class KeyExistsError(SigningKeyError):
    """Raised by ``init_keys`` when a key is already there and ``force`` is not given."""


class MissingKeyError(SigningKeyError):
    """Raised by ``load_signing_key`` when ``ecwatch keys init`` has not been run."""


class KeyFormatError(SigningKeyError):
    """Raised when a file is not an Ed25519 key in PEM."""


@dataclass(frozen=True)
class KeyPaths:
    private: Path
    public: Path


@dataclass(frozen=True)
class KeyInfo:
    paths: KeyPaths
    fingerprint: str


def key_paths(data_dir: Path) -> KeyPaths:
    base = Path(data_dir) / KEY_DIR
    return KeyPaths(private=base / f"{KEY_NAME}.key", public=base / f"{KEY_NAME}.pub")


def fingerprint(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def public_pem(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def init_keys(data_dir: Path, *, force: bool = False) -> KeyInfo:
    """Create a new signing key pair; an existing one is replaced only with ``force``."""
    paths = key_paths(data_dir)
    if not force and (paths.private.exists() or paths.public.exists()):
        raise KeyExistsError(f"a signing key already exists at {paths.private}; use --force to replace it "
                             "(bundles signed with the old key then verify only against the old public key)")
    paths.private.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    _write_replacing(paths.private, private, 0o600)
    _write_replacing(paths.public, public_pem(key.public_key()), 0o644)
    return KeyInfo(paths=paths, fingerprint=fingerprint(key.public_key()))


def load_signing_key(data_dir: Path) -> Ed25519PrivateKey:
    path = key_paths(data_dir).private
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise MissingKeyError(f"no signing key at {path}: run 'ecwatch keys init' first") from None
    except OSError as exc:
        raise MissingKeyError(f"cannot read the signing key {path}: {exc.strerror}") from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise KeyFormatError(f"{path} is not an unencrypted PEM private key: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFormatError(f"{path} is not an Ed25519 key")
    return key


def load_public_key(pem: bytes, source: str) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError):
        raise KeyFormatError(f"{source}: not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise KeyFormatError(f"{source}: not an Ed25519 public key")
    return key


def signature_verifies(public_key: Ed25519PublicKey, signature: bytes, data: bytes) -> bool:
    try:
        public_key.verify(signature, data)
    except InvalidSignature:
        return False
    return True


def _write_replacing(target: Path, data: bytes, mode: int) -> None:
    # Created with its final mode (never briefly world-readable) and renamed into place, so a
    # crash leaves either the old key or the new one, not half of one.
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)  # the umask may have narrowed it; 0600 must be exactly 0600
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
