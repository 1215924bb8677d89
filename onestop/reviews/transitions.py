"""The life cycle of a rectification as one explicit table: (status, action) → new status, who
may take the step, and the notification it sends (to the reviewer, or to staff).

Who:

- ``department``: an officer of the review's department (谁办理、谁负责);
- ``reviewer``: the author of the review (or the holder of its link's token);
- ``supervisor``: a supervisor of the region (申诉复核: appeals);
- ``system``: the node itself (a review changed to a good one ends the loop).

Every status change in `services` goes through `step()`: it looks the step up, refuses one that
is not in the table with `Conflict` (nothing changed), sets the status and writes the event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from onestop.core.errors import Conflict
from onestop.reviews.models import Rectification, RectificationEvent

S = Rectification.Status

DEPARTMENT = "department"
REVIEWER = "reviewer"
SUPERVISOR = "supervisor"
SYSTEM = "system"


@dataclass(frozen=True)
class Transition:
    source: str
    action: str
    target: str
    who: tuple[str, ...]
    # The template the reviewer is sent (None: the reviewer is not told of this step).
    notification: str | None = None


# Statuses in which the department still owes the reviewer something (the clock runs).
RUNNING = (S.OPEN, S.RECTIFYING)
# Statuses from which the department may appeal the review itself.
APPEALABLE = (S.OPEN, S.RECTIFYING, S.RESULT_SENT)
FINAL = (S.ACCEPTED, S.VOIDED, S.WITHDRAWN)

TABLE: tuple[Transition, ...] = (
    # The call-back within one working day: the department hears the reviewer out.
    Transition(S.OPEN, "call_back", S.RECTIFYING, (DEPARTMENT,)),
    # The result of the rectification (or the explanation where there is nothing to fix).
    Transition(S.RECTIFYING, "send_result", S.RESULT_SENT, (DEPARTMENT,), "reviews.result"),
    # A call-back and the result may be one conversation (立行立改: fixed at once).
    Transition(S.OPEN, "send_result", S.RESULT_SENT, (DEPARTMENT,), "reviews.result"),
    # The reviewer accepts the result: the loop is closed ...
    Transition(S.RESULT_SENT, "accept", S.ACCEPTED, (REVIEWER,)),
    # ... or asks again: another round, with a new limit.
    Transition(S.RESULT_SENT, "ask_again", S.RECTIFYING, (REVIEWER,)),
    # The department appeals the review as malicious or mistaken (申诉复核) ...
    *(Transition(s, "appeal", S.APPEALED, (DEPARTMENT,)) for s in APPEALABLE),
    # ... and a supervisor voids it (the review no longer counts) or upholds it: the loop goes
    # on where it was (`appealed_from`; the service names the target).
    Transition(S.APPEALED, "void", S.VOIDED, (SUPERVISOR,), "reviews.voided"),
    *(
        Transition(S.APPEALED, f"uphold_{s}", s, (SUPERVISOR,), "reviews.upheld")
        for s in APPEALABLE
    ),
    # The reviewer changed the review to a good one: nothing left to rectify.
    *(Transition(s, "withdraw", S.WITHDRAWN, (SYSTEM,)) for s in (*APPEALABLE, S.APPEALED)),
)

TRANSITIONS: dict[tuple[str, str], Transition] = {(t.source, t.action): t for t in TABLE}


def refusal(action: str) -> str:
    """The whole translated sentence refusing `action`, with ``%(status)s`` for the status."""
    sentences = {
        "call_back": _("A rectification that is “%(status)s” cannot be called back."),
        "send_result": _("A rectification that is “%(status)s” cannot send a result."),
        "accept": _("A rectification that is “%(status)s” cannot be accepted."),
        "ask_again": _("A rectification that is “%(status)s” cannot be asked for again."),
        "appeal": _("A rectification that is “%(status)s” cannot be appealed."),
        "void": _("An appeal of a rectification that is “%(status)s” cannot be decided."),
    }
    if action.startswith("uphold_"):
        return sentences["void"]
    return sentences.get(action) or _("A rectification that is “%(status)s” cannot take this step.")


def transition_for(rectification: Rectification, action: str) -> Transition:
    """The step `action` from the rectification's status, or `Conflict` saying why not."""
    found = TRANSITIONS.get((str(rectification.status), action))
    if found is None:
        raise Conflict(
            refusal(action) % {"status": S(rectification.status).label},
            code="illegal_transition",
            details={"status": str(rectification.status), "action": action},
        )
    return found


def step(
    rectification: Rectification, action: str, *, actor: Any = None, note: str = ""
) -> tuple[Transition, RectificationEvent]:
    """Take `action` (in memory: the caller saves the row, under its lock) and write its event.
    Not in the table → Conflict, nothing changed."""
    transition = transition_for(rectification, action)
    source = str(rectification.status)
    rectification.status = transition.target
    event = RectificationEvent.objects.create(
        rectification=rectification,
        action=action,
        from_status=source,
        to_status=transition.target,
        actor=actor if getattr(actor, "pk", None) is not None else None,
        note=note,
    )
    return transition, event
