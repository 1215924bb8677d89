"""The officer's case-page form, turned into one service call."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from onestop.cases import policies
from onestop.cases.models import Case
from onestop.cases.services.steps import task_complete
from onestop.cases.services.supplements import supplement_request
from onestop.core.errors import PermissionDenied, ValidationFailed


def _version(raw: Any) -> int:
    try:
        return int(str(raw))
    except (TypeError, ValueError):
        raise ValidationFailed(
            _("The page is out of date. Reload it and try again."), code="bad_version"
        ) from None


def task_act(
    *,
    actor: Any,
    case: Case,
    task_id: str,
    action: str,
    expected_version: Any,
    reason: str = "",
    materials: list[str] | tuple[str, ...] = (),
) -> str:
    """Complete the officer's ready task of `case` from the case page's form; the success
    message. A stale `expected_version` (someone else acted first) → Conflict from the core,
    nothing changes."""

    if not policies.can(actor, policies.Action.STEP_DEPARTMENT, case):
        raise PermissionDenied(
            _("Only an officer of the case's department may act on it."), code="not_officer"
        )
    version = _version(expected_version)
    reason = (reason or "").strip()
    if not task_id:
        raise ValidationFailed(_("Choose a task to complete."), code="no_task")
    if action == "pass":
        task_complete(
            actor=actor,
            case=case,
            task_id=task_id,
            data={"review_outcome": "pass"},
            expected_version=version,
            reason=reason,
        )
        return _("The review passed.")
    if action == "supplement":
        if not reason:
            raise ValidationFailed(
                _("Give the reason for the supplement request."), code="reason_required"
            )
        supplement_request(
            actor=actor,
            case=case,
            reason=reason,
            materials=list(materials),
            expected_version=version,
        )
        return _("The applicant was asked for supplements; the clock is stopped.")
    if action in ("special_pass", "special_fail"):
        task_complete(
            actor=actor,
            case=case,
            task_id=task_id,
            data={"special_step_result": "pass" if action == "special_pass" else "fail"},
            expected_version=version,
            reason=reason,
        )
        return _("The special step's result was recorded.")
    if action in ("approve", "reject"):
        if not reason:
            raise ValidationFailed(
                _("A decision needs a reason. Write it and decide again."),
                code="reason_required",
            )
        task_complete(
            actor=actor,
            case=case,
            task_id=task_id,
            data={"decision": action},
            expected_version=version,
            reason=reason,
        )
        if action == "approve":
            return _("The application was approved.")
        return _("The application was rejected.")
    raise ValidationFailed(_("There is no such action."), code="unknown_action")
