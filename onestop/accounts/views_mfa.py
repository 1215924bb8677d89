"""The second factor of staff: set up an authenticator app, and check its code after the
password. Thin: parse, call one service, render. `middleware.StaffSessionMiddleware` sends staff
here until their session is verified."""

from __future__ import annotations

from base64 import b32encode
from urllib.parse import urlencode

import segno
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from onestop.accounts import selectors, services
from onestop.accounts.forms import TokenForm
from onestop.accounts.models import User
from onestop.core.errors import DomainError


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101  (login_required guarantees it)
    return user


@login_required
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """Show the QR code of a new authenticator and confirm it with its first code."""
    user = _user(request)
    if selectors.mfa_enrolled(user):
        return redirect(f"{reverse('accounts:mfa_verify')}?{urlencode({'next': _next(request)})}")
    device = services.mfa_enrol_start(actor=user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            confirmed = services.mfa_enrol_confirm(actor=user, token=form.cleaned_data["token"])
        except DomainError as exc:
            form.add_error("token", str(exc.message))
        else:
            otp_login(request, confirmed)
            return HttpResponseRedirect(_next(request))
    uri = device.config_url
    return render(
        request,
        "accounts/mfa_enrol.html",
        {
            "form": form,
            "next": _next(request),
            "qr": segno.make(uri, error="m", micro=False).svg_data_uri(scale=4, border=4),
            "secret": b32encode(device.bin_key).decode(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Ask for the code of the authenticator after the password."""
    user = _user(request)
    if not selectors.mfa_enrolled(user):
        return redirect(f"{reverse('accounts:mfa_enrol')}?{urlencode({'next': _next(request)})}")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.mfa_verify(actor=user, token=form.cleaned_data["token"])
        except DomainError as exc:
            form.add_error("token", str(exc.message))
        else:
            otp_login(request, device)
            return HttpResponseRedirect(_next(request))
    return render(request, "accounts/mfa_verify.html", {"form": form, "next": _next(request)})
