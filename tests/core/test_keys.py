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
    kid, private = keys.current_signing_key("ledger")
    folder = tmp_path / "keys" / "ledger"
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / f"{kid}.key").stat().st_mode) == 0o600
    assert (folder / "current").read_text().strip() == kid
    assert kid == keys.kid_for(private.public_key())
    assert len(kid) == 16
    again, _ = keys.current_signing_key("ledger")
    assert again == kid
    assert list(keys.public_keys("ledger")) == [kid]


def test_rotation_keeps_old_public_keys_verifying(tmp_path):
    old_kid, old_private = keys.current_signing_key("ledger")
    signature = old_private.sign(b"checkpoint")
    new_kid = keys.rotate("ledger")
    assert new_kid != old_kid
    assert keys.current_signing_key("ledger")[0] == new_kid
    public = keys.public_keys("ledger")
    assert set(public) == {old_kid, new_kid}
    public[old_kid].verify(signature, b"checkpoint")
    with pytest.raises(InvalidSignature):
        public[new_kid].verify(signature, b"checkpoint")
    assert not (tmp_path / "keys" / "ledger" / f"{old_kid}.key").exists()


def test_keys_command_rotate_and_list(capsys):
    kid, _ = keys.current_signing_key("credentials")
    call_command("keys", "rotate", "--use", "credentials")
    new_kid = keys.current_signing_key("credentials")[0]
    assert capsys.readouterr().out == f"new credentials signing key {new_kid}\n"
    call_command("keys", "list", "--use", "credentials")
    lines = capsys.readouterr().out.splitlines()
    assert sorted(line.split()[-2] for line in lines) == sorted([new_kid, kid])
    assert [line.split()[0] for line in lines if new_kid in line] == ["*"]
    call_command("keys", "list")
    uses = {line.split()[-3] for line in capsys.readouterr().out.splitlines()}
    assert uses == set(keys.USES)


def test_one_key_per_use():
    kids = {use: keys.current_signing_key(use)[0] for use in keys.USES}
    assert len(set(kids.values())) == len(keys.USES)
    keys.rotate("federation")
    assert keys.current_signing_key("ledger")[0] == kids["ledger"]
    assert len(keys.public_keys("federation")) == 2
    assert len(keys.public_keys("ledger")) == 1
    with pytest.raises(ValueError, match="unknown key use"):
        keys.current_signing_key("sms")


def test_a_key_from_before_the_split_becomes_the_ledger_key_and_still_verifies(tmp_path):
    """A data dir of an earlier release: one key in the folder itself."""
    folder = tmp_path / "keys"
    legacy_kid = keys._generate(folder)
    signed = keys.current_signing_key("ledger")
    assert signed[0] == legacy_kid
    signature = signed[1].sign(b"old e-licence")
    assert not (folder / "current").exists()
    assert (folder / "ledger" / "current").read_text().strip() == legacy_kid
    credentials_kid, _ = keys.current_signing_key("credentials")
    assert credentials_kid != legacy_kid  # a key of its own from now on
    old = keys.public_keys("credentials")[legacy_kid]
    old.verify(signature, b"old e-licence")  # and what the old key signed still verifies
    assert legacy_kid in keys.public_keys("witness")
    assert legacy_kid not in keys.public_keys("federation")
