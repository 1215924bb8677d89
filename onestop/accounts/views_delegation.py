"""Assisted handling (帮办代办) and the elderly-friendly mode. Thin: parse, call one service or
selector, render.

- `grant`: the person lets a helper (named by resident ID) act for them, in my account;
- `record`: a window clerk records that consent with the person present;
- `revoke`: the person ends a delegation (or the helper gives it up);
- `acting`: the helper's "act for …" switch in the header (the session key
  `middleware.SESSION_ACTING`);
- `elderly`: the elderly-friendly switch in the header (a cookie, and the account).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from onestop.accounts import policies, selectors, services
from onestop.accounts.middleware import SESSION_ACTING
from onestop.accounts.models import Delegation
from onestop.accounts.views_mfa import next_path
from onestop.core.dates import date_text
from onestop.core.errors import DomainError, NotFound
from onestop.core.throttle import throttled
from onestop.org import selectors as org_selectors
from onestop.web.elderly import COOKIE, COOKIE_MAX_AGE

# Which form field a service error code belongs to.
ERROR_FIELDS = {
    "invalid_resident_id": "helper_resident_id",
    "invalid_name": "helper_name",
    "invalid_scope": "scopes",
    "invalid_until": "valid_until",
    "invalid_consent": "consent_note",
    "not_found": "person_resident_id",
    "invalid_person": "person_resident_id",
    "invalid_phone": "person_phone",
    "phone_shared": "person_choice",
    "phone_shared_many": "person_phone",
    "invalid_choice": "person_choice",
}
# After these errors the phone's accounts are not shown again (the number is wrong, unknown,
# or too widely shared).
NO_CHOOSER = frozenset({"invalid_phone", "not_found", "phone_shared_many", "forbidden"})


def _date(raw: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat((raw or "").strip())
    except ValueError:
        return None


def _form_context(request: HttpRequest, errors: dict[str, str]) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "scopes": Delegation.Scope.choices,
        "values": request.POST if request.method == "POST" else {},
        "chosen": request.POST.getlist("scopes") if request.method == "POST" else ["cases"],
        "default_until": (today + datetime.timedelta(days=90)).isoformat(),
        "min_until": (today + datetime.timedelta(days=1)).isoformat(),
        "max_until": (today + datetime.timedelta(days=services.DELEGATION_MAX_DAYS)).isoformat(),
        "errors": errors,
        "error_summary": [{"href": f"#{f}", "text": m} for f, m in errors.items()],
    }


@login_required
@require_http_methods(["GET", "POST"])
@throttled("delegation", key=lambda request: f"user:{request.user.pk}")
def grant(request: HttpRequest) -> HttpResponse:
    """The person names a helper: resident ID, name, what they may do, until when."""
    if not policies.can(request.user, policies.Action.DELEGATION_GRANT, None):
        messages.error(request, _("Only a citizen may let someone act for them."))
        return HttpResponseRedirect(reverse("accounts:me"))
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            services.delegation_grant(
                actor=request.user,
                helper_resident_id=request.POST.get("helper_resident_id", ""),
                helper_name=request.POST.get("helper_name", ""),
                scopes=request.POST.getlist("scopes"),
                valid_until=_date(request.POST.get("valid_until", "")),
            )
        except DomainError as exc:
            errors[ERROR_FIELDS.get(exc.code or "", "helper_resident_id")] = str(exc.message)
        else:
            messages.success(
                request,
                _(
                    "Saved. The person with that resident ID can act for you once they sign in "
                    "with it; you can revoke this at any time below."
                ),
            )
            return HttpResponseRedirect(reverse("accounts:me") + "#delegations")
    return render(request, "accounts/delegation_grant.html", _form_context(request, errors))


def _chooser(request: HttpRequest, error: DomainError) -> list[dict[str, Any]]:
    """The accounts sharing the posted phone number to choose from, masked: those the service
    gave with `phone_shared`, or, when the clerk had chosen and something else was wrong, the
    same accounts again (`services.phone_candidates`: each shown one is recorded)."""
    if error.code == "phone_shared":
        return list((error.details or {}).get("candidates", []))
    post = request.POST
    if (
        error.code in NO_CHOOSER
        or post.get("person_resident_id", "").strip()
        or not post.get("person_choice", "").strip()
    ):
        return []
    try:
        shown = services.phone_candidates(actor=request.user, phone=post.get("person_phone", ""))
    except DomainError:
        return []
    return [c.as_dict() for c in shown]


@login_required
@require_http_methods(["GET", "POST"])
def record(request: HttpRequest) -> HttpResponse:
    """A window clerk records a person's consent, the person present at the window. When
    several accounts share the phone number given, the form shows them (masked) to choose
    the person present from."""
    centres = [
        c
        for c in org_selectors.centre_list_node()
        if policies.can(request.user, policies.Action.DELEGATION_RECORD, c)
    ]
    if not centres:
        return render(request, "web/forbidden.html", status=403)
    errors: dict[str, str] = {}
    candidates: list[dict[str, Any]] = []
    if request.method == "POST":
        centre = next((c for c in centres if c.slug == request.POST.get("centre")), None)
        try:
            if centre is None:
                raise DomainError(_("Choose the service centre."), code="invalid_centre")
            delegation = services.delegation_record(
                actor=request.user,
                centre=centre,
                person_resident_id=request.POST.get("person_resident_id", ""),
                person_phone=request.POST.get("person_phone", ""),
                person_choice=request.POST.get("person_choice", ""),
                helper_resident_id=request.POST.get("helper_resident_id", ""),
                helper_name=request.POST.get("helper_name", ""),
                scopes=request.POST.getlist("scopes"),
                valid_until=_date(request.POST.get("valid_until", "")),
                consent_note=request.POST.get("consent_note", ""),
            )
        except DomainError as exc:
            field = ERROR_FIELDS.get(exc.code or "", "person_resident_id")
            if exc.code == "invalid_centre":
                field = "centre"
            by_phone = not request.POST.get("person_resident_id", "").strip() and bool(
                request.POST.get("person_phone", "").strip()
            )
            if field == "person_resident_id" and by_phone:
                field = "person_phone"
            errors[field] = str(exc.message)
            candidates = _chooser(request, exc) if by_phone else []
            if field == "person_choice" and not candidates:
                errors["person_phone"] = errors.pop(field)
        else:
            messages.success(
                request,
                _("Recorded: %(helper)s may act for the person until %(until)s.")
                % {
                    "helper": delegation.delegate_name,
                    "until": date_text(delegation.valid_until),
                },
            )
            return HttpResponseRedirect(reverse("accounts:delegation_record"))
    context = _form_context(request, errors)
    context["centres"] = centres
    context["candidates"] = candidates
    chosen = request.POST.get("person_choice", "") if request.method == "POST" else ""
    context["person_choice"] = chosen if any(c["choice"] == chosen for c in candidates) else ""
    return render(request, "accounts/delegation_record.html", context)


@login_required
@require_POST
def revoke(request: HttpRequest, delegation_id: str) -> HttpResponse:
    try:
        delegation = selectors.delegation_get(actor=request.user, delegation_id=delegation_id)
        services.delegation_revoke(actor=request.user, delegation=delegation)
    except NotFound as exc:  # not theirs, or no such delegation: the same answer
        raise Http404(str(exc.message)) from exc
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        if request.session.get(SESSION_ACTING) == str(delegation.pk):
            request.session.pop(SESSION_ACTING, None)
        messages.success(request, _("The delegation is revoked: it can no longer be used."))
    return HttpResponseRedirect(reverse("accounts:me") + "#delegations")


@login_required
@require_POST
def acting(request: HttpRequest) -> HttpResponse:
    """The helper's switch: act for a person (a delegation id) or for oneself (empty)."""
    chosen = request.POST.get("delegation", "")
    if not chosen:
        request.session.pop(SESSION_ACTING, None)
        messages.info(request, _("You are acting for yourself again."))
        return HttpResponseRedirect(next_path(request, reverse("accounts:me")))
    try:
        person = selectors.acting_as(actor=request.user, delegation_id=chosen)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return HttpResponseRedirect(reverse("accounts:me"))
    request.session[SESSION_ACTING] = chosen
    messages.info(
        request,
        _("You are now acting for %(name)s. Everything you do is recorded as done by you for them.")
        % {"name": person.real_name or person.username},
    )
    scopes = person.acting_delegation.scopes  # type: ignore[attr-defined]
    # the first of the person's pages the delegation reaches
    if Delegation.Scope.CASES in scopes:
        target = reverse("cases:my_cases")
    elif Delegation.Scope.LICENCES in scopes:
        target = reverse("credentials:wallet")
    else:
        target = reverse("reviews:my_reviews")
    return HttpResponseRedirect(target)


@require_POST
def elderly(request: HttpRequest) -> HttpResponse:
    """Turn the elderly-friendly mode on or off: remembered in a cookie, and on the account of a
    signed-in person (who is themself here, never acting for someone)."""
    on = request.POST.get("elderly") == "1"
    user = request.user
    if user.is_authenticated and policies.can(user, policies.Action.PROFILE_UPDATE, user):
        services.user_elderly_set(actor=user, on=on)
    response = HttpResponseRedirect(next_path(request, reverse("web:home")))
    response.set_cookie(
        COOKIE, "1" if on else "0", max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True
    )
    return response


def header(request: HttpRequest, **kwargs: Any) -> dict[str, Any]:
    """For every page's header (`web.registry` slot ``site``): the people the signed-in helper
    may act for (the "act for …" switch), and whom they act for now (the banner)."""
    user = getattr(request, "agent", None) or getattr(request, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return {}
    try:
        choices = selectors.acting_choices(actor=user)
    except DatabaseError:
        return {}
    return {"acting_choices": choices, "acting_for": getattr(request, "acting_for", None)}
