"""Supplements: an officer asks again, the applicant answers; the clock stops and runs."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onestop.cases import clock, policies, transitions
from onestop.cases.models import (
    Case,
    CaseMaterial,
    Supplement,
)
from onestop.cases.services.common import (
    MAX_REASON,
    SUPPLEMENT_WORKING_DAYS,
    Mode,
    S,
    case_copy,
    case_lock_pair,
    case_not_found,
    case_save,
    current_time,
    text_clean,
)
from onestop.cases.services.engine_sync import case_sync_from_engine
from onestop.cases.services.notices import (
    case_notify,
    case_title,
    materials_text,
)
from onestop.cases.services.steps import step_instance, step_stale, step_version
from onestop.core.errors import Conflict, PermissionDenied, ValidationFailed, full_clean
from onestop.notify.templates import Bilingual
from onestop.workflow import selectors as workflow_selectors
from onestop.workflow import services as workflow_services


def supplement_request(
    *, actor: Any, case: Case, reason: str, materials: list[str], expected_version: int
) -> Supplement:
    """On the review step: ask the applicant for materials again (or an explanation). The
    review completes with "supplement", the case waits for the applicant and its clock stops."""
    reason = text_clean(reason, field="reason", required=True, limit=MAX_REASON)
    keys = [str(k) for k in (materials or [])]
    with transaction.atomic():
        top, locked = case_lock_pair(case)
        if not policies.can_view(actor, locked):
            raise case_not_found()
        instance = step_instance(locked)
        expected_version = step_version(expected_version)
        if instance.version != expected_version:
            raise step_stale()
        if locked.status != S.ACCEPTED:
            raise Conflict(_("This case is not in review."), code="not_in_review")
        review = next(
            (t for t in workflow_selectors.ready_tasks(instance=instance) if t.name == "review"),
            None,
        )
        if review is None:
            raise Conflict(_("This case is not in review."), code="not_in_review")
        if not policies.can_act(actor, locked, review.lane):
            raise PermissionDenied(_("You may not complete this step."), code="forbidden")
        known = dict(CaseMaterial.objects.filter(case=top).values_list("key", "name_zh"))
        unknown = sorted(set(keys) - set(known))
        if unknown:
            raise ValidationFailed(
                _("These materials are not part of the application: %(keys)s.")
                % {"keys": ", ".join(unknown)},
                code="unknown_material",
                details={"materials": unknown},
            )
        not_handed_in = sorted(
            CaseMaterial.objects.filter(
                case=top, key__in=keys, mode__in=(CaseMaterial.Mode.HELD, CaseMaterial.Mode.LICENCE)
            ).values_list("key", flat=True)
        )
        if not_handed_in:
            raise ValidationFailed(
                _(
                    "Materials held by the government or verified as e-licences cannot be asked "
                    "for again: %(keys)s."
                )
                % {"keys": ", ".join(not_handed_in)},
                code="material_not_uploaded",
                details={"materials": not_handed_in},
            )
        instance = workflow_services.task_complete(
            instance=instance,
            task_id=review.id,
            actor=actor,
            data={"review_outcome": "supplement"},
            expected_version=expected_version,
        )
        now = current_time()
        supplement = Supplement(
            case=locked, requested_by=actor, reason=reason, materials=keys, requested_at=now
        )
        full_clean(supplement, exclude=["case", "requested_by"])
        supplement.save()
        clock.pause(locked, now=now)
        transitions.step(
            locked,
            "supplement_request",
            actor=actor,
            note=reason,
            data={"materials": keys, "supplement": supplement.pk},
            at=now,
        )
        case_sync_from_engine(locked, instance, actor=actor, top=top)
        from onestop.core import calendar, dates

        deadline = calendar.add_working_days(timezone.localdate(now), SUPPLEMENT_WORKING_DAYS)
        case_notify(
            locked,
            "case.supplement_requested",
            {
                "number": locked.number,
                "item": Bilingual.of(lambda lang: case_title(locked, lang)),
                "materials": Bilingual.of(lambda lang: materials_text(top, keys, lang) or reason),
                "deadline": Bilingual.of(lambda lang: dates.date_text(deadline, lang)),
            },
            dedupe=f"case.supplement_requested:{supplement.pk}",
        )
    case_copy(case, locked)
    return supplement


def supplement_answer(*, actor: Any, case: Case, note: str = "") -> Case:
    """The applicant (or a clerk at the window) answers the open supplement request: every
    requested material must have been handed in again since the request. The case goes back to
    review and its clock runs again (the due date moves on by the working days waited)."""
    note = text_clean(note, field="note", required=False)
    with transaction.atomic():
        top, locked = case_lock_pair(case)
        if not policies.can_view(actor, locked):
            raise case_not_found()
        if not policies.can(actor, policies.Action.SUPPLEMENT_ANSWER, locked):
            raise PermissionDenied(_("You may not answer this request."), code="forbidden")
        if locked.status != S.SUPPLEMENT:
            raise Conflict(_("Nothing is waiting for a supplement."), code="no_supplement")
        supplement = (
            Supplement.objects.select_for_update()
            .filter(case=locked, answered_at__isnull=True)
            .order_by("-requested_at")
            .first()
        )
        if supplement is None:
            raise Conflict(_("Nothing is waiting for a supplement."), code="no_supplement")
        rows = {
            m.key: m for m in CaseMaterial.objects.filter(case=top, key__in=supplement.materials)
        }
        missing = [
            key
            for key in supplement.materials
            if key not in rows
            or rows[key].mode not in (Mode.UPLOAD, Mode.PAPER)
            or rows[key].updated_at <= supplement.requested_at
        ]
        if missing:
            raise ValidationFailed(
                _("Hand in every requested material again first."),
                code="materials_missing",
                details={"materials": missing},
            )
        instance = step_instance(locked)
        task = next(
            (
                t
                for t in workflow_selectors.ready_tasks(instance=instance)
                if t.name == "supplement"
            ),
            None,
        )
        if task is None:
            raise Conflict(_("Nothing is waiting for a supplement."), code="no_supplement")
        now = current_time()
        clock.resume(locked, now=now)
        data: dict[str, Any] = {}
        if locked.due_date is not None:
            end = datetime.datetime.combine(
                locked.due_date, datetime.time(23, 59, 59), tzinfo=timezone.get_current_timezone()
            )
            data["review_due"] = f"PT{max(0, int((end - now).total_seconds()))}S"
        instance = workflow_services.task_complete(
            instance=instance,
            task_id=task.id,
            actor=actor,
            data=data,
            expected_version=instance.version,
        )
        supplement.answered_at = now
        supplement.answer_note = note
        supplement.save(update_fields=["answered_at", "answer_note"])
        transitions.step(
            locked,
            "supplement_answer",
            actor=actor,
            note=note,
            data={"materials": list(supplement.materials), "supplement": supplement.pk},
            at=now,
        )
        case_sync_from_engine(locked, instance, actor=actor, top=top)
        if top.pk != locked.pk:
            # The bundle is due when its last item is: the resumed item may have moved on.
            dues = [
                d for d in Case.objects.filter(parent=top).values_list("due_date", flat=True) if d
            ]
            if dues and max(dues) != top.due_date:
                top.due_date = max(dues)
                case_save(top)
    case_copy(case, locked)
    return case
