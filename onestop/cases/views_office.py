"""Pages of the back office: the department queue, the officer's case page (with the engine's
ready tasks and their forms), uploaded materials served through the policy, and the supervisor
board. Thin views over `onestop.cases.office`.

Domain errors of a POST are shown on the case page through the messages framework with their
HTTP status (400 invalid, 403 forbidden, 409 someone else acted first) and change nothing.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from onestop.cases import policies, selectors, services
from onestop.cases.models import Case
from onestop.cases.sources import material_source, material_state, prefill_source, source_labels
from onestop.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from onestop.web.views import forbidden


def _nav(request: HttpRequest) -> dict[str, bool]:
    return {
        "nav_officer": selectors.has_officer_queue(request.user),
        "nav_supervisor": selectors.has_supervisor_board(request.user),
    }


def _case(request: HttpRequest, number: str) -> Case:
    try:
        return selectors.office_case_get(actor=request.user, number=number)
    except NotFound as error:
        raise Http404(str(error.message)) from error


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """The officer's department queue, soonest due first, filtered by task and status."""
    try:
        result = selectors.department_queue(
            actor=request.user,
            task=request.GET.get("task", ""),
            status=request.GET.get("status", ""),
            sort=request.GET.get("sort", "due"),
            page=request.GET.get("page", 1),
        )
    except PermissionDenied as error:
        return forbidden(request, str(error.message))
    context = {
        "q": result,
        "task_choices": list(selectors.TASK_LABELS.items()),
        "status_choices": [(s, Case.Status(s).label) for s in selectors.OPEN],
        **_nav(request),
    }
    return render(request, "cases/office/queue.html", context)


def _page(request: HttpRequest, case: Case, *, status: int = 200) -> HttpResponse:
    context = {**selectors.case_page(actor=request.user, case=case), **_nav(request)}
    # Sources by their names, not their keys ("birth-medical-certificate.child_name").
    labels = source_labels()
    for row in context["form_rows"]:
        for key in ("source", "edited_from"):
            if row[key]:
                row[key] = prefill_source(row[key], labels)
    for material in context["materials"]:
        material.source_label = material_source(material, labels) if material.source else ""
        material.state_label = material_state(
            material.mode, material.source, required=material.required
        )
    return render(request, "cases/office/case.html", context, status=status)


@login_required
@require_GET
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    return _page(request, _case(request, number))


# Decisions cannot be taken back: each is confirmed on a page of its own first (no JavaScript).
DECISIONS = ("approve", "reject")


def _confirm(request: HttpRequest, case: Case) -> HttpResponse:
    """The confirmation step of an approval or a rejection: what will happen, the reason as
    typed, and the one button that decides (or back to the case, nothing done). Nothing is
    written here; a decision without a reason is sent back to the case page at once."""
    post = request.POST
    reason = post.get("reason", "").strip()
    if not reason:
        messages.error(request, _("A decision needs a reason. Write it and decide again."))
        return _page(request, case, status=400)
    context = {
        **_nav(request),
        "case": case,
        "decision": post["action"],
        "reason": reason,
        "task_id": post.get("task_id", ""),
        "version": post.get("version", ""),
    }
    return render(request, "cases/office/confirm.html", context)


@login_required
@require_POST
def case_act(request: HttpRequest, number: str) -> HttpResponse:
    """Complete one ready task from the case page's form; back to the page."""
    case = _case(request, number)
    post = request.POST
    if (
        post.get("action") in DECISIONS
        and post.get("confirmed") != "yes"
        and case.task_name == "decide"
        and policies.can_act(request.user, case, policies.LANE_DEPARTMENT)
    ):
        return _confirm(request, case)
    try:
        text = services.task_act(
            actor=request.user,
            case=case,
            task_id=post.get("task_id", ""),
            action=post.get("action", ""),
            expected_version=post.get("version", ""),
            reason=post.get("reason", ""),
            materials=post.getlist("materials"),
        )
    except DomainError as error:
        if isinstance(error, Conflict) and error.code == "stale":
            messages.error(
                request,
                _(
                    "Someone else acted on this case first. The page now shows its current "
                    "state; nothing was changed."
                ),
            )
        else:
            messages.error(request, str(error.message))
        return _page(request, _case(request, number), status=error.status)
    messages.success(request, text)
    return HttpResponseRedirect(reverse("cases:office_case", args=[number]))


@login_required
@require_GET
def material_download(request: HttpRequest, number: str, key: str) -> FileResponse:
    """An uploaded material of a case the officer may open (the access is recorded)."""
    case = _case(request, number)
    try:
        material = selectors.material_get(actor=request.user, case=case, key=key)
    except NotFound as error:
        raise Http404(str(error.message)) from error
    try:
        handle = material.file.open("rb")
    except FileNotFoundError as error:
        raise Http404(_("There is no such file.")) from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=material.original_name or f"{key}",
        content_type=material.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def supervisor(request: HttpRequest) -> HttpResponse:
    """The region's overdue, escalated and warned cases and long-waiting supplements."""
    try:
        board = selectors.supervisor_board(actor=request.user)
    except PermissionDenied as error:
        return forbidden(request, str(error.message))
    return render(request, "cases/office/supervisor.html", {**board, **_nav(request)})
