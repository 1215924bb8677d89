"""schemathesis over the committed OpenAPI document (docs/api/openapi.json) against a live node
this test starts (pytest-django's live server on the test database): every check, a bounded
number of examples per operation, anonymous, signed in as a citizen and as a hotline agent
(with the Open311 key of a client). The document covers /api/v1/ and /open311/v2/ (the JSON
flavour of Open311 is fuzzed). No server error, no undocumented status or header, no response
outside its schema, no valid request refused and no invalid one accepted (issue #13). The
figures of a run are in docs/security.md."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

# One worker runs the whole module (`make test` uses `--dist loadgroup`): its
# module-scoped set-up is made once, and its tests see each other's order.
pytestmark = pytest.mark.xdist_group("live-server-fuzz")

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = ROOT / "docs" / "api" / "openapi.json"
CONFIG = Path(__file__).with_name("schemathesis.toml")
ST = Path(sys.executable).with_name("st")
# Enough to cross every bound of every parameter (the coverage phase) and a few random bodies;
# small enough for `make test`.
MAX_EXAMPLES = 5


def build_world() -> None:
    """The organisation, the demo accounts, the hotline's categories and routing model, and the
    demo Open311 client (the item catalogue is empty: the operations that read it answer empty
    lists and 404s, which the document says too). Then the warm-up a served node's worker runs
    before its first request (`onestop.gunicorn_conf`), so that no request waits for a model
    to load or train: the live server runs in this process."""
    from onestop.accounts.seed import seed_accounts
    from onestop.core import warmup
    from onestop.hotline.routing import seed_routing_model
    from onestop.hotline.seed import seed_catalogue
    from onestop.open311.seed import seed_open311
    from onestop.org.seed import seed_org

    seed_org()
    seed_accounts()
    seed_catalogue()
    seed_routing_model()
    seed_open311()
    warmup.run()


def _session_of(username: str) -> str:
    """A signed-in session of `username`; staff's with the second factor verified (as after
    the verify page)."""
    import time

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY

    from onestop.accounts import selectors
    from onestop.accounts.middleware import SEEN_KEY
    from onestop.accounts.models import User
    from tests.factories import mfa_device

    user = User.objects.get(username=username)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if selectors.mfa_required(user):
        session[DEVICE_ID_SESSION_KEY] = mfa_device(user).persistent_id
        session[SEEN_KEY] = int(time.time())
    session.create()
    return str(session.session_key)


def _run(url: str, *headers: str, signed_in: bool) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(ST),
            "--config-file",
            str(CONFIG),
            "run",
            str(DOCUMENT),
            "--url",
            url,
            "--checks",
            "all",
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            str(MAX_EXAMPLES),
            "--seed",
            "13",
            "--workers",
            "1",
            # the first classify loads the sentence encoder in the live server
            "--request-timeout",
            "180",
            "--no-color",
            # Signed in, the session cookie and the CSRF header come with every request (-H):
            # schemathesis does not also generate values for them (or leave them out); the
            # anonymous run is the one without them.
            "--generation-with-security-parameters",
            "false" if signed_in else "true",
            # the JSON flavour of Open311 (its XML twins answer the same, in XML)
            "--exclude-path-regex",
            r"\.xml$",
            *[part for header in headers for part in ("-H", header)],
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        cwd=ROOT,
    )


@pytest.mark.skipif(not ST.exists(), reason="schemathesis is a development dependency")
@pytest.mark.parametrize("who", ["anonymous", "citizen", "agent"])
def test_the_api_answers_as_documented(live_server: Any, settings: Any, who: str) -> None:
    """`agent` is the hotline agent `agent` signed in, and also the demo Open311 client (whose
    service account is a hotline agent of the region) by its X-Api-Key: its run files real
    service requests through `POST /open311/v2/requests.json`."""
    from onestop.open311.seed import DEMO_KEY

    settings.RATE_LIMITS = {}  # the fuzzer's hundreds of requests are not an abuse here
    build_world()
    headers: list[str] = []
    if who != "anonymous":
        token = "f" * 32  # a CSRF secret: Django accepts it as cookie and header alike
        headers = [
            f"Cookie: sessionid={_session_of(who)}; csrftoken={token}",
            f"X-CSRFToken: {token}",
        ]
    if who == "agent":
        headers.append(f"X-Api-Key: {DEMO_KEY}")

    run = _run(live_server.url, *headers, signed_in=who != "anonymous")

    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    # the figures of the run, for docs/security.md (`pytest -rP` shows them)
    print(run.stdout[run.stdout.rfind("SUMMARY") :])  # noqa: T201
    assert "No issues found" in run.stdout or " passed" in run.stdout, run.stdout[-3000:]
