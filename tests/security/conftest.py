"""Fixtures of the security tests: the world of the authorisation matrix (tests/security/world.py),
built once per process, and its files in the process's data dir."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.factories import worlds
from tests.security import world as matrix_world


@worlds.fixture("authorisation-matrix", matrix_world.build, matrix_world.value)
def the_world(db: None) -> dict[str, Any]:
    return worlds.use("authorisation-matrix")


@pytest.fixture(autouse=True)
def _media(settings: Any) -> None:
    """The files of the world (the uploaded photo) stay in the process's data dir."""
    settings.MEDIA_ROOT = Path(worlds.session_data_dir()) / "media"
