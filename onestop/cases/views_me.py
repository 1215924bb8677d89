"""My space: the applicant's applications (drafts to continue, cases in progress, results),
one application's status timeline, its item cases with due dates and results, supplements to
answer, its papers (receipt, one-time notice) and the notifications about it.

Only the applicant (the account on the top case) sees these pages: anybody else — staff
included, who have their own consoles — gets the same 404 as for a number that does not exist.
Writes go through `uploads.material_upload` and `services.supplement_answer`; a domain error
shows the page again with the message (HTTP 400/409) and changes nothing.

My government service code (政务服务码): a QR code the window scans instead of the resident ID,
drawn again every minute by the page (htmx) and valid for five minutes.

This module also provides the account page's links (registry slot ``account``).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from onestop.accounts import services as accounts_services
from onestop.accounts.models import StaffRole
from onestop.accounts.policies import has_role
from onestop.cases import clock, pdf, policies, selectors, services, uploads
from onestop.cases.models import (
    Case,
    CaseDocument,
    CaseMaterial,
    Supplement,
    window_label,
    window_ref,
)
from onestop.cases.selectors.cases import case_numbers_for_refs
from onestop.core import urls
from onestop.core.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from onestop.credentials import qr
from onestop.notify import selectors as notify_selectors
from onestop.notify.models import Notification
from onestop.web import registry

PAGE_SIZE = 20
S = Case.Status
OPEN = (S.ACCEPTED, S.SUPPLEMENT, S.APPROVED)
FINAL = (S.COMPLETED, S.REJECTED, S.WITHDRAWN)


def _url(name: str, **kwargs: Any) -> str:
    """`reverse` that answers "" for a screen another part has not wired yet."""
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return ""


def _title(case: Case) -> str:
    if case.is_mirror and case.remote_item:  # a mirror: the item as its node named it
        english = (get_language() or "").startswith("en") and case.remote_item.get("name_en")
        return str(english or case.remote_item.get("name_zh") or "")
    subject = case.scenario if case.scenario is not None else case.item
    return subject.name if subject is not None else ""


def _not_found() -> Http404:
    return Http404(_("There is no case with this number that you may see."))


def _my_top(request: HttpRequest, ref: str) -> Case:
    """The actor's own application by its number (or its id while it has none); an item
    case's number leads to its application. Anything else: 404."""
    ref = str(ref or "").strip()
    case: Case | None = None
    if 0 < len(ref) <= 36:
        try:
            pk = uuid.UUID(ref)
        except ValueError:
            case = Case.objects.filter(number=ref).select_related("parent").first()
        else:
            case = Case.objects.filter(pk=pk).select_related("parent").first()
    if case is None or not policies.is_applicant(request.user, case):
        raise _not_found()
    top = case.top
    return (
        Case.objects.select_related("scenario", "item", "department", "region", "applicant")
        .filter(pk=top.pk)
        .get()
    )


def _ref(case: Case) -> str:
    return case.number or str(case.pk)


# --- the list ---------------------------------------------------------------------------------


def _row(case: Case) -> dict[str, Any]:
    continue_url = ""
    if case.status == S.DRAFT and case.channel == Case.Channel.ONLINE:
        continue_url = _url("cases:apply", case_id=case.pk)
    return {
        "case": case,
        "title": _title(case),
        "continue_url": continue_url,
        "detail_url": reverse("cases:my_case", kwargs={"number": _ref(case)})
        if case.status != S.DRAFT
        else "",
        "supplement": case.status == S.SUPPLEMENT
        or (case.kind == Case.Kind.BUNDLE and _has_open_supplement(case)),
    }


def _has_open_supplement(top: Case) -> bool:
    return Supplement.objects.filter(case__parent=top, answered_at__isnull=True).exists()


@login_required
@require_GET
def my_cases(request: HttpRequest) -> HttpResponse:
    cases = selectors.case_list_for_applicant(actor=request.user)
    drafts = [_row(c) for c in cases.filter(status=S.DRAFT)[:50]]
    submitted = cases.exclude(status=S.DRAFT)
    page = Paginator(submitted, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "drafts": drafts,
        "rows": [_row(c) for c in page.object_list],
        "page": page,
    }
    return render(request, "cases/me/list.html", context)


# --- one application ----------------------------------------------------------------------------


def _elsewhere(case: Case) -> str:
    """Who handles an item of another region's node (a joint bundle's): its department there,
    and the region."""
    if not case.is_mirror:
        return ""
    names = case.remote_item or {}
    english = (get_language() or "").startswith("en")
    department = str((english and names.get("department_en")) or names.get("department_zh") or "")
    region = _("region %(region)s") % {"region": case.handling_region}
    return f"{department} ({region})" if department else region


def _item_row(case: Case, today: Any) -> dict[str, Any]:
    running = case.status in OPEN and case.due_date is not None
    result_url = ""
    if case.result_kind == Case.ResultKind.LICENCE and case.credential_id:
        result_url = _url("credentials:wallet_detail", credential_id=str(case.credential_id))
    return {
        "case": case,
        "title": case.item.name if case.item is not None else _title(case),
        "department": case.department.name if case.department is not None else _elsewhere(case),
        "paused": case.paused_since is not None,
        "remaining": clock.remaining_days(case, today=today) if running else None,
        "overdue": running and case.due_date is not None and case.due_date < today,
        "result_url": result_url,
        "window": window_label(window_ref(case.delivery_window)),
    }


def _material_names(top: Case) -> dict[str, CaseMaterial]:
    return {m.key: m for m in top.materials.all()}


def _supplements(top: Case, children: list[Case]) -> list[dict[str, Any]]:
    by_id = {c.pk: c for c in children}
    rows = Supplement.objects.filter(case_id__in=list(by_id), answered_at__isnull=True).order_by(
        "requested_at"
    )
    materials = _material_names(top)
    found = []
    for supplement in rows:
        wanted = []
        for key in supplement.materials or []:
            material = materials.get(key)
            if material is None:
                continue
            handed_in = (
                material.mode in (CaseMaterial.Mode.UPLOAD, CaseMaterial.Mode.PAPER)
                and material.updated_at > supplement.requested_at
            )
            wanted.append(
                {"material": material, "name": uploads.material_name(material), "done": handed_in}
            )
        found.append(
            {
                "supplement": supplement,
                "case": by_id[supplement.case_id],
                "title": _title(by_id[supplement.case_id]),
                "materials": wanted,
                "ready": all(row["done"] for row in wanted),
            }
        )
    return found


def _notifications(request: HttpRequest, numbers: list[str]) -> list[Notification]:
    found = notify_selectors.notifications_mentioning(actor=request.user, texts=numbers)
    return notify_selectors.notifications_shown(found, get_language())


def _documents(top: Case) -> list[dict[str, Any]]:
    rows = []
    if top.number and top.accepted_at:
        rows.append(
            {
                "label": _("Acceptance receipt (PDF)"),
                "url": reverse("cases:my_receipt_pdf", kwargs={"number": _ref(top)}),
            }
        )
    if top.documents.filter(kind=CaseDocument.Kind.NOTICE).exists():
        rows.append(
            {
                "label": _("One-time notice of missing materials (PDF)"),
                "url": reverse("cases:my_notice_pdf", kwargs={"number": _ref(top)}),
            }
        )
    return rows


def _detail_context(request: HttpRequest, top: Case) -> dict[str, Any]:
    today = timezone.localdate()
    remote = top.remote_item or {}
    children = selectors.children(case=top)
    events = selectors.case_timeline(case=top)
    return {
        "top": top,
        "title": _title(top),
        "ref": _ref(top),
        "items": [_item_row(c, today) for c in children] if top.number else [],
        "supplements": _supplements(top, children) if top.number else [],
        "timeline": events,
        "documents": _documents(top),
        "notifications": _notifications(
            request, [top.number or ""] + [c.number or "" for c in children]
        ),
        "errors": {},
        "can_withdraw": bool(top.number)
        and top.status in (S.ACCEPTED, S.SUPPLEMENT)
        and not top.decision
        and not any(c.decision for c in children)
        # a mirror: once its handling node acknowledged it, and once (`mirror_withdraw`)
        and (not top.is_mirror or (bool(top.acknowledged_at) and not remote.get("withdraw"))),
        "remote_supplement": selectors.remote_supplement(
            case=top, english=(get_language() or "").startswith("en")
        ),
        "continue_url": _url("cases:apply", case_id=top.pk)
        if top.status == S.DRAFT and top.channel == Case.Channel.ONLINE
        else "",
    }


@login_required
@require_GET
def my_case(request: HttpRequest, number: str) -> HttpResponse:
    top = _my_top(request, number)
    response = render(request, "cases/me/detail.html", _detail_context(request, top))
    response["Cache-Control"] = "private, no-store"
    return response


def _my_supplement(top: Case, supplement_id: int) -> tuple[Supplement, Case]:
    supplement = (
        Supplement.objects.select_related("case")
        .filter(pk=supplement_id)
        .filter(Q(case=top) | Q(case__parent=top))
        .first()
    )
    if supplement is None:
        raise _not_found()
    return supplement, supplement.case


def _again(
    request: HttpRequest, top: Case, supplement: Supplement, error: DomainError
) -> HttpResponse:
    context = _detail_context(request, top)
    context["errors"] = {supplement.pk: str(error.message)}
    status = 409 if isinstance(error, Conflict) else 404 if isinstance(error, NotFound) else 400
    return render(request, "cases/me/detail.html", context, status=status)


def _back(top: Case) -> HttpResponseRedirect:
    return HttpResponseRedirect(
        reverse("cases:my_case", kwargs={"number": _ref(top)}) + "#supplements"
    )


@login_required
@require_POST
def supplement_upload(request: HttpRequest, number: str, supplement_id: int) -> HttpResponse:
    top = _my_top(request, number)
    supplement, item_case = _my_supplement(top, supplement_id)
    key = request.POST.get("key", "")
    file = request.FILES.get("file")
    try:
        if key not in (supplement.materials or []):
            raise NotFound(
                _("This request does not ask for that material."), code="material_not_requested"
            )
        if file is None:
            raise ValidationFailed(_("Choose a file to upload."), code="no_file")
        material = uploads.material_upload(actor=request.user, case=item_case, key=key, file=file)
    except DomainError as error:
        return _again(request, top, supplement, error)
    messages.success(
        request, _("%(material)s was uploaded.") % {"material": uploads.material_name(material)}
    )
    return _back(top)


@login_required
@require_POST
def supplement_answer(request: HttpRequest, number: str, supplement_id: int) -> HttpResponse:
    top = _my_top(request, number)
    supplement, item_case = _my_supplement(top, supplement_id)
    try:
        services.supplement_answer(
            actor=request.user, case=item_case, note=request.POST.get("note", "")
        )
    except DomainError as error:
        return _again(request, top, supplement, error)
    messages.success(request, _("Thank you: your supplement was sent and the clock runs again."))
    return HttpResponseRedirect(reverse("cases:my_case", kwargs={"number": _ref(top)}))


@login_required
@require_POST
def withdraw(request: HttpRequest, number: str) -> HttpResponse:
    """The applicant withdraws the whole application (before any item is decided)."""
    top = _my_top(request, number)
    try:
        if top.is_mirror:  # the handling node withdraws it (`case.withdraw`)
            services.mirror_withdraw(actor=request.user, case=top)
            messages.success(
                request,
                _("Your withdrawal was sent to region %(region)s; it is withdrawn once it says so.")
                % {"region": top.handling_region},
            )
            return HttpResponseRedirect(reverse("cases:my_case", kwargs={"number": _ref(top)}))
        services.case_withdraw(actor=request.user, case=top)
    except NotFound:
        raise _not_found() from None
    except DomainError as error:
        messages.error(request, str(error.message))
        return HttpResponseRedirect(reverse("cases:my_case", kwargs={"number": _ref(top)}))
    messages.success(request, _("Your application was withdrawn."))
    return HttpResponseRedirect(reverse("cases:my_case", kwargs={"number": _ref(top)}))


@login_required
@require_POST
def remote_supplement(request: HttpRequest, number: str) -> HttpResponse:
    """The applicant answers here the supplement another region's node asked for: every
    material asked for, scanned, sent back to it (`mirror_supplement_answer`)."""
    top = _my_top(request, number)
    try:
        services.mirror_supplement_answer(
            actor=request.user,
            case=top,
            files=dict(request.FILES.items()),
            note=request.POST.get("note", ""),
        )
    except NotFound:
        raise _not_found() from None
    except DomainError as error:
        context = _detail_context(request, top)
        context["remote_error"] = str(error.message)
        return render(request, "cases/me/detail.html", context, status=error.status)
    messages.success(
        request,
        _("Thank you: your supplement was sent to region %(region)s.")
        % {"region": top.handling_region},
    )
    return HttpResponseRedirect(reverse("cases:my_case", kwargs={"number": _ref(top)}))


def _pdf(request: HttpRequest, document: CaseDocument, filename: str) -> HttpResponse:
    response = HttpResponse(
        pdf.document_pdf(document, base_url=urls.public_url()), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def my_receipt_pdf(request: HttpRequest, number: str) -> HttpResponse:
    from onestop.cases import services

    top = _my_top(request, number)
    if not top.number or top.accepted_at is None:
        raise _not_found()
    document = services.receipt_ensure(actor=request.user, case=top)
    return _pdf(request, document, f"receipt-{top.number}.pdf")


@login_required
@require_GET
def my_notice_pdf(request: HttpRequest, number: str) -> HttpResponse:
    top = _my_top(request, number)
    document = top.documents.filter(kind=CaseDocument.Kind.NOTICE).order_by("-created_at").first()
    if document is None:
        raise _not_found()
    return _pdf(request, document, f"notice-{_ref(top)}.pdf")


# --- my government service code ------------------------------------------------------------------


@login_required
@require_GET
@never_cache
def service_code(request: HttpRequest) -> HttpResponse:
    """The page with my service code; asked by htmx (every minute), only the code itself."""
    try:
        code = accounts_services.service_code_issue(actor=request.user)
    except PermissionDenied as error:
        context = {"error": error.message}
        return render(request, "cases/me/service_code.html", context, status=error.status)
    context = {
        "code": code,
        "qr_uri": qr.data_uri(qr.text(code.text)),
        "refresh_seconds": int(accounts_services.SERVICE_CODE_REFRESH.total_seconds()),
        "lifetime_minutes": int(accounts_services.SERVICE_CODE_LIFETIME.total_seconds() // 60),
    }
    partial = request.headers.get("HX-Request") == "true"
    template = "cases/me/_service_code.html" if partial else "cases/me/service_code.html"
    return render(request, template, context)


# --- what this app adds to other pages ----------------------------------------------------------


@registry.provides("account")
def account_links(request: HttpRequest, **kwargs: Any) -> dict[str, Any]:
    """Links on "My account": my applications for everyone; the consoles for staff with the
    matching role."""
    user = request.user
    links = []
    mine = _url("cases:my_cases")
    if mine:
        links.append({"label": _("My applications"), "url": mine})
    if getattr(user, "resident_id_index", None):
        links.append({"label": _("My government service code"), "url": _url("cases:my_code")})
    for name, label in (
        ("credentials:wallet", _("My e-licences")),
        ("notify:notification_list", _("My notifications")),
    ):
        url = _url(name)
        if url:
            links.append({"label": label, "url": url})
    role_kind = StaffRole.Role
    for role, name, label in (
        (role_kind.WINDOW_CLERK, "cases:window", _("Window console")),
        (role_kind.DEPARTMENT_OFFICER, "cases:office", _("Department queue")),
        (role_kind.SUPERVISOR, "cases:supervisor", _("Supervisor")),
    ):
        if getattr(user, "is_superuser", False) or has_role(user, role):
            url = _url(name)
            if url:
                links.append({"label": label, "url": url})
    return {"cases_links": links}


@registry.provides("data_tracker")
def tracker_case_refs(request: HttpRequest, *, refs: set[str], **kwargs: Any) -> dict[str, Any]:
    """The data tracker's case references as case numbers (a draft's "draft <uuid>" too)."""
    return {"case_refs": case_numbers_for_refs(refs)}
