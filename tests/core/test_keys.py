"""Node signing keys: generated on first use into DATA_DIR/keys, rotated, old kids verify."""

import stat

import pytest
from cryptography.exceptions import InvalidSignature
from django.core.management import call_command

from onestop.core import keys


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


def test_first_use_generates_a_private_0600_key(tmp_path):
    assert not (tmp_path / "keys").exists()
    kid, private = keys.current_signing_key()
    folder = tmp_path / "keys"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / f"{kid}.key").stat().st_mode) == 0o600
    assert (folder / "current").read_text().strip() == kid
    assert kid == keys.kid_for(private.public_key())
    assert len(kid) == 16
    again, _ = keys.current_signing_key()
    assert again == kid
    assert list(keys.public_keys()) == [kid]


def test_rotation_keeps_old_public_keys_verifying(tmp_path):
    old_kid, old_private = keys.current_signing_key()
    signature = old_private.sign(b"checkpoint")
    new_kid = keys.rotate()
    assert new_kid != old_kid
    assert keys.current_signing_key()[0] == new_kid
    public = keys.public_keys()
    assert set(public) == {old_kid, new_kid}
    public[old_kid].verify(signature, b"checkpoint")
    with pytest.raises(InvalidSignature):
        public[new_kid].verify(signature, b"checkpoint")
    assert not (tmp_path / "keys" / f"{old_kid}.key").exists()


def test_keys_command_rotate_and_list(capsys):
    kid, _ = keys.current_signing_key()
    call_command("keys", "rotate")
    new_kid = keys.current_signing_key()[0]
    assert capsys.readouterr().out == f"new signing key {new_kid}\n"
    call_command("keys", "list")
    lines = capsys.readouterr().out.splitlines()
    assert sorted(line[:18] for line in lines) == sorted([f"* {new_kid}", f"  {kid}"])
