"""What every router of the node's API (/api/v1) shares: who the caller is, and the errors that
say they may not go on.

An operation for signed-in people declares ``auth=SessionAuth(...)`` (or its router does);
public operations declare nothing. The session cookie is Django's; unsafe methods (POST, PATCH,
PUT, DELETE) also need the CSRF token, like any form of the site. Both refusals are domain
errors, so the API's one exception handler answers them in the one error shape
``{"code", "message", "details"}``:

- not signed in: 401 ``unauthenticated`` (checked first: a signed-out write is a 401, not a
  CSRF refusal);
- signed in, but an unsafe request without a valid CSRF token: 403 ``csrf_failed``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination
from ninja.security import SessionAuth as NinjaSessionAuth
from ninja.utils import check_csrf

from onestop.core.errors import DomainError, PermissionDenied

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class ErrorOut(Schema):
    """The one error shape of the API (`DomainError.as_dict`): `details` only when there are
    any."""

    code: str
    message: str
    details: Any = None


class NotSignedIn(DomainError):
    """The caller is not signed in (401)."""

    status = 401
    code = "unauthenticated"


class CsrfFailed(PermissionDenied):
    """An unsafe request of a signed-in caller without a valid CSRF token (403)."""

    code = "csrf_failed"


class SessionAuth(NinjaSessionAuth):
    """Django's session, for people signed in on the site (citizens, staff).

    `message` is the translated sentence a signed-out caller reads (each router says who
    should sign in: "Sign in to apply online.", "Sign in as hotline or department staff
    first.", ...). The signed-in user becomes ``request.auth``.
    """

    openapi_description = (
        "Django's session cookie of a signed-in person; requests other than GET, HEAD, "
        "OPTIONS and TRACE also carry the CSRF token in the X-CSRFToken header."
    )

    def __init__(self, message: str | Promise | None = None, *, csrf: bool = True) -> None:
        super().__init__(csrf=csrf)
        self.message = message if message is not None else gettext_lazy("Sign in first.")

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            raise NotSignedIn(self.message)
        if (
            self.csrf
            and request.method not in SAFE_METHODS
            and not getattr(request, "_ninja_csrf_exempt", False)
            and check_csrf(request) is not None
        ):
            raise CsrfFailed(_("The request did not carry a valid CSRF token."))
        return user


# The deepest page a list operation serves: past it a list is filtered, not paged.
MAX_OFFSET = 100_000
MAX_LIMIT = 100


class BoundedLimitOffset(LimitOffsetPagination):
    """ninja's limit/offset pagination with both bounds in the OpenAPI document: `limit` 1-100
    (default 20), `offset` 0-100000; outside them a 422 in the one error shape."""

    class Input(Schema):
        limit: int = Field(20, ge=1, le=MAX_LIMIT)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)


def one_of(*names: str) -> dict[str, Any]:
    """The JSON-schema form of "exactly one of the fields `names`, each a non-empty string",
    for a body schema's ``json_schema_extra`` (the service still checks it)."""
    return {
        "oneOf": [
            {"required": [name], "properties": {name: {"type": "string", "minLength": 1}}}
            for name in names
        ]
    }
