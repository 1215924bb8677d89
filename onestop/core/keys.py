"""The node's Ed25519 signing keys (checkpoints, signed messages, credentials).

Keys live in ``settings.DATA_DIR / "keys"`` (mode 0700; ``ONESTOP_KEYS_DIR`` names another
folder, e.g. one the operator mounts), never in the repository:

* ``<kid>.key`` — the current private key, PKCS#8 PEM, mode 0600;
* ``<kid>.pub`` — every public key this node has signed with, raw 32 bytes in base64;
* ``current`` — the kid of the key that signs now.

In development the first call generates a key; in production (`core.secrets`) a missing key is
an error, and only `onestop init` (`initialise`) makes the first one. ``rotate()`` (``onestop
keys rotate``) makes a new current key, keeps every old public key so old signatures still
verify, and deletes the old private key.
A ``kid`` is the first 8 bytes of SHA-256(raw public key), in hex.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)
from django.conf import settings

from onestop.core import secrets


class AlreadyInitialised(Exception):
    """`initialise` found a signing key: this node has been set up before."""


def keys_dir() -> Path:
    """The folder of the node's keys: ``ONESTOP_KEYS_DIR``, else ``DATA_DIR/keys``."""
    configured = getattr(settings, "KEYS_DIR", "")
    return Path(configured) if configured else Path(settings.DATA_DIR) / "keys"


def kid_for(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


@contextlib.contextmanager
def _locked() -> Iterator[Path]:
    """Hold an exclusive lock on the key directory (several workers may start at once)."""
    folder = keys_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    with open(folder / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield folder
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _write(path: Path, data: bytes) -> None:
    """Write a 0600 file atomically (a reader never sees half a key)."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _generate(folder: Path) -> str:
    private_key = Ed25519PrivateKey.generate()
    public_key = private_key.public_key()
    kid = kid_for(public_key)
    pem = private_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    _write(folder / f"{kid}.key", pem)
    _write(folder / f"{kid}.pub", base64.b64encode(raw) + b"\n")
    _write(folder / "current", kid.encode() + b"\n")
    return kid


def _current_kid(folder: Path) -> str | None:
    try:
        return (folder / "current").read_text().strip() or None
    except FileNotFoundError:
        return None


def _missing() -> secrets.KeyMissing:
    return secrets.KeyMissing(secrets.missing_message("The signing key", str(keys_dir())))


def present() -> bool:
    """Whether the current signing key is there (nothing is generated)."""
    kid = _current_kid(keys_dir())
    return kid is not None and (keys_dir() / f"{kid}.key").exists()


def ensure_key() -> str:
    """The current kid. Development generates the first key if there is none; production
    raises `KeyMissing` instead."""
    if secrets.production() and not present():
        raise _missing()
    with _locked() as folder:
        kid = _current_kid(folder)
        if kid is None or not (folder / f"{kid}.key").exists():
            kid = _generate(folder)
            secrets.mark_development(folder)
        return kid


def initialise() -> str:
    """Make this node's first signing key (`onestop init`); `AlreadyInitialised` if the folder
    already has one, whatever the mode."""
    with _locked() as folder:
        if _current_kid(folder) is not None or any(folder.glob("*.key")):
            raise AlreadyInitialised(str(folder))
        return _generate(folder)


def current_signing_key() -> tuple[str, Ed25519PrivateKey]:
    """(kid, private key) of the key that signs now; generated on first use in development."""
    kid = _current_kid(keys_dir())
    if kid is None or not (keys_dir() / f"{kid}.key").exists():
        kid = ensure_key()
    key = load_pem_private_key((keys_dir() / f"{kid}.key").read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise TypeError(f"signing key {kid} is not an Ed25519 key")
    return kid, key


def public_keys() -> dict[str, Ed25519PublicKey]:
    """Every public key this node has signed with, current and retired, by kid."""
    ensure_key()
    keys = {}
    for path in sorted(keys_dir().glob("*.pub")):
        raw = base64.b64decode(path.read_text().strip())
        keys[path.stem] = Ed25519PublicKey.from_public_bytes(raw)
    return keys


def rotate() -> str:
    """Make a new current key; keep the old public key and delete the old private key."""
    if secrets.production() and not present():
        raise _missing()  # a rotation replaces a key; it never stands in for a lost one
    with _locked() as folder:
        old = _current_kid(folder)
        kid = _generate(folder)
        if old and old != kid:
            (folder / f"{old}.key").unlink(missing_ok=True)
        return kid
