"""`PUBLIC_URL` builds every absolute URL the node hands out, never the request's Host; and
the secret key rotates without breaking the tracking links printed on receipts."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from onestop.cases import pdf, tracking
from onestop.core import urls

ROOT = Path(__file__).resolve().parents[2]
PUBLIC = "https://onestop.example.gov.cn"


def test_absolute_joins_the_public_url_and_a_path(settings: Any) -> None:
    settings.PUBLIC_URL = PUBLIC + "/"
    assert urls.absolute("/verify/?t=x") == f"{PUBLIC}/verify/?t=x"
    with pytest.raises(ValueError, match="starting with"):
        urls.absolute("verify/")
    settings.PUBLIC_URL = ""
    with pytest.raises(ImproperlyConfigured):
        urls.absolute("/")


def test_no_view_builds_a_url_from_the_request_host() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in sorted((ROOT / "onestop").rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"build_absolute_uri|get_host\(|SITE_URL", line)
    ]
    assert offenders == []


def test_the_receipt_tracking_link_is_on_the_public_url(settings: Any) -> None:
    settings.PUBLIC_URL = PUBLIC
    link = pdf.tracking_link("3711212026000001")
    assert link.startswith(f"{PUBLIC}/track/3711212026000001/?t=")


@pytest.mark.django_db
def test_the_licence_qr_link_ignores_a_forged_host(client: Any, settings: Any) -> None:
    from onestop.credentials.services import credential_issue
    from tests.core.conftest import demo_accounts

    world = demo_accounts()
    settings.PUBLIC_URL = PUBLIC
    settings.ALLOWED_HOSTS = ["*"]  # even a Host the node accepts is not printed
    credential = credential_issue(
        actor=world["officer-ps"],
        licence_type="resident-id",
        holder=world["citizen"],
        subject={"name": "张伟", "birthDate": "1993-03-15"},
        valid_from=timezone.now() - timedelta(days=1),
        valid_until=timezone.now() + timedelta(days=365),
    )
    client.force_login(world["citizen"])
    page = client.get(f"/wallet/{credential.id}/", HTTP_HOST="evil.example").content.decode()
    assert f"{PUBLIC}/v/" in page  # the QR code's short reference
    assert "evil.example" not in page


@pytest.mark.django_db
def test_the_open311_discovery_endpoint_is_on_the_public_url(client: Any, settings: Any) -> None:
    settings.PUBLIC_URL = PUBLIC
    settings.ALLOWED_HOSTS = ["*"]
    body = client.get("/open311/v2/discovery.json", HTTP_HOST="evil.example").json()
    assert body["endpoints"][0]["url"] == f"{PUBLIC}/open311/v2/"


def test_a_tracking_token_survives_a_rotation_with_the_old_key_as_fallback(
    settings: Any,
) -> None:
    settings.SECRET_KEY = "old-" + "o" * 60
    settings.SECRET_KEY_FALLBACKS = []
    token = tracking.token_for("3711212026000001")
    settings.SECRET_KEY = "new-" + "n" * 60
    assert not tracking.token_valid("3711212026000001", token)
    settings.SECRET_KEY_FALLBACKS = ["old-" + "o" * 60]
    assert tracking.token_valid("3711212026000001", token)
    assert not tracking.token_valid("3711212026000002", token)
    fresh = tracking.token_for("3711212026000001")
    assert fresh != token
    assert tracking.token_valid("3711212026000001", fresh)


SIGN = """
import django
django.setup()
from onestop.cases import tracking
print(tracking.track_path("3711212026000001"))
"""
VERIFY = """
import sys
import django
django.setup()
from onestop.cases import tracking
print(tracking.token_valid("3711212026000001", sys.argv[1]))
"""


def test_the_secret_rotates_through_the_environment(tmp_path: Path) -> None:
    """A receipt printed under the old ONESTOP_SECRET_KEY still verifies when the node runs
    with a new one and ONESTOP_SECRET_KEY_FALLBACKS_FILE naming the old."""
    old, new = "o" * 50 + "ld-secret", "n" * 50 + "ew-secret"
    base = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("ONESTOP_", "SECRET_KEY"))},
        "DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "onestop.settings",
    }

    def run(code: str, *args: str, **env: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", code, *args],
            env={**base, **env},
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        return done.stdout.strip()

    path = run(SIGN, ONESTOP_SECRET_KEY=old)
    token = parse_qs(urlsplit(path).query)["t"][0]
    fallbacks = tmp_path / "fallbacks"
    fallbacks.write_text(old + "\n")
    assert run(VERIFY, token, ONESTOP_SECRET_KEY=new) == "False"
    rotated = run(
        VERIFY, token, ONESTOP_SECRET_KEY=new, ONESTOP_SECRET_KEY_FALLBACKS_FILE=str(fallbacks)
    )
    assert rotated == "True"
