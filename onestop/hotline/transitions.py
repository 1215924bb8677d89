"""The work-order lifecycle as one explicit table: (status, action) → new status, and who may.

Roles:

- ``agent``: a hotline agent of the order's region (接: intake, dispatch, callback);
- ``supervisor``: a hotline supervisor of the order's region (arbitration, reassignment,
  extensions, escalation); supervisors may also do what agents do;
- ``officer``: a department officer of the order's lead department (办: sign for, return,
  handle, reply).

Every service in `services.py` looks its step up here first; a step that is not in the table
raises `Conflict` and changes nothing. `target=None` means the status stays as it is (the step
only records something: an extension, an escalation).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from onestop.core.errors import Conflict
from onestop.hotline.models import WorkOrder

S = WorkOrder.Status

AGENT = "agent"
SUPERVISOR = "supervisor"
OFFICER = "officer"
SYSTEM = "system"  # the overdue sweep and automatic dispatch (no user)


@dataclass(frozen=True)
class Transition:
    source: str
    action: str
    target: str | None
    roles: tuple[str, ...]


_HANDLING = (S.DISPATCHED, S.SIGNED, S.IN_PROGRESS)

TABLE: tuple[Transition, ...] = (
    Transition(S.NEW, "answer_on_spot", S.ANSWERED, (AGENT, SUPERVISOR)),
    # SYSTEM: an automatic dispatch of a confident routing (Open311 intake).
    Transition(S.NEW, "dispatch", S.DISPATCHED, (AGENT, SUPERVISOR, SYSTEM)),
    Transition(S.DISPATCHED, "sign_for", S.SIGNED, (OFFICER,)),
    Transition(S.DISPATCHED, "return", S.RETURNED, (OFFICER,)),
    Transition(S.SIGNED, "return", S.RETURNED, (OFFICER,)),
    Transition(S.RETURNED, "arbitrate_uphold", S.DISPATCHED, (SUPERVISOR,)),
    Transition(S.RETURNED, "arbitrate_reject", S.DISPATCHED, (SUPERVISOR,)),
    Transition(S.SIGNED, "start", S.IN_PROGRESS, (OFFICER,)),
    Transition(S.IN_PROGRESS, "reply", S.REPLIED, (OFFICER,)),
    Transition(S.REPLIED, "callback_satisfied", S.CLOSED, (AGENT, SUPERVISOR)),
    Transition(S.REPLIED, "callback_unsatisfied", S.DISPATCHED, (AGENT, SUPERVISOR)),
    Transition(S.SIGNED, "extension_request", None, (OFFICER,)),
    Transition(S.IN_PROGRESS, "extension_request", None, (OFFICER,)),
    Transition(S.SIGNED, "extension_decide", None, (SUPERVISOR,)),
    Transition(S.IN_PROGRESS, "extension_decide", None, (SUPERVISOR,)),
    *(Transition(s, "escalate", None, (SUPERVISOR, SYSTEM)) for s in _HANDLING),
    # A supervisor moves an open order to another department outside arbitration (改派).
    *(Transition(s, "reassign", S.DISPATCHED, (SUPERVISOR,)) for s in _HANDLING),
    *(
        Transition(s, "merge", None, (AGENT, SUPERVISOR))
        for s in (S.NEW, *_HANDLING, S.RETURNED, S.REPLIED)
    ),
    # An emergency is handed over to 110 / 119 / 120 (12345–110 linkage): the order leaves the
    # hotline's handling for good, with the receiving service and its reference.
    *(
        Transition(s, "transfer", S.TRANSFERRED, (AGENT, SUPERVISOR))
        for s in (S.NEW, *_HANDLING, S.RETURNED)
    ),
)

TRANSITIONS: dict[tuple[str, str], Transition] = {(t.source, t.action): t for t in TABLE}
ACTIONS: frozenset[str] = frozenset(t.action for t in TABLE)

# Statuses in which a department still owes the citizen an answer (the overdue sweep).
OPEN_FOR_DEPARTMENT: tuple[str, ...] = tuple(str(s) for s in _HANDLING)


def transition_for(status: str, action: str) -> Transition:
    """The step `action` from `status`, or `Conflict` with a sentence that says why not."""
    found = TRANSITIONS.get((status, action))
    if found is None:
        raise Conflict(
            refusal(action) % {"status": S(status).label},
            code="illegal_transition",
            details={"status": status, "action": action},
        )
    return found


def refusal(action: str) -> str:
    """The whole translated sentence refusing `action`, with ``%(status)s`` for the status (one
    msgid per action: translators see the sentence, not a verb pasted into it)."""
    sentences = {
        "answer_on_spot": _("A work order that is “%(status)s” cannot be answered on the call."),
        "dispatch": _("A work order that is “%(status)s” cannot be dispatched."),
        "sign_for": _("A work order that is “%(status)s” cannot be signed for."),
        "return": _("A work order that is “%(status)s” cannot be returned."),
        "arbitrate_uphold": _("A work order that is “%(status)s” cannot be arbitrated."),
        "arbitrate_reject": _("A work order that is “%(status)s” cannot be arbitrated."),
        "start": _("A work order that is “%(status)s” cannot be started."),
        "reply": _("A work order that is “%(status)s” cannot be replied to."),
        "callback_satisfied": _("A work order that is “%(status)s” cannot be called back."),
        "callback_unsatisfied": _("A work order that is “%(status)s” cannot be called back."),
        "extension_request": _(
            "A work order that is “%(status)s” cannot be given an extension request."
        ),
        "extension_decide": _(
            "A work order that is “%(status)s” cannot be given an extension decision."
        ),
        "escalate": _("A work order that is “%(status)s” cannot be escalated."),
        "merge": _("A work order that is “%(status)s” cannot be merged."),
        "reassign": _("A work order that is “%(status)s” cannot be reassigned."),
        "transfer": _(
            "A work order that is “%(status)s” cannot be handed over to an emergency service."
        ),
    }
    return sentences.get(action) or _("A work order that is “%(status)s” cannot take this step.")
