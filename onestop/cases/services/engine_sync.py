"""Engine → case: the item case follows its process after every step.

`engine_follow` copies a workflow's view (waiting task, decision, delivery) onto the item case in
memory and collects the events to write; `case_sync_from_engine` does it for a stored instance
after a step and saves. The submission fans out with `engine_follow` on the views the engine
returned when it started the processes, so no workflow is restored from JSON to learn what it
just did.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from onestop.cases import transitions
from onestop.cases.models import Case, CaseEvent
from onestop.cases.services.common import FINAL_ITEM, EventKind, S, case_save, current_time
from onestop.cases.services.delivery import case_deliver, completion_check
from onestop.cases.services.notices import decided_notify
from onestop.workflow import selectors as workflow_selectors
from onestop.workflow.engine import ProcessView
from onestop.workflow.models import ProcessInstance


def engine_follow(
    case: Case,
    view: ProcessView,
    *,
    actor: Any,
    top: Case,
    events: list[CaseEvent],
    reason: str = "",
) -> None:
    """Copy the engine's view onto the (locked) item case in memory: waiting task, decision,
    delivery; the events to write are appended to `events`. The caller saves the case."""
    case.task_name = view.tasks[0].name if view.tasks else ""
    case.task_lane = view.tasks[0].lane if view.tasks else ""
    variables = view.variables
    now = current_time()
    decision = str(variables.get("decision") or "")
    if decision in ("approve", "reject") and not case.decision:
        auto = variables.get("decided_by") == "rules"
        case.decision = decision
        case.decided_at = now
        case.auto_decided = auto
        case.decided_by = None if auto else (actor if getattr(actor, "pk", None) else None)
        case.decision_reason = reason or (_("Decided by rules from verified data.") if auto else "")
        kind = EventKind.AUTO_DECIDED if auto else EventKind.DECIDED
        if decision == "approve" and case.status == S.ACCEPTED:
            transitions.step(case, "approve", event=kind, write_event=False)
        events.append(
            transitions.event_for(
                case,
                kind,
                actor=None if auto else actor,
                note=case.decision_reason,
                data={"decision": decision},
                at=now,
            )
        )
        decided_notify(case)
    if view.completed and variables.get("delivered") and case.status not in FINAL_ITEM:
        case_deliver(case, top=top, now=now, events=events)


def case_sync_from_engine(
    case: Case, instance: ProcessInstance, *, actor: Any, top: Case, reason: str = ""
) -> None:
    """Copy the engine's state onto the (locked) item case after a step and save it;
    completes the bundle when every item case is final."""
    events: list[CaseEvent] = []
    view = workflow_selectors.instance_view(instance=instance)
    engine_follow(case, view, actor=actor, top=top, events=events, reason=reason)
    case_save(case)
    CaseEvent.objects.bulk_create(events)
    if case.status in FINAL_ITEM:
        completion_check(top, now=current_time())
