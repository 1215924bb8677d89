"""The node's HTTP API (/api/v1): one router per app, one error shape for domain errors.

Operations for signed-in people declare ``auth=onestop.core.api.SessionAuth(...)`` (on their
router or themselves); the others are public."""

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError

from onestop.core.api import NotSignedIn
from onestop.core.errors import DomainError

api = NinjaAPI(
    title="OneStop API",
    version="1",
    description="One-stop government services: catalogue, search and more.",
    urls_namespace="api",
)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    """An auth class that answers "nobody" instead of raising `NotSignedIn` (ours raises)."""
    return domain_error(request, NotSignedIn(_("Sign in first.")))


@api.exception_handler(NinjaValidationError)
def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return api.create_response(
        request,
        {"code": "invalid", "message": _("The request is not valid."), "details": exc.errors},
        status=422,
    )


def _register() -> None:
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


_register()
