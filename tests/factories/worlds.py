"""Seeded template worlds: each world is built once per test process and kept under the tests.

A *world* is the data a group of tests starts from (the demo organisation, accounts, a
catalogue...), built by the apps' own seed steps and services. Building one takes 0.3–3 s, and
most tests only need it to be there. So a world is built once per pytest process (per xdist
worker) inside an outer transaction that is never committed — the *template* — and every test
runs in pytest-django's usual transaction on top of it, a savepoint rolled back at its end: each
test sees the world exactly as built, and nothing a test writes reaches the next one.

Only one world is open at a time. Before each database test, `switch()` (called by the
`_django_db_helper` override in tests/conftest.py, before the test's transaction starts) makes
the world that test needs the open one: the same one → nothing to do; another one → roll the
old one back and build the new one. Tests are run module by module, so a process builds each
world a handful of times per run, not once per test.

Tests that need committed data (`transactional_db`, `live_server`, `django_db(transaction=True)`)
cannot sit on an uncommitted template: for them the template is rolled back first and `use()`
builds the world inside the test, as before.

A world is either named by its fixture (`@worlds.fixture("cases")`, used in the conftests) or
learned: the first test of a module that calls `worlds.use(name)` builds it inside the test and
teaches the module its world, so the module's next tests get the template.

Keys: a world holds encrypted personal data, so the keys it was written with must be the keys
every test reads with. `session_data_dir()` is the process's data dir, whose keys are generated
once; every test's own data dir (tests/conftest.py `_isolated`) starts with a copy of them.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass(frozen=True)
class World:
    name: str
    build: Callable[[], Any]
    # Re-reads what the tests get from the database (fresh objects for each test: a test that
    # changes a user in memory does not change the next test's user). Defaults to `build`'s
    # return value for a world built inside the test.
    value: Callable[[], Any]
    # Smaller worlds this one holds: their fixtures read from this template too.
    includes: tuple[str, ...] = ()


_registry: dict[str, World] = {}
_learned: dict[str, str] = {}  # module node id → world name


def users() -> dict[str, Any]:
    """The usual value of a world: every user by username."""
    from onestop.accounts.models import User

    return {u.username: u for u in User.objects.all()}


def register(
    name: str,
    build: Callable[[], Any],
    value: Callable[[], Any] = users,
    includes: tuple[str, ...] = (),
) -> World:
    world = _registry.get(name)
    if world is None or world.build is not build:
        world = World(name=name, build=build, value=value, includes=includes)
        _registry[name] = world
    return world


def fixture(
    name: str,
    build: Callable[[], Any],
    value: Callable[[], Any] = users,
    includes: tuple[str, ...] = (),
) -> Callable[[Callable[..., Any]], Any]:
    """Decorate a world fixture: `switch()` sees, before the test starts, that the test uses
    this world. The fixture's body usually is `return worlds.use(name)`. `includes` names the
    smaller worlds this one holds (a test asking for both gets this one)."""
    register(name, build, value, includes)

    def decorate(fn: Callable[..., Any]) -> Any:
        fn._world = name  # type: ignore[attr-defined]
        return pytest.fixture(fn)

    return decorate


# --- the process's data dir: keys generated once -------------------------------------------

_data_dir: Path | None = None


def session_data_dir() -> Path:
    """This process's data dir, with its keys (signing key, PII keys) generated once."""
    global _data_dir  # noqa: PLW0603 - one per process by design
    if _data_dir is None:
        from django.test import override_settings

        from onestop.core import crypto, keys

        path = Path(tempfile.mkdtemp(prefix="onestop-test-keys-"))
        with override_settings(DATA_DIR=path):
            crypto.reset_key_cache()
            keys.ensure_keys()
            crypto.encrypt_pii("warm-up")  # writes the PII and blind-index keys
            crypto.blind_index("warm-up")
            crypto.reset_key_cache()
        _data_dir = path
    return _data_dir


def copy_keys(to: Path) -> None:
    """Give a test's data dir the process's keys (a copy: a test that rotates them changes
    only its own)."""
    source = session_data_dir() / "keys"
    target = to / "keys"
    if not target.exists():
        shutil.copytree(source, target)


# --- the template ---------------------------------------------------------------------------


class Template:
    """The one open world of this process and its outer transaction."""

    def __init__(self) -> None:
        self.name: str | None = None
        self._atomic: Any = None
        self._conn: Any = None

    def alive(self) -> bool:
        """Whether the template's transaction is still the current connection's outermost one."""
        from django.db import connections

        blocks = getattr(connections["default"], "atomic_blocks", [])
        return self._atomic is not None and bool(blocks) and blocks[0] is self._atomic

    def drop(self) -> None:
        """Roll the template back, on the connection it was opened on (the connection handler
        is context-local: after a browser or live server has run, the current context may hold
        another connection object, and the template's would keep its locks)."""
        if self._atomic is None:
            return
        from django.db import connections, transaction

        conn = self._conn
        if conn.atomic_blocks and conn.atomic_blocks[0] is self._atomic:
            current = connections["default"]
            connections["default"] = conn
            try:
                transaction.set_rollback(True)
                self._atomic.__exit__(None, None, None)
            finally:
                connections["default"] = current
        self._atomic, self._conn, self.name = None, None, None

    def open(self, name: str) -> None:
        if self.name == name and self.alive():
            return
        self.drop()
        from django.db import transaction

        atomic = transaction.atomic()
        # Like a TestCase's own transaction: a `durable` block in the code under test is
        # checked against the test's transaction, not this one.
        atomic._from_testcase = True  # type: ignore[attr-defined]
        atomic.__enter__()
        try:
            _build(_registry[name])
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            raise
        from django.db import connections

        self._atomic, self._conn, self.name = atomic, connections["default"], name


template = Template()


def _build(world: World) -> Any:
    """Build a world outside any test as a test would: English, fast hashers, the process's
    keys, its own media folder."""
    from django.test import override_settings
    from django.utils import translation

    from onestop.core import calendar, crypto

    data = session_data_dir()
    with (
        override_settings(DATA_DIR=data, MEDIA_ROOT=data / "media", PASSWORD_HASHERS=FAST_HASHERS),
        translation.override("en"),
    ):
        crypto.reset_key_cache()
        calendar.invalidate()
        try:
            return world.build()
        finally:
            crypto.reset_key_cache()
            calendar.invalidate()


def is_transactional(item: pytest.Item) -> bool:
    names = set(getattr(item, "fixturenames", ()))
    if names & {"transactional_db", "live_server", "django_db_reset_sequences"}:
        return True
    marker = item.get_closest_marker("django_db")
    if marker is None:
        return False
    return bool(marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences"))


def wanted(item: pytest.Item) -> str | None:
    """The world `item` runs on: its world fixture's, else its module's learned one."""
    info = getattr(item, "_fixtureinfo", None)
    if info is not None:
        found = set()
        for name in item.fixturenames:  # type: ignore[attr-defined]
            defs = info.name2fixturedefs.get(name)
            world = getattr(defs[-1].func, "_world", None) if defs else None
            if world is not None:
                found.add(str(world))
        inside = {small for name in found for small in _registry[name].includes}
        if found - inside:
            return sorted(found - inside)[0]
    module = item.getparent(pytest.Module)
    return _learned.get(module.nodeid) if module is not None else None


_current_item: pytest.Item | None = None


def switch(item: pytest.Item) -> None:
    """Before `item`'s transaction starts: open the world it needs, or none."""
    global _current_item  # noqa: PLW0603
    _current_item = item
    name = None if is_transactional(item) else wanted(item)
    if name is None:
        template.drop()
    else:
        template.open(name)


def use(name: str, build: Callable[[], Any] | None = None) -> Any:
    """The world `name` for the running test: read from the template when it is the open one,
    else built now, inside the test."""
    world = register(name, build) if build is not None else _registry[name]
    if (
        template.name is not None
        and (template.name == name or name in _registry[template.name].includes)
        and template.alive()
    ):
        return world.value()
    if _current_item is not None and not is_transactional(_current_item):
        module = _current_item.getparent(pytest.Module)
        if module is not None:
            _learned.setdefault(module.nodeid, name)
    world.build()  # under the test's own settings and keys (a copy of the process's)
    return world.value()


# --- worlds several folders share -----------------------------------------------------------


def build_org() -> None:
    """Regions, department kinds, and the departments and centres of two demo regions (the
    org seed step of the node's own region, 371121, and of OTHER_REGION, 320707)."""
    from onestop.org.seed import seed_org
    from tests.factories import OTHER_REGION

    seed_org()
    seed_org(region=OTHER_REGION)


register("org", build_org, value=lambda: None)
