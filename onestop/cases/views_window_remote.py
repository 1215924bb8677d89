"""Received elsewhere (异地代收代办) at the window: the clerk chooses the region, finds the
peer's item through federated search, fills in its form as that node describes it, scans the
materials, confirms the ID card and originals were checked, and forwards the application (or
issues the one-time notice). The application received here is then shown at the window as a
mirror: its receipt, the handling region's steps, and the result to hand over.

Thin views, as `views_window`: parse, call one service or selector, render.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from onestop.cases import selectors, services
from onestop.cases.forms_apply import ApplicationForm
from onestop.cases.models import Case
from onestop.cases.views_apply import error_summary
from onestop.cases.views_remote import remote_materials, remote_names
from onestop.cases.views_window import walkin_from_session, window_case_url, window_seat
from onestop.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from onestop.web.views import forbidden


def peer_regions() -> list[tuple[str, str]]:
    """The regions of this node's peers ([(code, name)]), for the clerk's choice."""
    from onestop.knowledge import federated

    return [(code, name) for code, name in federated.regions() if code != settings.NODE_REGION]


def _person(request: HttpRequest) -> selectors.Walkin:
    walkin = walkin_from_session(request)
    if walkin is None or walkin.kind != "person" or not walkin.index:
        raise ValidationFailed(_("Look the walk-in up by resident ID first."), code="no_walkin")
    return walkin


@login_required
@require_GET
def remote_search(request: HttpRequest) -> HttpResponse:
    """Find an item of a peer's region for the walk-in (federated catalogue search)."""
    try:
        selectors.require_clerk(request.user)
    except PermissionDenied as error:
        return forbidden(request, str(error.message))
    from onestop.knowledge import federated

    region = request.GET.get("region", "").strip()
    query = request.GET.get("q", "").strip()
    context: dict[str, Any] = {"regions": peer_regions(), "region": region, "q": query}
    status = 200
    try:
        context["walkin"] = _person(request)
        if region and query:
            if region == settings.NODE_REGION:
                raise ValidationFailed(
                    _("This item is of this node's region: start it from the console."),
                    code="local_item",
                )
            hits = federated.search(q=query, region=region, lang=get_language() or "zh-hans")
            context["hits"] = [
                {
                    **hit,
                    "href": reverse(
                        "cases:window_remote_apply", kwargs={"region": region, "code": hit["code"]}
                    ),
                }
                for hit in hits
            ]
    except DomainError as error:
        context["message"] = str(error.message)
        status = error.status
    return render(request, "cases/window/remote_search.html", context, status=status)


def _delivery_choices(walkin: selectors.Walkin, item: dict[str, Any]) -> list[tuple[str, str]]:
    choices = [(Case.Delivery.WINDOW.value, _("Collection at this window"))]
    if walkin.account is not None and item.get("e_licence"):
        choices.append((Case.Delivery.WALLET.value, _("E-licence in the wallet")))
    return choices


@login_required
@require_http_methods(["GET", "POST"])
def remote_apply(request: HttpRequest, region: str, code: str) -> HttpResponse:
    """The peer's item at the window: its form, the scans, the delivery, the identity check;
    forward it (the receipt follows) or issue the one-time notice."""
    try:
        selectors.require_clerk(request.user)
    except PermissionDenied as error:
        return forbidden(request, str(error.message))
    try:
        walkin = _person(request)
        item = services.remote_item_get(region=region, code=code)
    except NotFound as error:
        raise Http404(str(error.message)) from None
    except DomainError as error:
        messages.error(request, str(error.message))
        return HttpResponseRedirect(reverse("cases:window_remote"))
    from onestop.cases.services.forwarding_window import open_notice

    notice = open_notice(walkin=walkin, region=region, code=code)
    form = ApplicationForm(
        request.POST or None,
        schema=item["form"],
        initial=dict(notice.form_data or {}) if notice is not None else None,
    )
    message = ""
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                return _remote_post(request, walkin, region, code, form)
            except DomainError as error:
                message = str(error.message)
                status = error.status
                for key in (error.details or {}).get("fields") or [] if error.details else []:
                    if key in form.fields:
                        form.add_error(key, _("Fill in this field."))
    return render(
        request,
        "cases/window/remote_apply.html",
        {
            "item": item,
            "title": remote_names(item, request),
            "department": remote_names(item, request, "department"),
            "region": region,
            "code": code,
            "form": form,
            "materials": remote_materials(item, request),
            "scanned": (
                set(notice.materials.filter(mode="upload").values_list("key", flat=True))
                if notice is not None
                else set()
            ),
            "notice": notice,
            "walkin": walkin,
            "seat": window_seat(request),
            "deliveries": _delivery_choices(walkin, item),
            "delivery": request.POST.get("delivery") or Case.Delivery.WINDOW.value,
            "errors": error_summary(form) if request.method == "POST" else [],
            "message": message,
            "key": request.POST.get("key") or uuid.uuid4().hex,
        },
        status=status,
    )


def _remote_post(
    request: HttpRequest,
    walkin: selectors.Walkin,
    region: str,
    code: str,
    form: ApplicationForm,
) -> HttpResponse:
    files = dict(request.FILES.items())
    if request.POST.get("action") == "notice":
        document = services.window_forward_notice(
            actor=request.user,
            walkin=walkin,
            region=region,
            code=code,
            form_data=form.data_to_store(),
            files=files,
            window=window_seat(request),
        )
        messages.success(request, _("One-time notice issued. Print it for the walk-in."))
        return HttpResponseRedirect(window_case_url(document.case))
    case = services.window_forward(
        actor=request.user,
        walkin=walkin,
        region=region,
        code=code,
        form_data=form.data_to_store(),
        files=files,
        delivery=request.POST.get("delivery", ""),
        identity_checked=request.POST.get("checked") == "yes",
        window=window_seat(request),
        idempotency_key=str(request.POST.get("key") or "")[:100] or None,
    )
    messages.success(
        request,
        _("Received as %(number)s and forwarded to region %(region)s. Print the receipt.")
        % {"number": case.number, "region": region},
    )
    return HttpResponseRedirect(window_case_url(case))


def mirror_page(
    request: HttpRequest,
    case: Case,
    *,
    status: int = 200,
    error_summary: list[dict[str, str]] | None = None,
) -> HttpResponse:
    """An application received here for another region's node, at the window: what was
    received, its papers, the handling region's steps, the supplement that region asked for
    (the walk-in brings it here: scanned and sent there) and the result to hand over."""
    top = case.top
    context = {
        "case": top,
        "ref": selectors.case_ref(top),
        "title": remote_names(top.remote_item or {}, request),
        "materials": list(top.materials.all()),
        "documents": list(top.documents.order_by("created_at", "id")),
        "collect": selectors.results_to_collect(case=top),
        "events": list(top.events.order_by("at", "id")),
        "error_summary": error_summary or [],
        "supplement": selectors.remote_supplement(
            case=top, english=(get_language() or "").startswith("en")
        ),
        "continue_url": (
            reverse(
                "cases:window_remote_apply",
                kwargs={"region": top.handling_region, "code": top.remote_item.get("code")},
            )
            if top.status == Case.Status.NOTICE and top.remote_item.get("code")
            else ""
        ),
    }
    return render(request, "cases/window/remote_case.html", context, status=status)
