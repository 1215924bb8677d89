"""The node's hardening (issue #13): control characters out of every input, no-store on personal
answers, Permissions-Policy and HSTS, every /api/ and /open311/ error in its one shape, the
client IP behind a trusted proxy, django-axes locking username+IP only, and rate limits with a
429 and Retry-After."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest
from django.http import HttpResponse, HttpResponseServerError
from django.test import Client, RequestFactory

from onestop.core import inputs, languages, throttle
from onestop.core.middleware import HardeningMiddleware
from tests.core.conftest import demo_accounts
from tests.factories import login

PASSWORD = "onestop-demo-2026"


# --- control characters ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("a\x00b", "ab"),
        ("\x1b[31mred\x1b[0m text", "red text"),
        ("line one\nline two\tend\r\n", "line one\nline two\tend\r\n"),
        ("bell\x07 del\x7f c1\x9b", "bell del c1"),
        ("\x1b]0;title\x07shown", "shown"),
        ("电梯坏了", "电梯坏了"),
    ],
)
def test_control_characters_and_ansi_escapes_are_stripped(sent: str, kept: str) -> None:
    assert inputs.clean_text(sent) == kept
    assert inputs.clean_data({"k\x00": [sent, 1, None]}) == {"k": [kept, 1, None]}


def test_query_strings_and_form_bodies_reach_views_clean() -> None:
    seen: dict[str, Any] = {}

    def view(request: Any) -> HttpResponse:
        seen["q"] = request.GET["q"]
        seen["text"] = request.POST["text"]
        return HttpResponse("ok")

    request = RequestFactory().post("/anything/?q=a%00b%1B%5B2J", {"text": "x\x00y\x1b[1mz"})
    HardeningMiddleware(view)(request)

    assert seen == {"q": "ab", "text": "xyz"}


# --- language tags --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "language"),
    [
        ("zh", "zh-hans"),
        ("zh-CN", "zh-hans"),
        ("zh-Hans", "zh-hans"),
        ("ZH_hans_cn", "zh-hans"),
        ("en-GB", "en"),
        ("EN", "en"),
        ("fr", None),
        ("", None),
        ("zh-" + "x" * 20, None),
    ],
)
def test_bcp47_tags_map_to_the_nodes_languages(tag: str, language: str | None) -> None:
    assert languages.from_tag(tag) == language


# --- headers --------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/me/", "/me/cases/", "/me/data/", "/wallet/"])
def test_personal_pages_are_never_stored(path: str) -> None:
    citizen = demo_accounts()["citizen"]
    response = login(citizen).get(path)

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.django_db
def test_personal_api_answers_are_never_stored_and_public_ones_may_be() -> None:
    citizen = login(demo_accounts()["citizen"])
    mine = citizen.get("/api/v1/me/materials?scenario=newborn")
    public = Client().get("/api/v1/regions")

    assert mine["Cache-Control"] == "no-store"
    assert "Cache-Control" not in public
    assert "Permissions-Policy" in public


def _settings_of(**env: str) -> dict[str, Any]:
    """Settings as a node started with `env` reads them (a fresh interpreter)."""
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([getattr(s, 'SECURE_HSTS_SECONDS', 0), s.SECURE_PROXY_SSL_HEADER, "
        "s.SESSION_COOKIE_AGE, s.SESSION_COOKIE_SECURE]))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "onestop.settings", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    hsts, proxy, age, secure = json.loads(run.stdout.strip().splitlines()[-1])
    return {"hsts": hsts, "proxy": proxy, "age": age, "secure": secure}


def test_behind_a_proxy_https_answers_carry_hsts_and_sessions_last_a_working_day() -> None:
    proxied = _settings_of(ONESTOP_BEHIND_PROXY="1")
    plain = _settings_of()

    assert proxied["hsts"] == 31_536_000
    assert proxied["proxy"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert plain["hsts"] == 0
    assert plain["age"] == proxied["age"] == 12 * 60 * 60
    assert plain["secure"] is False


def test_hsts_is_sent_on_a_request_the_proxy_says_is_https(settings: Any) -> None:
    from django.middleware.security import SecurityMiddleware

    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 31_536_000
    request = RequestFactory().get("/", HTTP_X_FORWARDED_PROTO="https")
    response = SecurityMiddleware(lambda r: HttpResponse("ok"))(request)

    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


# --- every API error in its shape -----------------------------------------------------------


def _shape(response: Any) -> dict[str, Any]:
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    body = json.loads(response.content)
    assert set(body) <= {"code", "message", "details"}
    assert body["message"]
    return body


@pytest.mark.django_db
def test_an_unknown_api_path_is_a_404_in_the_shape() -> None:
    response = Client().get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert _shape(response)["code"] == "not_found"


@pytest.mark.django_db
def test_a_wrong_method_is_a_405_in_the_shape_with_allow() -> None:
    response = Client().delete("/api/v1/regions")
    assert response.status_code == 405
    assert _shape(response)["code"] == "method_not_allowed"
    assert response["Allow"] == "GET"


@pytest.mark.django_db
def test_malformed_json_is_a_400_in_the_shape() -> None:
    response = Client().post(
        "/api/v1/hotline/classify", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert _shape(response)["code"] == "malformed_body"


@pytest.mark.django_db
def test_a_body_over_the_limit_is_a_413_in_the_shape(settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = Client().post(
        "/api/v1/hotline/classify",
        data=json.dumps({"text": "x" * 2000}),
        content_type="application/json",
    )
    assert response.status_code == 413
    assert _shape(response)["code"] == "too_large"


@pytest.mark.django_db
def test_an_over_large_open311_form_is_a_413_in_the_open311_shape(settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = Client().post("/open311/v2/requests.xml", {"description": "x" * 2000})
    assert response.status_code == 413
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert b"<errors><error><code>413</code>" in response.content


def test_a_crash_under_the_api_is_a_500_in_the_shape() -> None:
    request = RequestFactory().get("/api/v1/items")
    response = HardeningMiddleware(lambda r: HttpResponseServerError("<h1>boom</h1>"))(request)
    assert response.status_code == 500
    assert _shape(response)["code"] == "server_error"


def test_pages_outside_the_api_keep_their_html() -> None:
    request = RequestFactory().get("/catalog/nothing/")
    page = HttpResponse("<h1>Not found</h1>", status=404)
    assert HardeningMiddleware(lambda r: page)(request) is page


# --- client IP, lock-outs and rate limits ---------------------------------------------------


def test_the_client_ip_comes_from_the_trusted_proxy_header_only_when_configured(
    settings: Any,
) -> None:
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9"
    )
    settings.CLIENT_IP_HEADER = ""
    assert throttle.client_ip(request) == "10.0.0.1"
    settings.CLIENT_IP_HEADER = "X-Forwarded-For"
    assert throttle.client_ip(request) == "203.0.113.9"  # the address our proxy appended
    settings.TRUSTED_PROXY_COUNT = 2
    assert throttle.client_ip(request) == "6.6.6.6"
    settings.TRUSTED_PROXY_COUNT = 3
    assert throttle.client_ip(request) == "10.0.0.1"  # fewer hops than proxies: not trusted


def _login(ip: str, username: str, password: str) -> Any:
    return Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=ip, HTTP_ACCEPT_LANGUAGE="en").post(
        "/accounts/login/", {"username": username, "password": password}
    )


@pytest.mark.django_db
def test_a_stranger_cannot_lock_the_clerk_out(settings: Any) -> None:
    """Five wrong passwords lock the stranger's IP out of `clerk`, not the clerk's own IP."""
    settings.CLIENT_IP_HEADER = "X-Forwarded-For"
    demo_accounts()
    tries = [_login("203.0.113.9", "clerk", "wrong-password").status_code for _ in range(5)]
    assert tries == [200, 200, 200, 200, 429]  # the fifth failure locks the pair

    stranger = _login("203.0.113.9", "clerk", PASSWORD)
    clerk = _login("198.51.100.7", "clerk", PASSWORD)

    assert stranger.status_code == 429  # axes: this username from this IP is locked
    assert clerk.status_code == 302  # on to the second factor


@pytest.mark.django_db
def test_password_spraying_from_one_ip_is_throttled(settings: Any) -> None:
    settings.CLIENT_IP_HEADER = "X-Forwarded-For"
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": "3/h"}
    demo_accounts()
    for name in ("clerk", "agent", "supervisor"):
        assert _login("203.0.113.9", name, "wrong-password").status_code == 200

    sprayed = _login("203.0.113.9", "officer-ps", "wrong-password")
    elsewhere = _login("198.51.100.7", "clerk", PASSWORD)

    assert sprayed.status_code == 429
    assert int(sprayed["Retry-After"]) >= 1
    assert elsewhere.status_code == 302


@pytest.mark.django_db
def test_registration_is_rate_limited_per_ip(settings: Any) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "register": "2/h"}
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    for _ in range(2):
        assert client.post("/accounts/register/", {}).status_code != 429
    response = client.post("/accounts/register/", {})
    assert response.status_code == 429
    assert "Retry-After" in response


@pytest.mark.django_db
def test_classify_answers_429_in_the_shape_with_retry_after(settings: Any) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "classify": "1/d"}
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    body = json.dumps({"text": "路灯坏了"})
    client.post("/api/v1/hotline/classify", data=body, content_type="application/json")
    response = client.post("/api/v1/hotline/classify", data=body, content_type="application/json")

    assert response.status_code == 429
    assert _shape(response)["code"] == "rate_limited"
    assert 1 <= int(response["Retry-After"]) <= 24 * 3600
