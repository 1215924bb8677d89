"""The node's HTTP API (/api/v1): one router per app, one error shape for every error.

Operations for signed-in people declare ``auth=onestop.core.api.SessionAuth(...)`` (on their
router or themselves); the others are public. Every error, whatever raised it (a domain error, a
refused parameter, a malformed body, an unknown path, a wrong method, a crash), answers
``{"code", "message", "details"?}``: the handlers below for what reaches an operation,
`core.middleware.HardeningMiddleware` for the rest. The OpenAPI document lists every error an
operation may answer and the security schemes (`OneStopAPI.get_openapi_schema`)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from onestop.accounts.middleware import ACTING_HEADER, acting_api_scope
from onestop.core.api import ErrorOut, NotSignedIn
from onestop.core.errors import DomainError
from onestop.core.inputs import CleanParser

UNSAFE = frozenset({"post", "put", "patch", "delete"})
ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}
ERRORS = {
    400: "The request is not valid (code says why).",
    401: "Not signed in.",
    403: "Signed in, but not allowed (or no valid CSRF token on a write).",
    404: "No such object, or not one the caller may see.",
    409: "The object's state does not allow this now.",
    413: "The request body is too large.",
    422: "A parameter or the body does not match this document (details lists each).",
    429: "Too many requests: wait the seconds of Retry-After.",
}
SECURITY_SCHEMES = {
    "CsrfToken": {
        "type": "apiKey",
        "in": "header",
        "name": "X-CSRFToken",
        "description": (
            "The value of the csrftoken cookie; every request other than GET, HEAD, OPTIONS "
            "and TRACE of a signed-in person carries it."
        ),
    },
    "Open311Key": {
        "type": "apiKey",
        "in": "header",
        "name": "X-Api-Key",
        "description": (
            "The API key of an Open311 (GeoReport v2) client under /open311/v2/, in this "
            "header or as api_key in a POST body (never in the URL)."
        ),
    },
}


def on_behalf_of(scope: str) -> dict[str, Any]:
    """The `On-Behalf-Of` header of an operation a helper may call for a person (assisted
    handling, docs/accounts.md), naming the delegation scope it needs."""
    return {
        "name": ACTING_HEADER,
        "in": "header",
        "required": False,
        "description": (
            "Assisted handling: the id of a delegation the signed-in caller holds; the "
            f"operation then acts for the delegation's person. Needs the scope '{scope}', a "
            "delegation not revoked and not expired (403 delegation_ended, "
            "delegation_out_of_scope; 403 delegation_unknown for a delegation not the "
            "caller's or no such id)."
        ),
        "schema": {"type": "string", "format": "uuid"},
    }


class OneStopAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> Any:
        """ninja's document, with every operation's error answers (in the one error shape),
        the CSRF header beside the session cookie on writes, and the Open311 key scheme."""
        schema = super().get_openapi_schema(**kwargs)
        components = schema.setdefault("components", {})
        components.setdefault("schemas", {})["ErrorOut"] = ErrorOut.model_json_schema()
        components.setdefault("securitySchemes", {}).update(SECURITY_SCHEMES)
        retry_after = {
            "Retry-After": {
                "description": "Seconds to wait before trying again.",
                "schema": {"type": "integer", "minimum": 1},
            }
        }
        for path, operations in schema["paths"].items():
            acting_scope = acting_api_scope(path)
            for method, operation in operations.items():
                secured = bool(operation.get("security"))
                if acting_scope is not None:
                    operation.setdefault("parameters", []).append(on_behalf_of(acting_scope))
                codes = [400, 404, 422, 429]
                if secured:
                    codes += [401, 403]
                if method in UNSAFE:
                    codes += [409, 413]
                    if secured:
                        operation["security"] = [
                            {**requirement, "CsrfToken": []}
                            for requirement in operation["security"]
                        ]
                responses = operation.setdefault("responses", {})
                for code in sorted(codes):
                    body: dict[str, Any] = {
                        "description": ERRORS[code],
                        "content": {"application/json": {"schema": ERROR_REF}},
                    }
                    if code == 429:
                        body["headers"] = retry_after
                    responses.setdefault(code, body)
        # GeoReport v2 (its own error shape and key; the same document, one client for both)
        from onestop.open311 import openapi as open311_openapi

        schema["paths"].update(open311_openapi.paths())
        components["schemas"].update(open311_openapi.schemas())
        return schema


api = OneStopAPI(
    title="OneStop API",
    version="1",
    description=(
        "One-stop government services: catalogue, search and more. Every error under "
        "/api/v1/ answers {code, message, details?} (ErrorOut). The Open311 GeoReport v2 "
        "operations under /open311/v2/ (tag open311, in JSON and XML) answer GeoReport's "
        "errors, a list of {code, description} (Open311Errors)."
    ),
    urls_namespace="api",
    parser=CleanParser(),
)


def _error(request: HttpRequest, status: int, code: str, message: Any, details: Any = None) -> Any:
    body: dict[str, Any] = {"code": code, "message": str(message)}
    if details is not None:
        body["details"] = details
    return api.create_response(request, body, status=status)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    response = api.create_response(request, exc.as_dict(), status=exc.status)
    if retry_after := getattr(exc, "retry_after", None):
        response["Retry-After"] = str(retry_after)
    return response


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    """An auth class that answers "nobody" instead of raising `NotSignedIn` (ours raises)."""
    return domain_error(request, NotSignedIn(_("Sign in first.")))


@api.exception_handler(NinjaValidationError)
def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return _error(request, 422, "invalid", _("The request is not valid."), exc.errors)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """ninja's own refusals; the one it raises itself is a body that does not parse."""
    if exc.status_code == 400:
        return _error(request, 400, "malformed_body", _("The request body is not valid JSON."))
    return _error(request, exc.status_code, "invalid", _("The request is not valid."))


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", _("There is nothing at this address."))


def _register() -> None:
    from onestop.benefits.api import router as benefits_router
    from onestop.cases.api import router as cases_router
    from onestop.cases.api_burden import router as cases_burden_router
    from onestop.cases.api_holdings import router as cases_holdings_router
    from onestop.catalog.api import router as catalog_router
    from onestop.credentials.api import router as credentials_router
    from onestop.hotline.api import router as hotline_router
    from onestop.hotline.routing_api import router as hotline_routing_router
    from onestop.insights.api import router as insights_router
    from onestop.knowledge.api import router as knowledge_router
    from onestop.ledger.api import router as ledger_router
    from onestop.org.api import router as org_router
    from onestop.reviews.api import router as reviews_router

    api.add_router("", org_router)
    api.add_router("", catalog_router)
    api.add_router("", knowledge_router)
    api.add_router("/ledger", ledger_router)
    api.add_router("", cases_holdings_router)  # /me/materials, /me/prefill
    api.add_router("/credentials", credentials_router)
    api.add_router("/hotline", hotline_router)
    api.add_router("/hotline", hotline_routing_router)
    api.add_router("/insights", insights_router)
    api.add_router("/cases", cases_router)
    api.add_router("", cases_burden_router)
    api.add_router("/reviews", reviews_router)
    api.add_router("/benefits", benefits_router)


_register()
