"""The node's Ed25519 signing keys, one per purpose.

A node signs four kinds of things and keeps one key for each (`USES`), so that a key can be
rotated, revoked or handed to another process without touching the others:

* ``ledger`` — the checkpoints of its own log (C2SP signed notes);
* ``witness`` — cosignatures over other logs' checkpoints (tlog-cosignature/v1);
* ``credentials`` — e-licences (``vc+jwt``) and the government service code;
* ``federation`` — messages to and from peer nodes (RFC 9421 HTTP Message Signatures).

Keys live in ``settings.DATA_DIR / "keys"`` (mode 0700; ``ONESTOP_KEYS_DIR`` names another
folder, e.g. one the operator mounts), never in the repository, one sub-folder per use:

* ``<use>/<kid>.key`` — the current private key, PKCS#8 PEM, mode 0600;
* ``<use>/<kid>.pub`` — every public key this node has signed with for that use, raw 32 bytes
  in base64;
* ``<use>/current`` — the kid of the key that signs now.

A data dir from before the split (one key in the folder itself) is adopted on first use: that
key becomes the ``ledger`` key, and its public key stays a retired key of ``credentials`` and
``witness`` too, so every e-licence and cosignature it signed still verifies.

In development the first call generates a key; in production (`core.secrets`) a missing key is
an error, and only `onestop init` (`initialise`) makes keys. ``rotate(use)`` (``onestop keys
rotate --use USE``) makes a new current key, keeps every old public key so old signatures still
verify, and deletes the old private key.
A ``kid`` is the first 8 bytes of SHA-256(raw public key), in hex.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import os
import shutil
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

USES = ("ledger", "witness", "credentials", "federation")

# Uses that keep the pre-split key as a retired key (it signed for them before the split).
_LEGACY_SHARED = ("credentials", "witness")


class AlreadyInitialised(Exception):
    """`initialise` found every signing key: this node has been set up before."""


def keys_dir() -> Path:
    """The folder of the node's keys: ``ONESTOP_KEYS_DIR``, else ``DATA_DIR/keys``."""
    configured = getattr(settings, "KEYS_DIR", "")
    return Path(configured) if configured else Path(settings.DATA_DIR) / "keys"


def kid_for(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def _check_use(use: str) -> str:
    if use not in USES:
        raise ValueError(f"unknown key use {use!r}; one of {', '.join(USES)}")
    return use


@contextlib.contextmanager
def _locked() -> Iterator[Path]:
    """Hold an exclusive lock on the key directory (several workers may start at once); the
    directory is in the per-use layout when this yields."""
    folder = keys_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    with open(folder / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            _adopt_legacy(folder)
            yield folder
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _adopt_legacy(folder: Path) -> None:
    """Move a pre-split key (``folder/current``) into the ``ledger`` folder; keep its public
    key as a retired key of the uses it also signed for. Called under the lock."""
    legacy = _current_kid(folder)
    if legacy is None:
        return
    ledger = folder / "ledger"
    ledger.mkdir(mode=0o700, exist_ok=True)
    for use in _LEGACY_SHARED:
        target = folder / use
        target.mkdir(mode=0o700, exist_ok=True)
        for pub in folder.glob("*.pub"):
            shutil.copy2(pub, target / pub.name)
    for path in [*folder.glob("*.pub"), *folder.glob("*.key")]:
        os.replace(path, ledger / path.name)
    os.replace(folder / "current", ledger / "current")


def _write(path: Path, data: bytes) -> None:
    """Write a 0600 file atomically (a reader never sees half a key)."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _use_folder(use: str) -> Path:
    return keys_dir() / _check_use(use)


def _generate(folder: Path) -> str:
    folder.mkdir(mode=0o700, exist_ok=True)
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


def _missing(use: str) -> secrets.KeyMissing:
    return secrets.KeyMissing(
        secrets.missing_message(f"The {use} signing key", str(keys_dir() / use))
    )


def _present(use: str) -> bool:
    folder = _use_folder(use)
    kid = _current_kid(folder)
    return kid is not None and (folder / f"{kid}.key").exists()


def _adopt() -> None:
    """Bring a pre-split data dir into the per-use layout (generates nothing)."""
    if _current_kid(keys_dir()) is not None:
        with _locked():
            pass


def present() -> bool:
    """Whether the current key of every use is there (nothing is generated; a pre-split data
    dir counts for its ledger key only)."""
    _adopt()
    return all(_present(use) for use in USES)


def missing_uses() -> list[str]:
    """The uses whose current key is not there."""
    present()
    return [use for use in USES if not _present(use)]


def ensure_key(use: str) -> str:
    """The current kid of `use`. Development generates the first key if there is none;
    production raises `KeyMissing` instead."""
    _check_use(use)
    _adopt()
    if secrets.production() and not _present(use):
        raise _missing(use)
    with _locked() as folder:
        sub = folder / use
        kid = _current_kid(sub)
        if kid is None or not (sub / f"{kid}.key").exists():
            kid = _generate(sub)
            secrets.mark_development(folder)
        return kid


def ensure_keys() -> dict[str, str]:
    """`ensure_key` for every use: {use: kid}."""
    return {use: ensure_key(use) for use in USES}


def initialise() -> dict[str, str]:
    """Make this node's signing keys (`onestop init`): one for every use that has none, as
    {use: kid}; `AlreadyInitialised` if every use already has one, whatever the mode."""
    with _locked() as folder:
        made = {}
        for use in USES:
            sub = folder / use
            if _current_kid(sub) is None:
                made[use] = _generate(sub)
        if not made:
            raise AlreadyInitialised(str(folder))
        return made


def current_signing_key(use: str) -> tuple[str, Ed25519PrivateKey]:
    """(kid, private key) of the `use` key that signs now; generated on first use in
    development."""
    folder = _use_folder(use)
    kid = _current_kid(folder)
    if kid is None or not (folder / f"{kid}.key").exists():
        kid = ensure_key(use)
    key = load_pem_private_key((folder / f"{kid}.key").read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise TypeError(f"{use} signing key {kid} is not an Ed25519 key")
    return kid, key


def public_keys(use: str) -> dict[str, Ed25519PublicKey]:
    """Every public key this node has signed `use` things with, current and retired, by kid."""
    ensure_key(use)
    keys = {}
    for path in sorted(_use_folder(use).glob("*.pub")):
        raw = base64.b64decode(path.read_text().strip())
        keys[path.stem] = Ed25519PublicKey.from_public_bytes(raw)
    return keys


def rotate(use: str) -> str:
    """Make a new current `use` key; keep the old public key and delete the old private key."""
    _check_use(use)
    _adopt()
    if secrets.production() and not _present(use):
        raise _missing(use)  # a rotation replaces a key; it never stands in for a lost one
    with _locked() as folder:
        sub = folder / use
        old = _current_kid(sub)
        kid = _generate(sub)
        if old and old != kid:
            (sub / f"{old}.key").unlink(missing_ok=True)
        return kid
