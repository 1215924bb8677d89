"""Where keys come from and when they are made: development creates missing keys on first use
(exclusively and atomically: two workers starting together agree), production never does and
says what to do; keys may come from the environment or files the operator mounts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command

from onestop.core import checks, crypto, keys, secrets


@pytest.fixture
def production(settings: Any) -> Any:
    settings.ONESTOP_ENV = "production"
    settings.PUBLIC_URL = "https://onestop.example.gov.cn"
    return settings


def test_read_env_takes_the_variable_then_the_mounted_file(tmp_path: Path) -> None:
    mounted = tmp_path / "secret"
    mounted.write_text("from-the-file\n")
    assert secrets.read_env("X", {"X": " direct ", "X_FILE": str(mounted)}) == "direct"
    assert secrets.read_env("X", {"X_FILE": str(mounted)}) == "from-the-file"
    assert secrets.read_env("X", {}) is None


def test_create_exclusive_keeps_the_first_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "k"
    assert secrets.create_exclusive(path, "first") is True
    assert secrets.create_exclusive(path, "second") is False
    assert path.read_text() == "first"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k"]


def test_production_never_generates_a_personal_data_key(production: Any, tmp_path: Path) -> None:
    with pytest.raises(secrets.KeyMissing) as caught:
        crypto.encrypt_pii("张伟")
    assert "pii.keys" in str(caught.value)
    assert "onestop init" in str(caught.value)
    assert "backup" in str(caught.value)
    with pytest.raises(secrets.KeyMissing):
        crypto.blind_index("37112119930315123X")
    assert not (tmp_path / "keys" / "pii.keys").exists()
    assert not (tmp_path / "keys" / "blind-index.key").exists()


def test_production_never_generates_a_signing_key(production: Any, tmp_path: Path) -> None:
    for call in (keys.current_signing_key, keys.public_keys, keys.rotate):
        for use in keys.USES:
            with pytest.raises(secrets.KeyMissing, match="onestop init"):
                call(use)
    assert list((tmp_path / "keys").glob("*.key")) == []


def test_production_reads_the_keys_init_made(production: Any, tmp_path: Path) -> None:
    made = keys.initialise()
    assert sorted(made) == sorted(keys.USES)
    assert crypto.initialise() == ["pii.keys", "blind-index.key"]
    token = crypto.encrypt_pii("张伟")
    assert crypto.decrypt_pii(token) == "张伟"
    assert {use: keys.current_signing_key(use)[0] for use in keys.USES} == made
    with pytest.raises(keys.AlreadyInitialised):
        keys.initialise()
    with pytest.raises(FileExistsError):
        crypto.initialise()
    ids = [e.id for e in checks.production_keys()]
    assert "onestop.E002" not in ids
    assert "onestop.E003" not in ids
    assert "onestop.E004" not in ids  # made by init, not by the development mode


def test_keys_from_the_environment_are_used_and_nothing_is_written(
    production: Any, tmp_path: Path
) -> None:
    pii = Fernet.generate_key().decode()
    production.PII_KEYS = [pii]
    production.BLIND_INDEX_KEY = "ab" * 32
    crypto.reset_key_cache()
    token = crypto.encrypt_pii("张伟")
    assert Fernet(pii.encode()).decrypt(token.encode()).decode() == "张伟"
    assert crypto.blind_index("x") == crypto.blind_index("x")
    assert crypto.present() == []
    assert not (tmp_path / "keys" / "pii.keys").exists()
    assert crypto.initialise() == []  # init writes only what the environment does not give


def test_development_generates_marks_and_production_checks_refuse_the_mark(
    settings: Any, tmp_path: Path
) -> None:
    crypto.blind_index("x")
    crypto.encrypt_pii("x")
    keys.ensure_keys()
    assert (tmp_path / "keys" / secrets.DEVELOPMENT_MARKER).exists()
    settings.ONESTOP_ENV = "production"
    settings.PUBLIC_URL = "https://onestop.example.gov.cn"
    ids = [e.id for e in checks.production_keys()]
    assert "onestop.E004" in ids
    assert "onestop.E002" not in ids
    assert "onestop.E003" not in ids


def test_production_checks_name_every_missing_key_and_an_http_public_url(
    production: Any,
) -> None:
    production.PUBLIC_URL = "http://onestop.example.gov.cn"
    ids = sorted(e.id for e in checks.production_keys())
    assert {"onestop.E002", "onestop.E003", "onestop.E005"} <= set(ids)
    assert ids.count("onestop.E003") == 2  # pii.keys and blind-index.key


def test_development_checks_are_silent(settings: Any) -> None:
    settings.PUBLIC_URL = "http://127.0.0.1:8000"
    assert checks.production_keys() == []


def test_seed_demo_refuses_in_production(production: Any) -> None:
    with pytest.raises(CommandError, match="refuses to run in production mode"):
        call_command("seed_demo")


@pytest.mark.django_db
def test_the_demo_accounts_are_named_in_production(production: Any) -> None:
    from onestop.accounts import checks as account_checks
    from tests.core.conftest import demo_accounts

    demo_accounts()
    found = account_checks.no_demo_accounts()
    assert [e.id for e in found] == ["onestop.E101"]
    assert "citizen" in found[0].msg
    assert "admin" in found[0].msg


WORKER = """
import hashlib, sys
import django
django.setup()
from django.conf import settings
from onestop.core import crypto, keys
print(hashlib.sha256(settings.SECRET_KEY.encode()).hexdigest(), crypto.blind_index("x"),
      keys.ensure_key("ledger"), crypto.decrypt_pii(crypto.encrypt_pii("same")))
"""


def test_two_workers_starting_together_on_a_new_development_node_agree(tmp_path: Path) -> None:
    data_dir = tmp_path / "fresh"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("ONESTOP_", "SECRET_KEY"))},
        "DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "onestop.settings",
    }
    workers = [
        subprocess.Popen([sys.executable, "-c", WORKER], env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [w.communicate(timeout=120)[0].split() for w in workers]
    assert [w.returncode for w in workers] == [0, 0]
    assert outputs[0] == outputs[1]
    assert outputs[0][3] == "same"
    names = sorted(p.name for p in (data_dir / "keys").iterdir())
    assert not [n for n in names if n.endswith(".tmp")]
    assert (data_dir / "keys" / "pii.keys").read_text().count("\n") == 1
