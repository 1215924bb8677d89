"""Sign-in through the identity provider (OpenID Connect). Thin: `oidc` speaks to the provider,
`services.identity_provider_sign_in` decides whose account it is; failures get one page."""

from __future__ import annotations

from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

from onestop.accounts import oidc, services
from onestop.core import urls
from onestop.core.errors import DomainError

NEXT_KEY = "onestop_oidc_next"


def _error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return render(
        request,
        "accounts/oidc_error.html",
        {"message": exc.message, "code": exc.code},
        status=exc.status,
    )


@require_GET
def start(request: HttpRequest) -> HttpResponse:
    """Send the browser to the identity provider."""
    target = request.GET.get("next", "")
    # Only a path on this node (no host at all) is kept as the place to go back to.
    if url_has_allowed_host_and_scheme(target, allowed_hosts=set()):
        request.session[NEXT_KEY] = target
    try:
        return oidc.authorize_redirect(request, urls.absolute(reverse("accounts:oidc_callback")))
    except DomainError as exc:
        return _error(request, exc)


@require_GET
def callback(request: HttpRequest) -> HttpResponse:
    """The provider's answer: check it, then sign the verified person in."""
    try:
        verified = oidc.verify(request)
        user = services.identity_provider_sign_in(actor=request.user, verified=verified)
    except DomainError as exc:
        return _error(request, exc)
    target = request.session.pop(NEXT_KEY, "") or reverse("accounts:me")
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return HttpResponseRedirect(target)
