"""A work order's lifecycle steps by name: the one table behind
``POST /api/v1/hotline/tickets/<number>/<action>`` and the order page's forms
(``POST /hotline/orders/<number>/<action>/``).

Each entry reads the fields of `StepInput` it needs, calls one service (which checks the
policy and the transition table) and says what happened in one translated sentence (the page
shows it; the API answers the order instead). The API fills `StepInput` from its JSON body, the
page from its form; a field a step needs and the caller did not send is a 400
``missing_field``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from onestop.core.errors import NotFound, ValidationFailed
from onestop.hotline import selectors, services
from onestop.hotline.models import WorkOrder


@dataclass(frozen=True)
class StepInput:
    """The fields of a lifecycle step (see `TicketActionIn` for which step reads which)."""

    text: str = ""
    department: str | None = None
    assisting: Sequence[str] = ()
    reason: str = ""
    uphold: bool | None = None
    satisfied: bool | None = None
    resolved: bool | None = None
    note: str = ""
    working_days: int | None = None
    approve: bool | None = None
    master: str | None = None
    service: str | None = None
    reference: str = ""
    # The rating heard at the call-back (level, indicators, text, idempotency_key), passed on
    # unread to `hooks.on_callback` listeners (reviews).
    rating: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Done:
    """The order after the step, and the sentence that tells the person who took it."""

    order: WorkOrder
    message: str


Step = Callable[[Any, WorkOrder, StepInput], Done]


def _need(value: Any, field: str) -> Any:
    if value is None:
        raise ValidationFailed(
            _("The field %(field)s is required for this action.") % {"field": field},
            code="missing_field",
            details={"field": field},
        )
    return value


def _answer_on_spot(actor: Any, order: WorkOrder, given: StepInput) -> Done:
    done = services.ticket_answer_on_spot(actor=actor, order=order, text=given.text)
    return Done(done, _("The request was answered on the call and the work order closed."))


def _dispatch(actor: Any, order: WorkOrder, given: StepInput) -> Done:
    done = services.ticket_dispatch(
        actor=actor,
        order=order,
        department=str(_need(given.department, "department")),
        assisting=given.assisting,
    )
    return Done(done, _("The work order was dispatched."))


def _sign_for(actor: Any, order: WorkOrder, given: StepInput) -> Done:
    done = services.ticket_sign_for(actor=actor, order=order)
    return Done(done, _("You signed for the work order."))


def _return(actor: Any, order: WorkOrder, given: StepInput) -> Done:
    done = services.ticket_return(actor=actor, order=order, reason=given.reason)
    return Done(done, _("The work order was returned to the hotline for arbitration."))


def _arbitrate(actor: Any, order: WorkOrder, given: StepInput) -> Done:
    uphold = bool(_need(given.uphold, "uphold"))
    done = services.ticket_arbitrate(
        actor=actor,
        order=order,
        uphold=uphold,
        department=given.department or None,
        assisting=given.assisting,
        reason=given.reason,
    )
    if uphold:
        return Done(done, _("The return was upheld and the work order dispatched again."))
    return Done(done, _("The return was rejected: the same department keeps the work order."))


def _start(actor: Any, order: WorkOrder, given: StepInput) -> Done:
    done = services.ticket_start(actor=actor, order=order)
    return Done(done, _("Handling has started."))


def _reply(actor: Any, order: WorkOrder, given: StepInput) -> Done:
    done = services.ticket_reply(actor=actor, order=order, text=given.text)
    return Done(done, _("The reply was recorded."))


def _callback(actor: Any, order: WorkOrder, given: StepInput) -> Done:
    satisfied = bool(_need(given.satisfied, "satisfied"))
    done = services.ticket_callback(
        actor=actor,
        order=order,
        satisfied=satisfied,
        resolved=bool(_need(given.resolved, "resolved")),
        note=given.note,
        rating=given.rating,
    )
    if satisfied:
        return Done(done, _("The callback was recorded and the work order closed."))
    return Done(done, _("The callback was recorded and the work order reopened."))


def _extension_request(actor: Any, order: WorkOrder, given: StepInput) -> Done:
    done = services.ticket_extension_request(
        actor=actor,
        order=order,
        working_days=int(_need(given.working_days, "working_days")),
        reason=given.reason,
    )
    return Done(done, _("The extension request was sent to the supervisors."))


def _extension_decide(actor: Any, order: WorkOrder, given: StepInput) -> Done:
    approve = bool(_need(given.approve, "approve"))
    done = services.ticket_extension_decide(
        actor=actor, order=order, approve=approve, reason=given.reason
    )
    if approve:
        return Done(done, _("The extension was approved."))
    return Done(done, _("The extension was refused."))


def _escalate(actor: Any, order: WorkOrder, given: StepInput) -> Done:
    done = services.ticket_escalate(actor=actor, order=order, reason=given.reason)
    return Done(done, _("The work order was escalated."))


def _reassign(actor: Any, order: WorkOrder, given: StepInput) -> Done:
    done = services.ticket_reassign(
        actor=actor,
        order=order,
        department=str(_need(given.department, "department")),
        reason=given.reason,
        assisting=given.assisting,
    )
    return Done(done, _("The work order was reassigned to another department."))


def _merge(actor: Any, order: WorkOrder, given: StepInput) -> Done:
    master = selectors.ticket_get(actor=actor, number=str(_need(given.master, "master")))
    done = services.ticket_merge(actor=actor, duplicate=order, master=master)
    return Done(done, _("The work order was merged into %(number)s.") % {"number": master.number})


def _transfer(actor: Any, order: WorkOrder, given: StepInput) -> Done:
    done = services.ticket_transfer(
        actor=actor,
        order=order,
        service=str(_need(given.service, "service")),
        reference=given.reference,
        note=given.note,
    )
    return Done(
        done,
        _("The work order was handed over to %(service)s.")
        % {"service": WorkOrder.EmergencyService(done.transfer_service).label},
    )


ACTIONS: dict[str, Step] = {
    "answer_on_spot": _answer_on_spot,
    "dispatch": _dispatch,
    "sign_for": _sign_for,
    "return": _return,
    "arbitrate": _arbitrate,
    "start": _start,
    "reply": _reply,
    "callback": _callback,
    "extension_request": _extension_request,
    "extension_decide": _extension_decide,
    "escalate": _escalate,
    "reassign": _reassign,
    "merge": _merge,
    "transfer": _transfer,
}


def step_get(action: str) -> Step:
    """The step called `action`; an unknown name is a 404 ``unknown_action``."""
    step = ACTIONS.get(action)
    if step is None:
        raise NotFound(
            _("There is no work-order action %(action)s.") % {"action": action},
            code="unknown_action",
        )
    return step


def ticket_act(*, actor: Any, order: WorkOrder, action: str, given: StepInput) -> Done:
    """Take the step `action` of `order` with the fields `given`."""
    return step_get(action)(actor, order, given)
