"""Staff sessions: a verified second factor before any page, and an idle limit.

A person who must use a second factor (`selectors.mfa_required`: superusers and staff) and whose
session has not verified one (django-otp's `OTPMiddleware`, installed before this one, says so
with `request.user.is_verified()`) reaches only the pages that set it up or check it, the logout
and the static files: every console (window, office, hotline desk, supervisor, admin) and every
other page sends them to the verify page (or the enrol page, without a confirmed device), and
the API answers 403 `mfa_required`.

A staff session that has seen no request for `STAFF_SESSION_IDLE_SECONDS` (8 hours) ends: the
person is signed out and sent to the login page. Citizens keep the default session length.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _

from onestop.accounts import selectors
from onestop.core.errors import DomainError, NotFound, PermissionDenied

# The session key holding when the staff session last saw a request (epoch seconds).
SEEN_KEY = "onestop_staff_seen"
# The last-seen time is rewritten at most this often (a session write per request is waste).
SEEN_RESOLUTION_SECONDS = 60


def _exempt(path: str) -> bool:
    static = settings.STATIC_URL or "/static/"
    return path.startswith((static, "/accounts/mfa/", "/accounts/logout/", "/i18n/", "/favicon"))


class StaffSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if selectors.mfa_required(user):
            refused = self._idle(request) or self._unverified(request)
            if refused is not None:
                return refused
        return self.get_response(request)

    @staticmethod
    def _idle(request: HttpRequest) -> HttpResponse | None:
        now = int(time.time())
        idle = int(settings.STAFF_SESSION_IDLE_SECONDS)
        seen = request.session.get(SEEN_KEY)
        if isinstance(seen, int) and now - seen > idle:
            logout(request)
            messages.info(request, _("You were signed out after 8 hours without activity."))
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse(settings.LOGIN_URL)}?{query}")
        if not isinstance(seen, int) or now - seen >= SEEN_RESOLUTION_SECONDS:
            request.session[SEEN_KEY] = now
            request.session.set_expiry(idle)
        return None

    @staticmethod
    def _unverified(request: HttpRequest) -> HttpResponse | None:
        if request.user.is_verified() or _exempt(request.path):  # type: ignore[union-attr]
            return None
        if request.path.startswith("/api/"):
            return JsonResponse(
                {
                    "code": "mfa_required",
                    "message": _("Verify your second factor (authenticator app) first."),
                    "details": None,
                },
                status=403,
            )
        enrolled = selectors.mfa_enrolled(request.user)  # type: ignore[arg-type]
        target = reverse("accounts:mfa_verify" if enrolled else "accounts:mfa_enrol")
        return HttpResponseRedirect(f"{target}?{urlencode({'next': request.get_full_path()})}")


# Assisted handling: the session key of the delegation the signed-in helper acts under.
SESSION_ACTING = "onestop_acting_for"
# The pages where a helper acts as the person, and what the delegation must allow there.
# Everywhere else (my account, notifications, the data tracker, consoles) the helper is
# themself.
ACTING_PATHS: tuple[tuple[str, str], ...] = (
    ("/apply/", "cases"),
    ("/me/cases/", "cases"),
    ("/wallet/", "licences"),
    ("/me/reviews/", "reviews"),
    ("/12345/", "hotline"),
    ("/me/12345/", "hotline"),
)
# The API operations a helper may call for the person (`On-Behalf-Of: <delegation id>`), and
# what the delegation must allow there. Any other operation refuses the header.
ACTING_HEADER = "On-Behalf-Of"
API_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"})
API_PREFIX = "/api/v1/"
ACTING_API_PATHS: tuple[tuple[str, str], ...] = (
    ("/api/v1/cases/", "cases"),
    ("/api/v1/me/materials", "cases"),
    ("/api/v1/me/prefill", "cases"),
    ("/api/v1/reviews", "reviews"),
)


def acting_scope(path: str) -> str | None:
    """The delegation scope a page needs for a helper to act there as the person, or None
    (the page is the helper's own)."""
    for prefix, scope in ACTING_PATHS:
        if path.startswith(prefix):
            return scope
    return None


def acting_api_scope(path: str) -> str | None:
    """The delegation scope an API operation at `path` needs for a helper to call it for the
    person (`On-Behalf-Of`), or None (the operation is nobody's to call for someone else)."""
    for prefix, scope in ACTING_API_PATHS:
        if path.startswith(prefix) and not path.startswith("/api/v1/reviews/stats"):
            return scope
    return None


def _api_methods(path: str) -> frozenset[str]:
    """The methods the API operations at `path` answer (django-ninja keeps them on the path's
    view, a closure over its `PathView`), so that a request with a method nobody declared gets
    the API's own 405 rather than a refusal of the delegation; empty for a path that is no
    operation's (the API's own 404)."""
    try:
        view = resolve(path).func
    except Resolver404:
        return frozenset()
    for cell in getattr(view, "__closure__", None) or ():
        operations = getattr(cell.cell_contents, "operations", None)
        if operations is not None:
            return frozenset(m.upper() for op in operations for m in op.methods)
    return API_METHODS


def _api_refusal(error: DomainError) -> JsonResponse:
    return JsonResponse(error.as_dict(), status=error.status)


class ActingForMiddleware:
    """A helper who switched to "act for" a person (`SESSION_ACTING`, set by
    `views.acting`) is that person on the pages of `ACTING_PATHS` the delegation reaches:
    `request.user` is the person's account carrying `acting_agent` (the helper, also
    `request.agent`) and `acting_delegation`, which the policies check on every action
    (`policies.acts_for`). A revoked or expired delegation ends the switch at the next
    request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.agent = None  # type: ignore[attr-defined]
        user = getattr(request, "user", None)
        if request.path.startswith(API_PREFIX):
            refused = self._api(request, user)
            if refused is not None:
                return refused
            return self.get_response(request)
        delegation_id = request.session.get(SESSION_ACTING) if hasattr(request, "session") else None
        if delegation_id and user is not None and user.is_authenticated:
            try:
                person = selectors.acting_as(actor=user, delegation_id=delegation_id)
            except DomainError:
                request.session.pop(SESSION_ACTING, None)
                messages.warning(
                    request,
                    _("The delegation has ended: you are acting for yourself again."),
                )
            else:
                request.acting_for = person  # type: ignore[attr-defined]
                scope = acting_scope(request.path)
                reach = person.acting_delegation.scopes  # type: ignore[attr-defined]
                if scope is not None and scope in reach:
                    request.agent = user  # type: ignore[attr-defined]
                    request.user = person
        return self.get_response(request)

    @staticmethod
    def _api(request: HttpRequest, user: Any) -> HttpResponse | None:
        """`On-Behalf-Of` on an API request: the person for the helper, or the refusal."""
        delegation_id = request.headers.get(ACTING_HEADER, "").strip()
        if (
            not delegation_id
            or user is None
            or not user.is_authenticated
            or request.method not in _api_methods(request.path_info)
        ):
            # no header; signed out (the operation answers 401 itself); or not this path's
            # method, or no such path (the API answers 405 / 404 itself)
            return None
        scope = acting_api_scope(request.path)
        if scope is None:
            return _api_refusal(
                PermissionDenied(
                    _("This operation cannot be done for someone else."), code="acting_not_here"
                )
            )
        try:
            person = selectors.acting_as(actor=user, delegation_id=delegation_id)
        except NotFound as error:
            # 403, like the other refusals of the header (not 404: the operation exists, and
            # its own checks — a required header, the body — come first in the API's order);
            # the same answer whether the id is nobody's or someone else's.
            return _api_refusal(PermissionDenied(error.message, code="delegation_unknown"))
        except DomainError as error:
            return _api_refusal(error)
        if scope not in person.acting_delegation.scopes:  # type: ignore[attr-defined]
            return _api_refusal(
                PermissionDenied(
                    _("The delegation does not let you do this for the person."),
                    code="delegation_out_of_scope",
                )
            )
        request.acting_for = person  # type: ignore[attr-defined]
        request.agent = user  # type: ignore[attr-defined]
        request.user = person
        return None
