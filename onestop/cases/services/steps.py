"""The officers' and clerks' steps on an item case's process (decisions included)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from onestop.cases import policies
from onestop.cases.models import (
    Case,
)
from onestop.cases.services.common import (
    MAX_REASON,
    EventKind,
    S,
    case_copy,
    case_lock_pair,
    case_not_found,
    event_record,
    text_clean,
)
from onestop.cases.services.engine_sync import case_sync_from_engine
from onestop.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from onestop.workflow import selectors as workflow_selectors
from onestop.workflow import services as workflow_services
from onestop.workflow.models import ProcessInstance


def step_instance(case: Case) -> ProcessInstance:
    if case.kind != Case.Kind.ITEM or not case.number:
        raise ValidationFailed(_("Only an item case has steps to complete."), code="not_an_item")
    try:
        return workflow_selectors.instance_get(business_key=str(case.number))
    except NotFound:
        raise ValidationFailed(_("This case has no process."), code="no_process") from None


def step_stale() -> Conflict:
    return Conflict(
        _("Someone else completed this step in the meantime. Reload the case to see what changed."),
        code="stale",
    )


def step_version(value: Any) -> int:
    """The instance version a page sent back (forms send text); nonsense → stale."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise step_stale() from None


def _task(instance: ProcessInstance, task_id: str) -> Any:
    for task in workflow_selectors.ready_tasks(instance=instance):
        if task.id == str(task_id):
            return task
    raise NotFound(_("This task is not waiting to be done (any more)."), code="task_not_ready")


def _task_data(name: str, data: Any, reason: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ValidationFailed(_("The step's answer must be named values."), code="invalid_data")
    allowed: dict[str, tuple[str, ...]] = {
        "review": ("pass",),
        "special_step": ("pass", "fail"),
        "decide": ("approve", "reject"),
    }
    field = {
        "review": "review_outcome",
        "special_step": "special_step_result",
        "decide": "decision",
    }
    if name == "supplement":
        raise ValidationFailed(_("The applicant answers a supplement request."), code="wrong_task")
    if name not in field:
        return dict(data)
    key = field[name]
    if set(data) != {key} or str(data[key]) not in allowed[name]:
        raise ValidationFailed(
            _("Choose one of the options for this step."),
            code="invalid_data",
            details={"field": key, "allowed": list(allowed[name])},
        )
    if name == "decide" and not reason:
        raise ValidationFailed(_("Give the reason for the decision."), code="reason_required")
    return {key: str(data[key])}


def task_complete(
    *,
    actor: Any,
    case: Case,
    task_id: str,
    data: dict[str, Any],
    expected_version: int,
    reason: str = "",
) -> Case:
    """An officer (lane "department", of the item's department) or a clerk (lane "window")
    completes a ready task of an item case. `expected_version` is the process instance version
    the officer's page showed (`case_task_view`): when someone else acted in the
    meantime → Conflict and nothing changes. Decisions need a reason."""
    reason = text_clean(reason, field="reason", required=False, limit=MAX_REASON)
    with transaction.atomic():
        top, locked = case_lock_pair(case)
        if not policies.can_view(actor, locked):
            raise case_not_found()
        instance = step_instance(locked)
        expected_version = step_version(expected_version)
        if instance.version != expected_version:
            raise step_stale()
        if locked.status not in (S.ACCEPTED, S.APPROVED):
            raise Conflict(_("This case is not waiting for this step."), code="not_waiting")
        task = _task(instance, task_id)
        if not policies.can_act(actor, locked, task.lane):
            raise PermissionDenied(_("You may not complete this step."), code="forbidden")
        clean = _task_data(task.name, data, reason)
        instance = workflow_services.task_complete(
            instance=instance,
            task_id=task.id,
            actor=actor,
            data=clean,
            expected_version=expected_version,
        )
        event_record(
            locked,
            EventKind.TASK_COMPLETED,
            actor=actor,
            note=reason,
            data={"task": task.name, **{k: v for k, v in clean.items() if isinstance(v, str)}},
        )
        case_sync_from_engine(locked, instance, actor=actor, top=top, reason=reason)
    case_copy(case, locked)
    return case
