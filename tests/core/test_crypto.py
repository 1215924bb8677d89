from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest

from onestop.core import crypto


def test_keys_are_created_on_first_use_owner_only(tmp_path: Path) -> None:
    assert not (tmp_path / "keys").exists()
    crypto.encrypt_pii("x")
    crypto.blind_index("x")
    keys = tmp_path / "keys"
    assert stat.S_IMODE(keys.stat().st_mode) == 0o700
    for name in (crypto.PII_KEYS, crypto.INDEX_KEY):
        assert stat.S_IMODE((keys / name).stat().st_mode) == 0o600


def test_encrypt_round_trip() -> None:
    token = crypto.encrypt_pii("37112119930315123X")
    assert "37112119930315123X" not in token
    assert token != crypto.encrypt_pii("37112119930315123X")  # random IV
    assert crypto.decrypt_pii(token) == "37112119930315123X"
    assert crypto.decrypt_pii(crypto.encrypt_pii("张伟")) == "张伟"


def test_keys_survive_a_new_process() -> None:
    token = crypto.encrypt_pii("secret")
    index = crypto.blind_index("secret")
    crypto.reset_key_cache()
    assert crypto.decrypt_pii(token) == "secret"
    assert crypto.blind_index("secret") == index


def test_blind_index_is_keyed(settings: Any, tmp_path: Path) -> None:
    first = crypto.blind_index("37112119930315123X")
    assert len(first) == 64
    assert first == crypto.blind_index("37112119930315123X")
    assert first != crypto.blind_index("371121199507084569")
    settings.DATA_DIR = tmp_path / "other-node"
    assert crypto.blind_index("37112119930315123X") != first


def test_other_node_cannot_decrypt(settings: Any, tmp_path: Path) -> None:
    token = crypto.encrypt_pii("secret")
    settings.DATA_DIR = tmp_path / "other-node"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_pii(token)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_pii("not a token")


def test_rotation_keeps_old_tokens_readable(tmp_path: Path) -> None:
    old = crypto.encrypt_pii("secret")
    crypto.pii_key_add()
    lines = (tmp_path / "keys" / crypto.PII_KEYS).read_text().split()
    assert len(lines) == 2
    assert stat.S_IMODE((tmp_path / "keys" / crypto.PII_KEYS).stat().st_mode) == 0o600
    assert crypto.decrypt_pii(old) == "secret"
    rotated = crypto.rotate_pii(old)
    assert rotated != old
    # The rotated token no longer needs the old key
    (tmp_path / "keys" / crypto.PII_KEYS).write_text(lines[0] + "\n")
    crypto.reset_key_cache()
    assert crypto.decrypt_pii(rotated) == "secret"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_pii(old)
