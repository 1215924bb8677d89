"""Shared fixtures. Test data is built through services, not raw ORM writes."""

from collections.abc import Iterator
from typing import Any

import pytest

from onestop.core import calendar


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--screenshots", action="store_true", help="e2e: write docs/screenshots/ from the journeys"
    )


@pytest.fixture(autouse=True)
def _fresh_calendar_cache() -> Iterator[None]:
    """The working-day calendar is cached per process; never let one test's rows leak."""
    calendar.invalidate()
    yield
    calendar.invalidate()


@pytest.fixture(autouse=True)
def _plain_static_storage(settings: Any) -> None:
    """Tests do not run collectstatic, so the hashed-manifest storage has no manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
