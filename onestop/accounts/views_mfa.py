"""The second factor of staff: set up an authenticator app, and check its code after the
password. Thin: parse, call one service, render. `middleware.StaffSessionMiddleware` sends staff
here until their session is verified."""

from __future__ import annotations

from base64 import b32encode
from collections.abc import Callable
from urllib.parse import urlencode

import segno
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from onestop.accounts import selectors, services
from onestop.accounts.forms import TokenForm
from onestop.accounts.models import User
from onestop.core.errors import DomainError
from onestop.core.throttle import throttled


def next_path(request: HttpRequest, fallback: str = "/") -> str:
    """The `next` page of a form (POST, else GET), kept only when it is a path on this node
    (no host at all); else `fallback`. The pages of `accounts` that send someone back use it."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts=set()):
        return target
    return fallback


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101  (login_required guarantees it)
    return user


def _code_checked(
    request: HttpRequest, form: TokenForm, check: Callable[..., TOTPDevice]
) -> HttpResponse | None:
    """On a posted code: `check(actor=, token=)` (a service); a right code verifies the session
    and leaves for `next`, a wrong one becomes the form's error (None: render the page)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        device = check(actor=_user(request), token=form.cleaned_data["token"])
    except DomainError as exc:
        form.add_error("token", str(exc.message))
        return None
    otp_login(request, device)
    return HttpResponseRedirect(next_path(request))


def _to(name: str, request: HttpRequest) -> HttpResponse:
    return redirect(f"{reverse(name)}?{urlencode({'next': next_path(request)})}")


@login_required
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """Show the QR code of a new authenticator and confirm it with its first code."""
    user = _user(request)
    if selectors.mfa_enrolled(user):
        return _to("accounts:mfa_verify", request)
    device = services.mfa_enrol_start(actor=user)
    form = TokenForm(request.POST or None)
    done = _code_checked(request, form, services.mfa_enrol_confirm)
    if done is not None:
        return done
    return render(
        request,
        "accounts/mfa_enrol.html",
        {
            "form": form,
            "next": next_path(request),
            "qr": segno.make(device.config_url, error="m", micro=False).svg_data_uri(scale=4),
            "secret": b32encode(device.bin_key).decode(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@throttled("otp", key=lambda request: f"user:{request.user.pk}")
def verify(request: HttpRequest) -> HttpResponse:
    """Ask for the code of the authenticator after the password."""
    if not selectors.mfa_enrolled(_user(request)):
        return _to("accounts:mfa_enrol", request)
    form = TokenForm(request.POST or None)
    done = _code_checked(request, form, services.mfa_verify)
    if done is not None:
        return done
    return render(
        request,
        "accounts/mfa_verify.html",
        {
            "form": form,
            "next": next_path(request),
            "demo_code": selectors.demo_totp_code(_user(request)),
        },
    )
