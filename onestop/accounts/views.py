"""Sign-in, registration and the account page. Thin: parse, call one service, render."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from onestop.accounts import oidc, policies, selectors, services
from onestop.accounts.forms import CitizenRegisterForm
from onestop.accounts.models import User
from onestop.core.errors import DomainError
from onestop.core.throttle import throttled
from onestop.web import consoles, registry

# Which form field a service error code belongs to.
ERROR_FIELDS = {
    "invalid_username": "username",
    "duplicate_username": "username",
    "invalid_real_name": "real_name",
    "invalid_resident_id": "resident_id",
    "duplicate_resident_id": "resident_id",
    "invalid_phone": "phone",
    "invalid_password": "password1",
}


@method_decorator(throttled("login"), name="dispatch")
class LoginView(auth_views.LoginView):
    """The password login; it offers the identity provider when one is configured."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "oidc": oidc.configured()}

    def get_default_redirect_url(self) -> str:
        """Without a `next` page, staff land on their first console (web.consoles), everyone
        else on the home page."""
        return consoles.landing(self.request.user) or super().get_default_redirect_url()


LogoutView = auth_views.LogoutView


@require_http_methods(["GET", "POST"])
@throttled("register")
def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:me")
    form = CitizenRegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.citizen_register(
                username=data["username"],
                password=data["password1"],
                real_name=data["real_name"],
                resident_id=data["resident_id"],
                phone=data["phone"],
                language=request.LANGUAGE_CODE or "",  # the language registered in
            )
        except DomainError as exc:
            field = ERROR_FIELDS.get(exc.code)
            if field == "password1" and isinstance(exc.details, dict):
                for message in exc.details.get("password", []):
                    form.add_error("password1", message)
            else:
                form.add_error(field, str(exc.message))
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return HttpResponseRedirect(reverse("accounts:me"))
    return render(request, "accounts/register.html", {"form": form})


@login_required
def me(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # noqa: S101  (login_required guarantees it)
    roles = selectors.staff_role_list(actor=user, user=user)
    return render(
        request,
        "accounts/me.html",
        {
            "account": user,
            "roles": roles,
            "real_name_level": user.get_real_name_level_display(),
            "verified": selectors.assurance_verified(user),
            "kind": user.get_kind_display(),
            "languages": settings.LANGUAGES,
            "language": user.language or settings.LANGUAGE_CODE,
            # an unverified citizen may verify with the identity provider, when there is one
            "verify_online": oidc.configured() and user.kind == User.Kind.CITIZEN,
            # assisted handling: who may act for me, whom I may act for (valid or not)
            "delegations_given": selectors.delegations_given(actor=user),
            "delegations_held": selectors.delegations_held(actor=user),
            "may_grant": policies.can(user, policies.Action.DELEGATION_GRANT, None),
            "now": timezone.now(),
            # Links other apps add (e.g. cases: my applications, the consoles of staff).
            **registry.collect("account", request),
        },
    )


@login_required
@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """The language of the signed-in person's messages (notifications, SMS, e-mail)."""
    try:
        services.user_language_set(actor=request.user, language=request.POST.get("language", ""))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Your messages will be written in the language you chose."))
    return HttpResponseRedirect(reverse("accounts:me") + "#account-language")
