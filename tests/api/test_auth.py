"""One way in for every router: `core.api.SessionAuth` (signed in first, then the CSRF token on
unsafe methods), its refusals in the API's one error shape, and the OpenAPI document showing
which operations need it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.middleware.csrf import _get_new_csrf_string  # the token Django itself would set
from django.test import RequestFactory
from django.utils import translation
from ninja.errors import AuthenticationError

from onestop.api import api, authentication_error
from onestop.core.api import CsrfFailed, NotSignedIn, SessionAuth

# The routers (by path prefix) whose every operation needs a signed-in person.
SIGNED_IN = (
    "/api/v1/cases/",
    "/api/v1/hotline/tickets",
    "/api/v1/insights/",
    "/api/v1/me/",
    "/api/v1/benefits/",
)
UNSAFE = ("post", "patch", "put", "delete")


@dataclass
class Person:
    """Stands in for a signed-in user: the auth class reads nothing else."""

    is_authenticated: bool = True


def request(method: str, user: Any, *, token: str | None = None) -> Any:
    made = getattr(RequestFactory(), method)("/api/v1/anything", data={})
    made.user = user
    if token is not None:
        made.COOKIES[settings.CSRF_COOKIE_NAME] = token
        made.META["HTTP_X_CSRFTOKEN"] = token
    return made


@pytest.mark.parametrize("method", ["get", *UNSAFE])
def test_a_signed_out_caller_is_refused_before_any_csrf_check(method: str) -> None:
    auth = SessionAuth("Sign in to apply online.")
    with pytest.raises(NotSignedIn) as refused:
        auth(request(method, AnonymousUser()))
    assert (refused.value.status, refused.value.code) == (401, "unauthenticated")
    assert refused.value.as_dict() == {
        "code": "unauthenticated",
        "message": "Sign in to apply online.",
    }


def test_the_default_message_is_translated() -> None:
    with translation.override("en"):
        with pytest.raises(NotSignedIn) as refused:
            SessionAuth()(request("get", AnonymousUser()))
        assert refused.value.as_dict()["message"] == "Sign in first."


def test_reads_of_a_signed_in_caller_need_no_token() -> None:
    person = Person()
    assert SessionAuth()(request("get", person)) is person


@pytest.mark.parametrize("method", UNSAFE)
def test_writes_without_the_csrf_token_are_a_403_csrf_failed(method: str) -> None:
    with translation.override("en"), pytest.raises(CsrfFailed) as refused:
        SessionAuth()(request(method, Person()))
    assert refused.value.status == 403
    assert refused.value.as_dict() == {
        "code": "csrf_failed",
        "message": "The request did not carry a valid CSRF token.",
    }


@pytest.mark.parametrize("method", UNSAFE)
def test_writes_with_the_csrf_token_pass(method: str) -> None:
    person = Person()
    assert SessionAuth()(request(method, person, token=_get_new_csrf_string())) is person


def test_csrf_can_be_left_to_someone_else() -> None:
    person = Person()
    assert SessionAuth(csrf=False)(request("post", person)) is person


def test_an_auth_class_answering_nobody_gets_the_same_401_shape() -> None:
    with translation.override("en"):
        response = authentication_error(request("get", AnonymousUser()), AuthenticationError())
    assert response.status_code == 401
    assert json.loads(response.content) == {"code": "unauthenticated", "message": "Sign in first."}


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    schema = api.get_openapi_schema()
    return [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    ]


def test_the_openapi_document_names_the_session_scheme_once() -> None:
    """The session cookie, the CSRF header that goes with it on writes, and the Open311 key
    (the GeoReport endpoints under /open311/v2/)."""
    schemes = api.get_openapi_schema()["components"]["securitySchemes"]
    assert set(schemes) == {"SessionAuth", "CsrfToken", "Open311Key"}
    assert schemes["SessionAuth"] == {
        "type": "apiKey",
        "in": "cookie",
        "name": settings.SESSION_COOKIE_NAME,
        "description": SessionAuth.openapi_description,
    }


def test_signed_in_operations_declare_the_scheme_and_public_ones_nothing() -> None:
    found = operations()
    assert len(found) > 20
    for path, method, operation in found:
        if path.startswith(SIGNED_IN):
            expected = {"SessionAuth": []} | ({"CsrfToken": []} if method in UNSAFE else {})
            assert operation.get("security") == [expected], (method, path)
        elif path.startswith("/open311/"):  # the key: required to file, optional to read
            keyed = [{"Open311Key": []}]
            assert operation["security"] in (keyed, [{}, *keyed], [{}]), (method, path)
            assert method != "post" or operation["security"] == keyed
        else:
            assert "security" not in operation, (method, path)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/me/materials?scenario=newborn"),
        ("get", "/api/v1/insights/hotline/three-rates"),
        ("get", "/api/v1/hotline/tickets"),
        ("post", "/api/v1/hotline/tickets/371121-20260101-000001/start"),
        ("patch", "/api/v1/cases/drafts/00000000-0000-4000-8000-000000000000"),
    ],
)
def test_every_router_answers_a_signed_out_caller_in_the_error_shape(
    client: Any, english: None, method: str, path: str
) -> None:
    if method == "get":
        response = client.get(path)
    else:
        response = getattr(client, method)(path, data="{}", content_type="application/json")
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "unauthenticated"
    assert set(body) == {"code", "message"}
    assert body["message"].startswith("Sign in")
