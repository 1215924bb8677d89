"""The node's hardening in one middleware (`HardeningMiddleware`, early in MIDDLEWARE):

- inputs: control characters stripped from query strings and form bodies (`core.inputs`);
  in the query strings of `MARKED_QUERY_PREFIXES` (Open311) replaced by U+FFFD instead;
- outputs: ``Cache-Control: no-store`` on personal pages and API answers (a shared terminal in
  a service hall keeps nothing of them), ``Permissions-Policy`` on every answer;
- errors under ``/api/`` and ``/open311/`` in their documented shape whatever raised them: an
  unknown path (404), a wrong method (405, with ``Allow``), a body over the limit (413), a
  crash (500). The shape of a prefix is registered in `ERROR_SHAPES` (the API's JSON here,
  Open311's JSON or XML by the Open311 app).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from onestop.core.inputs import clean_querydict, mark_text

# Personal pages and API answers: never stored by a browser or a proxy.
NO_STORE_PREFIXES = (
    "/accounts/",
    "/me/",
    "/wallet/",
    "/api/v1/me/",
    "/api/v1/cases/",
    "/api/v1/hotline/",
    "/api/v1/insights/",
    "/admin/",
)

ErrorRenderer = Callable[[HttpRequest, int, str, str], HttpResponse]


def api_error(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    """The API's one error shape ``{"code", "message"}``."""
    return JsonResponse({"code": code, "message": message}, status=status)


# Machine interfaces whose query parameters have documented patterns: control characters in
# their query strings become U+FFFD instead of disappearing.
MARKED_QUERY_PREFIXES = ("/open311/",)

# Path prefix -> the renderer of its error shape (apps above core register theirs).
ERROR_SHAPES: dict[str, ErrorRenderer] = {"/api/": api_error}

CODES = {
    400: "invalid",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    429: "rate_limited",
    500: "server_error",
}


def _message(status: int) -> str:
    messages = {
        400: _("The request is not valid."),
        401: _("Sign in first."),
        403: _("You may not do this."),
        404: _("There is nothing at this address."),
        405: _("This address does not accept this method."),
        413: _("The request is too large."),
        429: _("Too many requests. Wait a moment, then try again."),
    }
    return str(messages.get(status, _("Something went wrong on our side. Try again later.")))


def _shape_for(path: str) -> ErrorRenderer | None:
    for prefix, renderer in ERROR_SHAPES.items():
        if path.startswith(prefix):
            return renderer
    return None


def _in_shape(response: HttpResponse) -> bool:
    kind = response.get("Content-Type", "")
    return kind.startswith(("application/json", "text/xml", "application/xml"))


class HardeningMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(MARKED_QUERY_PREFIXES):
            # a value keeps its length and fails its documented pattern (a 400), as the API's
            # parser does; stripped, a refused value could turn into an accepted one
            request.GET = clean_querydict(request.GET, mark_text)  # type: ignore[assignment]
        elif not request.path.startswith("/api/"):  # the API's parser marks them instead
            request.GET = clean_querydict(request.GET)  # type: ignore[assignment]
        if request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            # Parsing here (CSRF would anyway); an over-large body answers 413 below.
            request.POST = clean_querydict(request.POST)  # type: ignore[assignment]
        response = self.get_response(request)
        return self._after(request, response)

    def _after(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        path = request.path
        renderer = _shape_for(path)
        if renderer is not None and response.status_code >= 400 and not _in_shape(response):
            shaped = renderer(
                request,
                response.status_code,
                CODES.get(response.status_code, "error"),
                _message(response.status_code),
            )
            for header in ("Allow", "Retry-After", "Vary"):
                if header in response:
                    shaped[header] = response[header]
            response = shaped
        user = getattr(request, "user", None)
        personal = path.startswith(NO_STORE_PREFIXES) or bool(
            user is not None and user.is_authenticated and not path.startswith("/static/")
        )
        if personal:
            response["Cache-Control"] = "no-store"
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


def bad_request(request: HttpRequest, exception: Any = None) -> HttpResponse:
    """Django's 400 handler: a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (or with too many
    fields or files) is a 413, anything else a 400; in the error shape under the API prefixes,
    a short page elsewhere."""
    from django.core.exceptions import (
        RequestDataTooBig,
        TooManyFieldsSent,
        TooManyFilesSent,
    )

    status = (
        413
        if isinstance(exception, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent)
        else 400
    )
    renderer = _shape_for(request.path)
    if renderer is not None:
        return renderer(request, status, CODES[status], _message(status))
    return HttpResponse(_message(status), status=status, content_type="text/plain; charset=utf-8")
