"""Unified acceptance at the window: accept (also against a pledge) or issue the
one-time notice.
"""

from __future__ import annotations

import datetime
import hashlib
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onestop.cases import facts, policies, transitions
from onestop.cases.models import (
    Case,
    CaseDocument,
    CaseMaterial,
    window_ref,
)
from onestop.cases.selectors.items import case_form_schema, item_materials, selected_items
from onestop.cases.services import forwarding_joint
from onestop.cases.services.common import (
    NOTICE_SUPPLY_WORKING_DAYS,
    OPEN_DRAFT,
    WINDOW_OK,
    EventKind,
    Mode,
    actor_user,
    case_copy,
    case_lock,
    case_not_found,
    case_replayed,
    case_save,
    current_time,
    event_record,
    idempotency_key_clean,
)
from onestop.cases.services.forms import form_missing_fields, form_unanswered
from onestop.cases.services.materials import materials_rebuild, materials_warm_for
from onestop.cases.services.submission import accept_submitted, submission_checks
from onestop.core import calendar, numbering
from onestop.core.errors import Conflict, ValidationFailed, full_clean
from onestop.ledger.canonical import canonical_json
from onestop.org import selectors as org_selectors


def case_accept(  # noqa: PLR0912
    *,
    actor: Any,
    case: Case,
    window: Any = None,
    pledge_due: datetime.date | None = None,
    idempotency_key: str | None = None,
) -> Case:
    """Unified acceptance at the window by a clerk of the region (any department's item).

    Materials must be held, verified, uploaded or checked on paper; with `pledge_due` (a date
    after today) missing NON-key materials are accepted against a pledge (容缺受理): they
    become PLEDGED and the event PLEDGE_ACCEPTED records them. A missing key material, a
    missing field or an unanswered question → ValidationFailed, nothing changes. One more
    visit for the applicant."""
    key = idempotency_key_clean(idempotency_key)
    replay = case_replayed(key, actor=actor, case=case)
    if replay is not None:
        case_copy(case, replay)
        return case
    if pledge_due is not None and (
        not isinstance(pledge_due, datetime.date)
        or pledge_due <= timezone.localdate(current_time())
    ):
        raise ValidationFailed(
            _("The pledge deadline must be a date after today."), code="invalid_pledge_due"
        )
    if window is not None and str(window.centre.region_id) != str(case.top.region_id):
        raise ValidationFailed(
            _("This window is not in the region of the application."), code="invalid_window"
        )
    found_facts = facts.collect(actor=actor, case=case, items=selected_items(case=case))
    materials_warm_for(case)
    remote = forwarding_joint.remote_items_describe(case.top)  # joint scenario: before the lock
    with transaction.atomic():
        locked = case_lock(case.top)
        if not policies.can(actor, policies.Action.ACCEPT, locked):
            raise case_not_found()
        if locked.status not in OPEN_DRAFT:
            if key is not None and locked.idempotency_key == key:
                case_copy(case, locked)
                return case
            raise Conflict(
                _("This application has already been accepted."), code="already_accepted"
            )
        if locked.channel != Case.Channel.WINDOW:
            raise Conflict(_("An online draft is submitted by the applicant."), code="online_draft")
        materials_rebuild(locked)
        materials = list(CaseMaterial.objects.filter(case=locked, required=True))
        pledged = [m for m in materials if m.mode == Mode.PLEDGED]
        if pledge_due is not None:
            for material in materials:
                if material.mode == Mode.MISSING and not material.key_material:
                    material.mode = Mode.PLEDGED
                    material.checked_by = actor_user(actor)
                    material.save(update_fields=["mode", "checked_by", "updated_at"])
                    pledged.append(material)
        bad_pledges = [m.key for m in pledged if m.key_material]
        if bad_pledges:
            raise ValidationFailed(
                _("Key materials cannot be pledged: they must be checked before acceptance."),
                code="materials_missing",
                details={"materials": bad_pledges},
            )
        if pledged and pledge_due is None:
            raise ValidationFailed(
                _("Give the date by which the pledged materials will be supplied."),
                code="pledge_due_required",
            )
        materials = submission_checks(locked, WINDOW_OK)
        locked.visits += 1
        locked.pledge_due = pledge_due if pledged else None
        accept_submitted(
            materials=materials,
            actor=actor,
            top=locked,
            found_facts=found_facts,
            idempotency_key=key,
            accepted_by=actor,
            window=window,
            remote=remote,
        )
        if pledged:
            event_record(
                locked,
                EventKind.PLEDGE_ACCEPTED,
                actor=actor,
                data={
                    "materials": [m.key for m in pledged],
                    "due": pledge_due.isoformat() if pledge_due else None,
                },
            )
    case_copy(case, locked)
    return case


def notice_document_save(case: Case, *, actor: Any, data: dict[str, Any], now: Any) -> CaseDocument:
    """The one-time notice `data` of `case`, stored with its hash (the PDF is drawn from it)."""
    document = CaseDocument(
        case=case,
        kind=CaseDocument.Kind.NOTICE,
        data=data,
        sha256=hashlib.sha256(canonical_json(data)).hexdigest(),
        created_by=actor_user(actor),
        created_at=now,
    )
    full_clean(document, exclude=["case"])
    document.save()
    return document


def notice_office(locked: Case, window: Any) -> dict[str, Any]:
    """Where the notice is issued: the clerk's window and its centre (else the region's first
    centre), the centre's enquiry phone."""
    centre = window.centre if window is not None else None
    if centre is None:
        centre = org_selectors.centre_list(region=str(locked.region_id)).first()
    office: dict[str, Any] = {"window": window_ref(window) if window is not None else None}
    if centre is not None:
        office |= {
            "centre": {"zh": centre.name_zh, "en": centre.name_en},
            "centre_slug": centre.slug,
            "phone": centre.phone,
        }
    return office


def _material_requirements(items: list[Any]) -> dict[str, dict[str, Any]]:
    """Per material key, the form and number of copies the catalogue asks for."""
    found: dict[str, dict[str, Any]] = {}
    for material in item_materials(items=items):
        found.setdefault(material.key, {"form": material.form, "copies": material.copies})
    return found


def notice_issue(*, actor: Any, case: Case, window: Any = None) -> CaseDocument:
    """The one-time notice (一次性告知) of a window draft: EVERY missing required material and
    field (and unanswered question), printed from the stored data, with a readable number
    (``GZ-<region>-<yyyymmdd>-<nnnn>``), the window and clerk, the centre's phone and the day
    to supply them by. The draft keeps its id and becomes NOTICE; the next visit continues
    it. One more visit for the applicant."""
    materials_warm_for(case)
    with transaction.atomic():
        locked = case_lock(case.top)
        if not policies.can(actor, policies.Action.ACCEPT, locked):
            raise case_not_found()
        if locked.status not in OPEN_DRAFT:
            raise Conflict(
                _("This application has already been accepted."), code="already_accepted"
            )
        if locked.channel != Case.Channel.WINDOW:
            raise Conflict(_("An online draft is submitted by the applicant."), code="online_draft")
        materials_rebuild(locked)
        schema = case_form_schema(case=locked)
        properties = schema.get("properties", {})
        missing_materials = [
            m
            for m in CaseMaterial.objects.filter(case=locked, required=True).order_by("id")
            if m.mode not in WINDOW_OK
        ]
        missing_fields = form_missing_fields(locked, schema)
        unanswered = form_unanswered(locked)
        if not missing_materials and not missing_fields and not unanswered:
            raise ValidationFailed(
                _("Nothing is missing: accept the application instead."), code="nothing_missing"
            )
        now = current_time()
        today = timezone.localdate(now)
        items = selected_items(case=locked)
        requirements = _material_requirements(items)
        reference = "GZ-" + numbering.day_number(
            series="notice", region=str(locked.region_id), day=today, digits=4
        )
        title_zh = locked.scenario.name_zh if locked.scenario else items[0].name_zh
        title_en = locked.scenario.name_en if locked.scenario else items[0].name_en
        data = {
            "kind": "notice",
            "reference": reference,
            "case_id": str(locked.pk),
            "region": str(locked.region_id),
            "title": {"zh": title_zh, "en": title_en},
            "applicant_name": locked.applicant_name,
            "applicant_id_masked": locked.applicant_id_masked,
            "items": [{"code": i.code, "name_zh": i.name_zh, "name_en": i.name_en} for i in items],
            "materials": [
                {
                    "key": m.key,
                    "name_zh": m.name_zh,
                    "name_en": m.name_en,
                    "items": list(m.items),
                    "key_material": m.key_material,
                    **requirements.get(m.key, {}),
                }
                for m in missing_materials
            ],
            "fields": [
                {
                    "key": key,
                    "title_zh": (properties[key].get("x-title") or {}).get("zh")
                    or properties[key].get("title", key),
                    "title_en": (properties[key].get("x-title") or {}).get("en")
                    or properties[key].get("title", key),
                }
                for key in missing_fields
            ],
            "questions": unanswered,
            "issued_at": now.isoformat(),
            "issued_by": str(getattr(actor, "real_name", "") or getattr(actor, "username", "")),
            "supply_by": calendar.add_working_days(today, NOTICE_SUPPLY_WORKING_DAYS).isoformat(),
            **notice_office(locked, window),
        }
        document = notice_document_save(locked, actor=actor, data=data, now=now)
        locked.visits += 1
        transitions.step(
            locked,
            "notice",
            actor=actor,
            at=now,
            data={
                "materials": [m.key for m in missing_materials],
                "fields": missing_fields,
                "document": document.pk,
            },
        )
        case_save(locked)
    case_copy(case, locked)
    return document
