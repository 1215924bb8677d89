"""Shared fixtures. Test data is built through services, not raw ORM writes."""

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from onestop.core import calendar

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

# Playwright's sync API runs an event loop in the test thread; the ORM calls that fixtures make
# there are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


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


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        pytest.skip(f"{CHROMIUM} is not installed (run `make browser` as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
