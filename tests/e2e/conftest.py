"""Real-browser journeys: Playwright drives Debian's chromium against a live server.

The server's data is the demo seed, minus the steps a journey does not need (`seed_skip`).
Sign in with `sign_in(page, base, username)` (tests.factories; also a fixture).

Every page a journey visits is checked with axe-core (WCAG 2.1 AA). The browser is never
downloaded: when /usr/bin/chromium is missing (and `make browser` could not install it), the
journeys are reported as skipped with the reason, never as passed.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
            # `make screenshots` selects `-k screenshots`: the journeys that take them.
            if {"screenshot", "axe_journey"} & set(getattr(item, "fixturenames", ())):
                item.extra_keyword_matches.add("screenshots")


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    yield pg
    context.close()


class AxeChecker:
    def __init__(self) -> None:
        from axe_playwright_python.sync_playwright import Axe

        self.axe = Axe()

    def check(self, page: Any) -> None:
        results = self.axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
        violations = results.response["violations"]
        summary = [
            f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(n["target"][0] if n["target"] else "?" for n in v["nodes"][:5])
            for v in violations
        ]
        assert violations == [], f"axe violations on {page.url}:\n" + "\n".join(summary)


@pytest.fixture(scope="session")
def axe() -> AxeChecker:
    return AxeChecker()


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Any:
    enabled = request.config.getoption("--screenshots")

    def take(page: Any, name: str) -> None:
        if enabled:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)

    return take


# The seeded databases of this process, one per set of skipped steps (SQLite only): an
# in-memory copy of the test database just after the seed, and the data dir's folders the seed
# wrote (the routing model's files).
_seeded: dict[frozenset[str], tuple[sqlite3.Connection, Path]] = {}
SEEDED_FOLDERS = ("models", "media")


def seed(skip: set[str] | frozenset[str] = frozenset()) -> None:
    """The demo seed's steps in order, each in its own transaction, but those in `skip`.

    On SQLite's in-memory test database the seed runs once per process for each `skip`: its
    result is kept (SQLite's backup API) and copied into the test database for the next journey
    with the same `skip`, milliseconds instead of seconds. The journeys' data dirs hold the
    process's keys (tests/conftest.py `_isolated`), so the copied data reads as it was written.
    On PostgreSQL the seed runs for each journey."""
    from django.conf import settings
    from django.db import connection

    key = frozenset(skip)
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        _seed(key)
        return
    connection.ensure_connection()
    data = Path(settings.DATA_DIR)
    kept = _seeded.get(key)
    if kept is not None:
        database, folders = kept
        database.backup(connection.connection)
        for name in SEEDED_FOLDERS:
            if (folders / name).is_dir():
                shutil.copytree(folders / name, data / name, dirs_exist_ok=True)
        return
    _seed(key)
    database = sqlite3.connect(":memory:", check_same_thread=False)
    connection.connection.backup(database)
    folders = Path(tempfile.mkdtemp(prefix="onestop-e2e-seed-"))
    for name in SEEDED_FOLDERS:
        if (data / name).is_dir():
            shutil.copytree(data / name, folders / name)
    _seeded[key] = (database, folders)


def _seed(skip: frozenset[str]) -> None:
    from django.db import transaction

    from onestop.core import seeding

    unknown = set(skip) - {step.name for step in seeding.steps()}
    assert not unknown, f"no such seed steps: {sorted(unknown)}"
    for step in seeding.steps():
        if step.name not in skip:
            with transaction.atomic():
                step.run()


@pytest.fixture
def seeded_live_server(
    request: pytest.FixtureRequest, live_server: Any, transactional_db: None
) -> Any:
    """A live server over the demo seed — without the steps a journey does not use, named by
    its module's `@pytest.mark.seed_skip(...)` (the slowest steps are the search index, the
    knowledge articles and the catalogue: a journey that does not search skips the first two).
    A journey writes committed data, so each journey starts from a fresh copy of the seed
    (`seed`)."""
    marker = request.node.get_closest_marker("seed_skip")
    seed(set(marker.args) if marker else set())
    return live_server


# Seed steps the cases journeys do not use: the search index, the hotline and Open311 (the
# slowest part of the demo seed: the routing model and the sentence encoder).
CASES_SKIP_STEPS = {
    "hotline-catalogue",
    "hotline-routing",
    "hotline-demo",
    "insights-demo",
    "open311",
    "knowledge-articles",
    "search-index",
}


@pytest.fixture
def cases_live_server(live_server: Any, transactional_db: None) -> Any:
    """A live server over the demo seed without the hotline and search steps."""
    seed(CASES_SKIP_STEPS)
    return live_server


class AxeJourney:
    """axe on every screen of a long journey, without stopping at the first screen that fails:
    the journey goes on, and `assert_clean()` at its end fails with every violation found, so
    one run reports every broken screen."""

    def __init__(self, checker: AxeChecker, screenshot: Any = None) -> None:
        self.checker = checker
        self.screenshot = screenshot
        self.failures: list[str] = []

    def check(self, page: Any, shot: str = "") -> None:
        """axe on the page; with `shot`, also docs/screenshots/<shot>.png under --screenshots."""
        if shot and self.screenshot is not None:
            self.screenshot(page, shot)
        try:
            self.checker.check(page)
        except AssertionError as error:
            failure = str(error).split("\nassert ")[0]
            if failure not in self.failures:  # the same screen again: reported once
                self.failures.append(failure)

    def assert_clean(self) -> None:
        assert not self.failures, "\n\n".join(self.failures)


@pytest.fixture
def axe_journey(axe: AxeChecker, screenshot: Any) -> AxeJourney:
    return AxeJourney(axe, screenshot)
