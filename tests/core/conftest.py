from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from onestop.core import calendar, crypto


@pytest.fixture(autouse=True)
def _isolated_keys_and_calendar(settings: Any, tmp_path: Path) -> Iterator[None]:
    """Keys in a fresh folder per test; no calendar year cached from another test."""
    settings.DATA_DIR = tmp_path
    crypto.reset_key_cache()
    calendar.invalidate()
    yield
    crypto.reset_key_cache()
    calendar.invalidate()
