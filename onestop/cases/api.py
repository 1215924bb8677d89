"""/api/v1/cases: applications over the API (drafts, materials, idempotent submission).

For the signed-in applicant (session authentication, like the portal; writes need the CSRF
token like any form). Errors have the project's one shape ``{"code", "message", "details"}``;
an id or number that is not yours is "not found", whether or not it exists.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import File, Header, Router, Status
from ninja.files import UploadedFile

from onestop.cases import policies, selectors, services, uploads
from onestop.cases.models import Case, CaseEvent, CaseMaterial
from onestop.cases.schemas import (
    CaseDraftIn,
    CaseDraftOut,
    CaseDraftPatchIn,
    CaseMaterialOut,
    CaseOut,
    CaseSubmitIn,
)
from onestop.cases.sources import material_state
from onestop.catalog import selectors as catalog_selectors
from onestop.core.api import SessionAuth
from onestop.core.errors import NotFound, PermissionDenied, ValidationFailed

router = Router(tags=["cases"], auth=SessionAuth(gettext_lazy("Sign in to apply online.")))


# --- helpers -----------------------------------------------------------------------------------


def _mine(user: Any, case: Case) -> Case:
    """Only the applicant's own online application (top case); anybody else: not found."""
    if (
        case.parent_id is not None
        or case.channel != Case.Channel.ONLINE
        or not policies.is_applicant(user, case)
    ):
        raise NotFound(_("There is no case with this number that you may see."), code="not_found")
    return case


def _draft(user: Any, draft_id: str) -> Case:
    return _mine(user, selectors.case_get_draft(actor=user, case_id=draft_id))


def _material(material: CaseMaterial) -> dict[str, Any]:
    return {
        "key": material.key,
        "name": uploads.material_name(material),
        "required": material.required,
        "key_material": material.key_material,
        "mode": material.mode,
        "mode_label": material_state(material.mode, material.source, required=material.required),
        "source": material.source,
        "items": list(material.items or []),
        "original_name": material.original_name,
        "content_type": material.content_type,
        "size": material.size,
        "sha256": material.sha256,
    }


def _draft_body(case: Case) -> dict[str, Any]:
    materials = list(case.materials.all())
    return {
        "id": case.pk,
        "kind": case.kind,
        "status": case.status,
        "scenario": case.scenario.slug if case.scenario is not None else None,
        "item": case.item.code if case.item is not None else None,
        "version": case.version,
        "variant_answers": case.variant_answers or {},
        "form_data": case.form_data or {},
        "prefilled": {str(k): str(v) for k, v in (case.prefilled or {}).items()},
        "items": [
            {
                "code": item.code,
                "name": item.name,
                "department": item.implementing_department_id,
                "promised_days": item.promised_days,
            }
            for item in selectors.selected_items(case=case)
        ],
        "form_schema": selectors.case_form_schema(case=case),
        "materials": [_material(m) for m in materials],
        "missing_materials": [
            m.key for m in materials if m.required and m.mode == CaseMaterial.Mode.MISSING
        ],
        "declaration": str(services.DECLARATION),
    }


def _child(case: Case) -> dict[str, Any]:
    return {
        "number": case.number,
        "item": case.item.code if case.item is not None else None,
        "item_name": case.item.name if case.item is not None else "",
        "department": case.department_id,
        "status": case.status,
        "status_label": str(Case.Status(case.status).label),
        "auto_decided": case.auto_decided,
        "decision": case.decision,
        "due_date": case.due_date,
        "result_kind": case.result_kind,
    }


def _event(event: CaseEvent) -> dict[str, Any]:
    return {
        "case": event.case.number,
        "kind": event.kind,
        "label": str(CaseEvent.Kind(event.kind).label),
        "note": event.note,
        "at": event.at,
    }


def _case_body(case: Case) -> dict[str, Any]:
    children = selectors.children(case=case) if case.kind == Case.Kind.BUNDLE else [case]
    return {
        "id": case.pk,
        "number": case.number,
        "kind": case.kind,
        "status": case.status,
        "status_label": str(Case.Status(case.status).label),
        "scenario": case.scenario.slug if case.scenario is not None else None,
        "item": case.item.code if case.item is not None else None,
        "submitted_at": case.submitted_at,
        "due_date": max((c.due_date for c in children if c.due_date), default=None),
        "children": [_child(c) for c in children],
        "timeline": [_event(e) for e in selectors.case_timeline(case=case)],
    }


# --- routes ------------------------------------------------------------------------------------


@router.post(
    "/drafts", response={200: CaseDraftOut, 201: CaseDraftOut}, summary="Start an application"
)
def draft_create(request: HttpRequest, payload: CaseDraftIn) -> Status:
    """Start a draft for a bundle (`scenario`) or a single item (`item`). If you already have
    a draft for the same bundle or item, that one is returned (200) instead of a new one
    (201). If you have an open application for it (being handled), 409 `open_case` with its
    `number` and nothing is started, unless you send `allow_duplicate: true`."""
    user = request.user
    if bool(payload.scenario) == bool(payload.item):
        raise ValidationFailed(
            _("Give exactly one of the parameters item and scenario."),
            details={"item": payload.item, "scenario": payload.scenario},
        )
    started = timezone.now()
    if payload.scenario:
        target: dict[str, Any] = {
            "scenario": catalog_selectors.scenario_get(
                region=settings.NODE_REGION, slug=payload.scenario
            )
        }
    else:
        target = {"item": catalog_selectors.item_get(code=str(payload.item))}
    case = services.draft_start(actor=user, allow_duplicate=payload.allow_duplicate, **target)
    if payload.prefill:
        try:
            case = services.prefill_apply(actor=user, case=case)
        except PermissionDenied as error:
            if error.code != "assurance_required":
                raise
            # Unverified identity (L1): the draft without pre-fill; the refusals are recorded.
    return Status(201 if case.created_at >= started else 200, _draft_body(case))


@router.get("/drafts/{draft_id}", response=CaseDraftOut, summary="A draft")
def draft_get(request: HttpRequest, draft_id: str) -> dict[str, Any]:
    """Your draft with its answers, the items and materials they select, and its version."""
    user = request.user
    return _draft_body(_draft(user, draft_id))


@router.patch("/drafts/{draft_id}", response=CaseDraftOut, summary="Save a draft")
def draft_update(request: HttpRequest, draft_id: str, payload: CaseDraftPatchIn) -> dict[str, Any]:
    """Store the variant answers and/or the form values (the form values replace the stored
    ones). Send the `version` you read: if the draft changed since, 409 Conflict."""
    user = request.user
    case = _draft(user, draft_id)
    case = services.draft_save(
        actor=user,
        case=case,
        variant_answers=payload.variant_answers,
        form_data=payload.form_data,
        expected_version=payload.version,
    )
    return _draft_body(case)


@router.post(
    "/drafts/{draft_id}/materials/{key}",
    response={201: CaseMaterialOut},
    summary="Upload a material",
)
def material_upload(
    request: HttpRequest, draft_id: str, key: str, file: File[UploadedFile]
) -> Status:
    """Upload one material as a PDF, PNG or JPEG (the type is read from the content) of at
    most `CASE_UPLOAD_MAX_BYTES` (10 MiB by default). It replaces an earlier upload."""
    user = request.user
    case = _draft(user, draft_id)
    material = uploads.material_upload(actor=user, case=case, key=key, file=file)
    return Status(201, _material(material))


@router.post("/drafts/{draft_id}/submit", response=CaseOut, summary="Submit an application")
def draft_submit(
    request: HttpRequest,
    draft_id: str,
    payload: CaseSubmitIn,
    idempotency_key: str = Header(..., alias="Idempotency-Key", min_length=1, max_length=100),
) -> dict[str, Any]:
    """Submit the draft: it gets its case number, one item case per service, and the
    services decided by rules are decided at once. The applicant accepts the declaration
    (承诺) first, as on the portal: send `{"declaration": true}` (the text is the draft's
    `declaration`); without it, 400 `declaration_required` and nothing changes (no body:
    422). Send an `Idempotency-Key` header: a retry with the same key (after a timeout, a
    double click) returns the same case and creates nothing. Missing required materials or
    answers: 400 listing them; nothing changes."""
    user = request.user
    key = (idempotency_key or "").strip()
    if not key or len(key) > 100:
        raise ValidationFailed(
            _("Send an Idempotency-Key header (at most 100 characters) with the submission."),
            code="idempotency_key_required",
        )
    if payload.declaration is not True:
        raise ValidationFailed(
            _("Accept the declaration to submit the application: %(declaration)s")
            % {"declaration": services.DECLARATION},
            code="declaration_required",
            details={"declaration": str(services.DECLARATION)},
        )
    case = _mine(user, selectors.case_get_by_id(actor=user, case_id=draft_id))
    submitted = services.case_submit(
        actor=user, case=case, idempotency_key=key, declaration=str(services.DECLARATION)
    )
    return _case_body(submitted)


@router.get("/{number}", response=CaseOut, summary="An application")
def case_get(request: HttpRequest, number: str) -> dict[str, Any]:
    """Your application by its case number: its status, each service's case with its status,
    and the timeline."""
    user = request.user
    case = selectors.case_get(actor=user, number=number)
    return _case_body(_mine(user, case.top))


@router.post("/{number}/withdraw", response=CaseOut, summary="Withdraw an application")
def case_withdraw(request: HttpRequest, number: str) -> dict[str, Any]:
    """Withdraw your whole application while none of its services has been decided: every
    item case is withdrawn and its process stopped. Decided already: 409; nothing changes."""
    user = request.user
    case = _mine(user, selectors.case_get(actor=user, number=number).top)
    withdrawn = services.case_withdraw(actor=user, case=case)
    return _case_body(withdrawn)
