from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from onestop.accounts.models import User
from tests.factories import worlds


def build_world() -> dict[str, User]:
    """The demo region as `make run` serves it before the background work: every seed step of
    the first phase (`onestop seed_demo --phase first`)."""
    from django.db import transaction

    from onestop.core import seeding

    for step in seeding.steps("first"):
        with transaction.atomic():
            step.run()
    return {u.username: u for u in User.objects.all()}


@worlds.fixture("demo-first-phase", build_world)
def demo(db: Any) -> dict[str, User]:
    return worlds.use("demo-first-phase")


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)
