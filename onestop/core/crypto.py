"""Node secrets for personal data: encryption at rest and keyed blind indexes.

Keys are generated on first use into ``settings.DATA_DIR/keys/`` (directory 0700, files 0600)
and never leave the node; back that folder up with the database, or encrypted data is lost.

- ``pii.keys``: Fernet keys, one per line, newest first. New tokens use the first key; every
  key can decrypt, so a key is rotated by putting a new line on top (`pii_key_add`) and
  re-encrypting with `rotate_pii` at leisure (MultiFernet).
- ``blind-index.key``: a separate HMAC-SHA256 key for exact-match lookups
  (`blind_index`), so the index reveals nothing without it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

PII_KEYS = "pii.keys"
INDEX_KEY = "blind-index.key"

_lock = threading.Lock()
_fernets: dict[str, MultiFernet] = {}
_index_keys: dict[str, bytes] = {}


class DecryptionError(Exception):
    """A token that no key of this node can decrypt."""


def key_dir() -> Path:
    path = Path(settings.DATA_DIR) / "keys"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _create_file(path: Path, content: str) -> None:
    """Write `content` into a new file readable by the owner only; lose a race gracefully."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w") as handle:
        handle.write(content)


def _read_or_create(name: str, generate: str) -> str:
    path = key_dir() / name
    if not path.exists():
        _create_file(path, generate)
    return path.read_text().strip()


def _multifernet() -> MultiFernet:
    cache_key = str(settings.DATA_DIR)
    with _lock:
        if cache_key not in _fernets:
            text = _read_or_create(PII_KEYS, Fernet.generate_key().decode() + "\n")
            keys = [Fernet(line.strip()) for line in text.splitlines() if line.strip()]
            _fernets[cache_key] = MultiFernet(keys)
        return _fernets[cache_key]


def _index_key() -> bytes:
    cache_key = str(settings.DATA_DIR)
    with _lock:
        if cache_key not in _index_keys:
            text = _read_or_create(INDEX_KEY, secrets.token_hex(32) + "\n")
            _index_keys[cache_key] = bytes.fromhex(text)
        return _index_keys[cache_key]


def reset_key_cache() -> None:
    """Forget the keys read into this process (after a rotation, or between tests)."""
    with _lock:
        _fernets.clear()
        _index_keys.clear()


def encrypt_pii(text: str) -> str:
    return _multifernet().encrypt(text.encode("utf-8")).decode("ascii")


def decrypt_pii(token: str) -> str:
    try:
        return _multifernet().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeEncodeError) as exc:
        raise DecryptionError("this node has no key for the token") from exc


def rotate_pii(token: str) -> str:
    """Re-encrypt `token` with the newest key."""
    try:
        return _multifernet().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken as exc:
        raise DecryptionError("this node has no key for the token") from exc


def pii_key_add() -> None:
    """Put a new primary key on top of ``pii.keys``; older keys keep decrypting."""
    path = key_dir() / PII_KEYS
    old = _read_or_create(PII_KEYS, Fernet.generate_key().decode() + "\n")
    tmp = path.with_suffix(".new")
    tmp.unlink(missing_ok=True)
    _create_file(tmp, Fernet.generate_key().decode() + "\n" + old + "\n")
    tmp.replace(path)
    reset_key_cache()


def blind_index(text: str) -> str:
    """HMAC-SHA256 of `text` (hex) under the node's blind-index key.

    Normalise first (e.g. `validate_resident_id`): the index matches exact strings only.
    """
    return hmac.new(_index_key(), text.encode("utf-8"), hashlib.sha256).hexdigest()
