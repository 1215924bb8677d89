"""Node secrets for personal data: encryption at rest and keyed blind indexes.

Keys live in the keys folder (``DATA_DIR/keys/`` or ``ONESTOP_KEYS_DIR``; directory 0700, files
0600) or come from the environment (``ONESTOP_PII_KEYS``, ``ONESTOP_BLIND_INDEX_KEY``, or their
``_FILE`` variants: settings ``PII_KEYS`` and ``BLIND_INDEX_KEY``). Development generates a
missing key file on first use (exclusively and atomically, so workers starting together agree);
production never does (`core.secrets`): `onestop init` makes them, and a missing one raises
`KeyMissing`. Back the folder up with the database, or encrypted data is lost.

- ``pii.keys``: Fernet keys, one per line, newest first. New tokens use the first key; every
  key can decrypt, so a key is rotated by putting a new line on top (`pii_key_add`) and
  re-encrypting with `rotate_pii` at leisure (MultiFernet).
- ``blind-index.key``: a separate HMAC-SHA256 key for exact-match lookups
  (`blind_index`), so the index reveals nothing without it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections.abc import Callable
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

from onestop.core import secrets as crypto_secrets
from onestop.core.keys import keys_dir

PII_KEYS = "pii.keys"
INDEX_KEY = "blind-index.key"

_lock = threading.Lock()
_fernets: dict[str, MultiFernet] = {}
_index_keys: dict[str, bytes] = {}


class DecryptionError(Exception):
    """A token that no key of this node can decrypt."""


def key_dir() -> Path:
    return keys_dir()


def _new_fernet_key() -> str:
    return Fernet.generate_key().decode() + "\n"


def _new_index_key() -> str:
    return secrets.token_hex(32) + "\n"


def _read(name: str, what: str, generate: Callable[[], str]) -> str:
    return crypto_secrets.read_or_create(
        key_dir() / name, generate, what=what, create=not crypto_secrets.production()
    )


def _pii_key_lines() -> list[str]:
    configured = list(getattr(settings, "PII_KEYS", []) or [])
    text = "\n".join(configured) or _read(PII_KEYS, "The personal-data key", _new_fernet_key)
    return [line.strip() for line in text.splitlines() if line.strip()]


def _multifernet() -> MultiFernet:
    cache_key = str(key_dir())
    with _lock:
        if cache_key not in _fernets:
            _fernets[cache_key] = MultiFernet([Fernet(line) for line in _pii_key_lines()])
        return _fernets[cache_key]


def _index_key() -> bytes:
    cache_key = str(key_dir())
    with _lock:
        if cache_key not in _index_keys:
            text = str(getattr(settings, "BLIND_INDEX_KEY", "") or "") or _read(
                INDEX_KEY, "The blind-index key", _new_index_key
            )
            _index_keys[cache_key] = bytes.fromhex(text.strip())
        return _index_keys[cache_key]


def present() -> list[str]:
    """The personal-data keys this node lacks (names for a message; nothing is generated)."""
    missing = []
    if not getattr(settings, "PII_KEYS", None) and not (key_dir() / PII_KEYS).exists():
        missing.append(str(key_dir() / PII_KEYS))
    if not getattr(settings, "BLIND_INDEX_KEY", "") and not (key_dir() / INDEX_KEY).exists():
        missing.append(str(key_dir() / INDEX_KEY))
    return missing


def initialise() -> list[str]:
    """Create the key files the environment does not supply (`onestop init`), exclusively;
    the names written. Raises FileExistsError if one exists already."""
    folder = key_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    wanted = []
    if not getattr(settings, "PII_KEYS", None):
        wanted.append((PII_KEYS, _new_fernet_key))
    if not getattr(settings, "BLIND_INDEX_KEY", ""):
        wanted.append((INDEX_KEY, _new_index_key))
    for name, _generate in wanted:
        if (folder / name).exists():
            raise FileExistsError(str(folder / name))
    for name, generate in wanted:
        if not crypto_secrets.create_exclusive(folder / name, generate()):
            raise FileExistsError(str(folder / name))
    reset_key_cache()
    return [name for name, _g in wanted]


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
    """Put a new primary key on top of ``pii.keys``; older keys keep decrypting.
    (Keys given in ``ONESTOP_PII_KEYS`` are rotated there, by the operator.)"""
    path = key_dir() / PII_KEYS
    old = _read(PII_KEYS, "The personal-data key", _new_fernet_key)
    tmp = path.with_suffix(".new")
    tmp.unlink(missing_ok=True)
    crypto_secrets.create_exclusive(tmp, _new_fernet_key() + old + "\n")
    tmp.replace(path)
    reset_key_cache()


def blind_index(text: str) -> str:
    """HMAC-SHA256 of `text` (hex) under the node's blind-index key.

    Normalise first (e.g. `validate_resident_id`): the index matches exact strings only.
    """
    return hmac.new(_index_key(), text.encode("utf-8"), hashlib.sha256).hexdigest()
