"""The data dir (database, keys, uploads) is created owner-only (0700), and a group- or
world-readable one is closed on start."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from django.conf import settings


def _start(data_dir: Path) -> None:
    env = {
        **os.environ,
        "DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "onestop.settings",
    }
    env.pop("DATABASE_URL", None)
    subprocess.run(
        [sys.executable, "-c", "import os; os.umask(0o022); import onestop.settings"],
        env=env,
        check=True,
        cwd=settings.BASE_DIR,
        timeout=60,
    )


def test_a_new_data_dir_is_owner_only(tmp_path: Path) -> None:
    data_dir = tmp_path / "new" / "node"
    _start(data_dir)
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE((data_dir / "secret_key").stat().st_mode) == 0o600


def test_an_open_data_dir_is_closed(tmp_path: Path) -> None:
    data_dir = tmp_path / "open"
    data_dir.mkdir(mode=0o755)
    data_dir.chmod(0o755)
    _start(data_dir)
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700


def test_upload_settings_are_owner_only() -> None:
    assert settings.FILE_UPLOAD_PERMISSIONS == 0o600
    assert settings.FILE_UPLOAD_DIRECTORY_PERMISSIONS == 0o700
