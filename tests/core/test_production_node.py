"""The production path, run as an operator would: `onestop init` on an empty data dir (password
on standard input), then `check --deploy`, `serve` and `seed_demo` in production mode.

A node made by `init` passes Django's deployment checks with only ALLOWED_HOSTS and PUBLIC_URL
set; `serve` refuses (exit 2, nothing started) when a key is missing or a demo account or the
demo Open311 key exists; a second `init` refuses and changes nothing."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

PASSWORD = "Correct-horse-battery-9"
ONESTOP = [sys.executable, "-m", "onestop"]


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ONESTOP_", "DATABASE_URL", "SECRET_KEY", "PUBLIC_URL", "DJANGO_"))
    }
    env.update(
        {
            "ONESTOP_ENV": "production",
            "DATA_DIR": str(data_dir),
            "ALLOWED_HOSTS": "onestop.example.gov.cn",
            "PUBLIC_URL": "https://onestop.example.gov.cn",
            # real channels: the log adapters are refused in production (notify.checks)
            "NOTIFY_SMS_BACKEND": "onestop.notify.channels.HttpSMSBackend",
            "NOTIFY_SMS_URL": "https://sms.example.gov.cn/send",
            "NOTIFY_EMAIL_BACKEND": "onestop.notify.channels.DjangoEmailBackend",
        }
    )
    env.update(extra)
    return env


def _run(
    args: list[str], data_dir: Path, stdin: str = "", **extra: str
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*ONESTOP, *args],
        input=stdin,
        env=_env(data_dir, **extra),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _users(data_dir: Path) -> list[tuple[str, int]]:
    with closing(sqlite3.connect(data_dir / "onestop.sqlite3")) as db:
        return db.execute("select username, is_superuser from accounts_user order by 1").fetchall()


def _snapshot(data_dir: Path) -> dict[str, bytes]:
    files = [data_dir / "secret_key", *sorted((data_dir / "keys").rglob("*"))]
    return {
        str(p.relative_to(data_dir)): p.read_bytes()
        for p in files
        if p.is_file() and p.name != ".lock"
    }


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A node made by `onestop init --admin root`, password piped twice on standard input."""
    data_dir = tmp_path_factory.mktemp("node") / "data"
    done = _run(["init", "--admin", "root"], data_dir, stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert done.returncode == 0, done.stderr
    return data_dir


@pytest.fixture
def copy(node: Path, tmp_path: Path) -> Path:
    """A copy of the node to spoil."""
    target = tmp_path / "copy"
    # The database through SQLite's backup API (its -wal/-shm files come and go while another
    # connection closes), the rest (keys, secret, static) as files.
    shutil.copytree(node, target, ignore=shutil.ignore_patterns("onestop.sqlite3*"))
    with (
        closing(sqlite3.connect(node / "onestop.sqlite3")) as source,
        closing(sqlite3.connect(target / "onestop.sqlite3")) as copied,
    ):
        source.backup(copied)
    return target


def _serve_refuses(data_dir: Path, *codes: str) -> str:
    """Run `serve` in production mode: it exits 2 before starting anything, naming `codes`."""
    done = _run(["serve", "--port", "9", "--no-worker"], data_dir)
    assert done.returncode == 2, done.stderr
    assert "serving on" not in done.stdout
    for code in codes:
        assert f"onestop.{code}" in done.stderr
    return done.stderr


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_init_makes_a_private_data_dir_the_keys_and_the_administrator(node: Path) -> None:
    keys = node / "keys"
    for use in ("ledger", "witness", "credentials", "federation"):
        used = (keys / use / "current").read_text().strip()
        assert _mode(keys / use / f"{used}.key") == 0o600
    kid = (keys / "ledger" / "current").read_text().strip()
    assert _mode(node) == 0o700
    assert _mode(keys) == 0o700
    for path in (node / "secret_key", keys / "ledger" / f"{kid}.key", keys / "pii.keys"):
        assert _mode(path) == 0o600
    assert _mode(keys / "blind-index.key") == 0o600
    assert _mode(node / "onestop.sqlite3") == 0o600
    assert len((node / "secret_key").read_text().strip()) >= 50
    assert len(bytes.fromhex((keys / "blind-index.key").read_text().strip())) == 32
    assert not (keys / "GENERATED-IN-DEVELOPMENT").exists()
    assert _users(node) == [("root", 1)]


def test_a_second_init_refuses_and_changes_nothing(node: Path) -> None:
    before = _snapshot(node)
    again = _run(["init", "--admin", "other"], node, stdin=f"{PASSWORD}\n")
    assert again.returncode == 1
    assert "already set up" in again.stderr
    assert "Nothing was changed" in again.stderr
    assert _snapshot(node) == before
    assert _users(node) == [("root", 1)]


def test_check_deploy_is_clean_with_only_allowed_hosts_and_public_url(node: Path) -> None:
    done = _run(["check", "--deploy", "--fail-level", "WARNING"], node)
    assert done.returncode == 0, done.stderr
    assert "no issues" in done.stdout


def test_check_deploy_refuses_the_log_adapters_of_notifications(node: Path) -> None:
    done = _run(
        ["check", "--deploy", "--fail-level", "WARNING"],
        node,
        NOTIFY_SMS_BACKEND="onestop.notify.channels.LogSMSBackend",
    )
    assert done.returncode == 1
    assert "onestop.E121" in done.stderr


def test_check_deploy_fails_on_http_public_url(node: Path) -> None:
    done = _run(
        ["check", "--deploy", "--fail-level", "WARNING"], node, PUBLIC_URL="http://10.0.0.1"
    )
    assert done.returncode == 1
    assert "onestop.E005" in done.stderr


def test_serve_refuses_a_missing_key_and_names_init_and_the_backup(copy: Path) -> None:
    (copy / "keys" / "pii.keys").unlink()
    refused = _serve_refuses(copy, "E003")
    assert "onestop init" in refused
    assert "backup" in refused
    assert not (copy / "keys" / "pii.keys").exists()  # not regenerated either


def test_serve_refuses_demo_accounts_and_the_demo_open311_key(copy: Path) -> None:
    script = (
        "from onestop.accounts import services\n"
        "from onestop.accounts.models import User\n"
        "from onestop.open311 import services as o\n"
        "from onestop.open311.seed import DEMO_KEY\n"
        f"services.citizen_register(username='clerk', password='{PASSWORD}', real_name='王芳', "
        "resident_id='37112119930315123X')\n"
        "root = User.objects.get(username='root')\n"
        "o.client_create(actor=root, name='partner', contact='p@example.org', region='371121', "
        "key=DEMO_KEY)\n"
    )
    made = _run(["shell", "-c", script], copy)
    assert made.returncode == 0, made.stderr
    assert "clerk" in _serve_refuses(copy, "E101", "E111")


def test_serve_refuses_keys_the_development_mode_generated(tmp_path: Path) -> None:
    data_dir = tmp_path / "dev"
    touched = _run(
        [
            "shell",
            "-c",
            "from onestop.core import crypto, keys; keys.ensure_keys(); "
            "crypto.blind_index('x'); crypto.encrypt_pii('x')",
        ],
        data_dir,
        ONESTOP_ENV="development",
    )
    assert touched.returncode == 0, touched.stderr
    _serve_refuses(data_dir, "E004")


def test_the_demo_seed_refuses_in_production(copy: Path) -> None:
    done = _run(["seed_demo"], copy)
    assert done.returncode == 1
    assert "refuses to run in production mode" in done.stderr
    assert _users(copy) == [("root", 1)]


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        (f"{PASSWORD}\nCorrect-horse-battery-8\n", "The two passwords differ"),
        ("short\n", "The password is refused"),
        ("", "No password given"),
    ],
)
def test_init_refuses_a_bad_password_before_writing_anything(
    tmp_path: Path, stdin: str, message: str
) -> None:
    data_dir = tmp_path / "data"
    done = _run(["init", "--admin", "root"], data_dir, stdin=stdin)
    assert done.returncode == 1
    assert message in done.stderr
    assert not (data_dir / "secret_key").exists()
    assert not (data_dir / "keys").exists()
    assert not (data_dir / "onestop.sqlite3").exists()
