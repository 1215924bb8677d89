"""Shared fixtures. Test data is built through services, not raw ORM writes.

- Worlds (tests/factories/worlds.py): a world fixture's data is built once per process, kept in
  an uncommitted template transaction, and each test runs in a rolled-back savepoint on top.
- Keys: generated once per process; each test's data dir starts with a copy.
- Routing models: trained once per run for the same examples (tests/factories/trained.py).
- `login(user)` → a test client signed in as `user` (English unless asked otherwise);
  `sign_in(page, base, username)` → the same in the browser, through the login form.
"""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from onestop.core import calendar, crypto, memo
from tests import factories
from tests.factories import trained, worlds

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


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadgroup` (make test): a module is a group of its own, and the heaviest groups
    start first (tests/factories/scheduling.py)."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from tests.factories.scheduling import ModuleScheduling

    return ModuleScheduling(config, log)


@pytest.fixture(autouse=True)
def _services_speak_english() -> Iterator[None]:
    """Every test starts with English active in its thread, whatever an earlier test's request
    left activated, so assertions on domain-error messages (English msgids) do not depend on
    test order. Requests still choose their own language (zh-hans by default)."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


def _clear_cache() -> None:
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _isolated(request: pytest.FixtureRequest, settings: Any, tmp_path: Path) -> Iterator[None]:
    """Each test gets its own data dir (keys, secret, uploads) and no cached keys, calendar
    year or per-process cache (`core.memo`) from another test. A database test's dir starts
    with a copy of the process's keys, generated once (the worlds' personal data is encrypted
    with them); any other test's keys are generated on first use, as on a new node. Passwords
    hash fast: no test is about the hasher's cost."""
    if "_django_db_helper" in request.fixturenames or request.node.get_closest_marker("django_db"):
        worlds.copy_keys(tmp_path)
    settings.DATA_DIR = tmp_path
    settings.PASSWORD_HASHERS = worlds.FAST_HASHERS
    _clear_cache()  # rate-limit counters (core.throttle) start at zero
    crypto.reset_key_cache()
    calendar.invalidate()
    memo.clear_all()
    yield
    crypto.reset_key_cache()
    calendar.invalidate()
    memo.clear_all()


@pytest.fixture(autouse=True, scope="session")
def _force_login_verifies() -> Iterator[None]:
    """Django's `Client.force_login` signs a test client in completely: staff and superusers
    also get their second factor verified (tests.factories.otp_verify), as after the password
    and the authenticator's code. A test of the second factor itself signs in with
    `factories.login(user, verified=False)`."""
    from django.test import Client

    def force_login(self: Client, user: Any, backend: str | None = None) -> None:
        factories._force_login(self, user, backend)
        factories.otp_verify(self, user)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Client, "force_login", force_login)
        yield


@pytest.fixture(autouse=True)
def _public_url_is_the_live_server(request: pytest.FixtureRequest, settings: Any) -> None:
    """A test with a live server hands out links to that server (the node builds every
    absolute URL from PUBLIC_URL, never from the request's host)."""
    if "live_server" in request.fixturenames:
        settings.PUBLIC_URL = request.getfixturevalue("live_server").url


@pytest.fixture(autouse=True)
def _plain_static_storage(settings: Any) -> None:
    """Tests do not run collectstatic, so the hashed-manifest storage has no manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def pytest_sessionfinish(session: pytest.Session) -> None:
    """The live nodes' PostgreSQL databases go with the run (the controller drops them once
    every worker is done; a run without xdist drops its own)."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        from tests.factories import nodes

        nodes.drop_databases()


@pytest.fixture(autouse=True, scope="session")
def _made_once_per_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """What the whole run shares across xdist workers: `routing.train` memoised
    (tests/factories/trained.py) and the live nodes' migrated database
    (tests/factories/nodes.py)."""
    from onestop.hotline import routing
    from tests.factories import nodes

    shared = trained.shared_dir(tmp_path_factory.getbasetemp())
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(routing, "train", trained.memo_train(shared))
        patch.setattr(nodes, "SHARED", shared)  # the live nodes' migrated database, made once
        yield


@pytest.fixture(scope="session")
def _world_template(django_db_setup: None, django_db_blocker: Any) -> Iterator[worlds.Template]:
    """The process's template world (see tests/factories/worlds.py), rolled back at the end."""
    yield worlds.template
    with django_db_blocker.unblock():
        worlds.template.drop()


@pytest.fixture
def _world_switch(
    request: pytest.FixtureRequest, _world_template: worlds.Template, django_db_blocker: Any
) -> None:
    with django_db_blocker.unblock():
        worlds.switch(request.node)


@pytest.fixture
def _django_db_helper(_world_switch: None, _django_db_helper: None) -> None:
    """pytest-django's test transaction, opened after the test's world is in place (the
    arguments are set up in order: the switch, then pytest-django's own fixture)."""
    return _django_db_helper


@pytest.fixture
def login(client: Any) -> Any:
    """login(user, client=None, language="en") → the test's `client` (or the one given) signed
    in as `user` (tests.factories.login; import that to make more clients)."""

    def sign(user: Any, client_: Any = None, language: str = "en") -> Any:
        return factories.login(
            user, client=client if client_ is None else client_, language=language
        )

    return sign


@pytest.fixture
def sign_in() -> Any:
    """sign_in(page, base, username): the browser's login helper (tests.factories.sign_in)."""
    return factories.sign_in


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        # `make test` installs it (as root); a suite without its browser tests is not a pass.
        pytest.fail(f"{CHROMIUM} is not installed (run `make browser` as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def english(client: Any) -> Iterator[None]:
    """For tests that match English msgids: services speak English in this thread, and the
    test client asks for English (the node's default language is zh-hans)."""
    from django.utils import translation

    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture(scope="session")
def identity_provider() -> Iterator[Any]:
    """A real OpenID Connect provider process on loopback (tests.factories.idp), one per test
    process."""
    from tests.factories.idp import IdentityProvider

    provider = IdentityProvider().start()
    yield provider
    provider.stop()


@pytest.fixture
def oidc(identity_provider: Any, settings: Any) -> Any:
    """This node configured as a client of `identity_provider`; the provider is returned."""
    settings.OIDC_ISSUER = identity_provider.url
    settings.OIDC_CLIENT_ID = "onestop-test"
    settings.OIDC_CLIENT_SECRET = "onestop-test-secret"
    return identity_provider
