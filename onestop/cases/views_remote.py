"""Applying on this node for another region's item (fully online, 全程网办; docs/federation.md
"Cross-province cases"): the item's form and materials as its node describes them, one page,
one submission. The application is forwarded to the handling node; the citizen follows it in
my space here (the mirror case)."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from onestop.cases import services
from onestop.cases.forms_apply import ApplicationForm
from onestop.cases.views_apply import error_summary
from onestop.core.errors import DomainError, NotFound


def remote_names(data: dict[str, Any], request: HttpRequest, key: str = "name") -> str:
    english = (getattr(request, "LANGUAGE_CODE", "") or "").startswith("en")
    return str((english and data.get(f"{key}_en")) or data.get(f"{key}_zh") or "")


def remote_materials(item: dict[str, Any], request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "key": str(m.get("key")),
            "name": remote_names(m, request),
            "required": bool(m.get("required")) and not m.get("held_there"),
            "held_there": bool(m.get("held_there")),
        }
        for m in item.get("materials") or []
        if isinstance(m, dict) and m.get("key")
    ]


@login_required
@require_http_methods(["GET", "POST"])
def apply_remote(request: HttpRequest, region: str, code: str) -> HttpResponse:
    try:
        item = services.remote_item_get(region=region, code=code)
    except NotFound as error:
        raise Http404(str(error.message)) from None
    except DomainError as error:
        return render(
            request,
            "cases/apply/remote_unavailable.html",
            {"region": region, "message": str(error.message)},
            status=error.status,
        )
    schema = item["form"]
    form = ApplicationForm(request.POST or None, schema=schema)
    errors: list[dict[str, str]] = []
    message = ""
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_forward(
                actor=request.user,
                region=region,
                code=code,
                form_data=form.data_to_store(),
                files=dict(request.FILES.items()),
                idempotency_key=str(request.POST.get("key") or "")[:100] or None,
            )
        except DomainError as error:
            message = str(error.message)
            missing = (error.details or {}).get("fields") if error.details else None
            for key in missing or []:
                if key in form.fields:
                    form.add_error(key, _("Fill in this field."))
        else:
            return redirect("cases:my_case", number=case.number)
    if request.method == "POST":
        errors = error_summary(form)
    return render(
        request,
        "cases/apply/remote.html",
        {
            "item": item,
            "title": remote_names(item, request),
            "department": remote_names(item, request, "department"),
            "region": region,
            "form": form,
            "materials": remote_materials(item, request),
            "errors": errors,
            "message": message,
            "key": request.POST.get("key") or uuid.uuid4().hex,
        },
        status=400 if request.method == "POST" else 200,
    )
