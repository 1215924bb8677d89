"""The life cycle of a case as one explicit table: (status, action) → new status, who may take
the step, the event it writes and the notification it sends.

A top case (a bundle, or a lone item case) and an item case share the statuses of
`Case.Status`; `kinds` says which the step applies to ("bundle", "item"). Who:

- ``applicant``: the account on the top case (online submission, supplements, withdrawal);
- ``clerk``: a window clerk of the case's region (acceptance, one-time notice, supplements at
  the window);
- ``officer``: an officer of the item case's department (review, decision);
- ``system``: the engine and the delivery that follow a step (a decision by rules, delivery,
  a bundle completing when its last item does).

Every status change in `services` goes through `step()`: it looks the step up, refuses one
that is not in the table with `Conflict` (nothing changed), sets the status and writes the
step's event. The notification is named here; the service sends it with its context (an item
case inside a bundle does not tell the applicant on its own: its bundle does, once).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from onestop.cases.models import Case, CaseEvent
from onestop.core.errors import Conflict

S = Case.Status
E = CaseEvent.Kind

APPLICANT = "applicant"
CLERK = "clerk"
OFFICER = "officer"
SYSTEM = "system"

BUNDLE = Case.Kind.BUNDLE.value
ITEM = Case.Kind.ITEM.value
BOTH = (BUNDLE, ITEM)


@dataclass(frozen=True)
class Transition:
    source: str
    action: str
    target: str
    kinds: tuple[str, ...]
    who: tuple[str, ...]
    # The events the step may write (the first unless the service names another of them).
    events: tuple[str, ...]
    # The notification template the applicant gets (None: nobody is told of this step).
    notification: str | None = None


OPEN_DRAFT = (S.DRAFT, S.NOTICE)
# A mirror's statuses before the handling node's case is final, and those it may report.
MIRRORED_FROM = (S.FORWARDED, S.ACCEPTED, S.SUPPLEMENT, S.APPROVED)
MIRRORED_TO = (S.ACCEPTED, S.SUPPLEMENT, S.APPROVED, S.REJECTED, S.COMPLETED, S.WITHDRAWN)

TABLE: tuple[Transition, ...] = (
    # Online submission: the draft is checked and accepted at once (no window visit).
    *(
        Transition(s, "submit", S.ACCEPTED, BOTH, (APPLICANT,), (E.ACCEPTED,), "case.submitted")
        for s in OPEN_DRAFT
    ),
    # Unified acceptance at the window (also against a pledge); a second visit continues a notice.
    *(
        Transition(s, "accept", S.ACCEPTED, BOTH, (CLERK,), (E.ACCEPTED,), "case.submitted")
        for s in OPEN_DRAFT
    ),
    # An item case of a bundle is born accepted with its bundle (the fan-out).
    Transition(S.DRAFT, "fan_out", S.ACCEPTED, (ITEM,), (SYSTEM,), (E.ACCEPTED,)),
    # The one-time notice (一次性告知): everything missing, listed once; again on a later visit.
    *(Transition(s, "notice", S.NOTICE, BOTH, (CLERK,), (E.NOTICE_ISSUED,)) for s in OPEN_DRAFT),
    # The decision to approve (an officer's, or the rules' from verified data).
    Transition(
        S.ACCEPTED, "approve", S.APPROVED, (ITEM,), (OFFICER, SYSTEM), (E.DECIDED, E.AUTO_DECIDED)
    ),
    # Delivery after the process ends: the result (e-licence or paper), or the refusal.
    Transition(
        S.APPROVED, "deliver", S.COMPLETED, (ITEM,), (SYSTEM,), (E.DELIVERED,), "case.delivered"
    ),
    Transition(
        S.ACCEPTED, "refuse", S.REJECTED, (ITEM,), (SYSTEM,), (E.DELIVERED,), "case.delivered"
    ),
    # A bundle completes when every item case is final.
    Transition(
        S.ACCEPTED, "complete", S.COMPLETED, (BUNDLE,), (SYSTEM,), (E.COMPLETED,), "case.delivered"
    ),
    # Supplements: the clock stops while the applicant owes something, and runs again.
    Transition(
        S.ACCEPTED,
        "supplement_request",
        S.SUPPLEMENT,
        (ITEM,),
        (OFFICER,),
        (E.SUPPLEMENT_REQUESTED,),
        "case.supplement_requested",
    ),
    Transition(
        S.SUPPLEMENT,
        "supplement_answer",
        S.ACCEPTED,
        (ITEM,),
        (APPLICANT, CLERK),
        (E.SUPPLEMENT_ANSWERED,),
    ),
    # Fully online for another region's item (docs/federation.md, "Cross-province cases"): the
    # receiving node's mirror is sent to the handling node ...
    # (online by the applicant; at a window by a clerk, also continuing a one-time notice; a
    # joint scenario's item of another region with its bundle's acceptance)
    *(
        Transition(s, "forward", S.FORWARDED, (ITEM,), (APPLICANT, CLERK, SYSTEM), (E.FORWARDED,))
        for s in OPEN_DRAFT
    ),
    # ... and follows the statuses the handling node reports (`case.status` messages), in the
    # order of their sequence; the decision is the handling node's, never the mirror's.
    *(
        Transition(s, f"mirror_{t}", t, (ITEM,), (SYSTEM,), (E.REMOTE_STEP,))
        for s in MIRRORED_FROM
        for t in MIRRORED_TO
        if s != t
    ),
    # Withdrawal before any item is decided: the top case and every item case with it.
    *(
        Transition(s, "withdraw", S.WITHDRAWN, BOTH, (APPLICANT,), (E.WITHDRAWN,))
        for s in (S.DRAFT, S.NOTICE, S.ACCEPTED, S.SUPPLEMENT)
    ),
)

TRANSITIONS: dict[tuple[str, str], Transition] = {(t.source, t.action): t for t in TABLE}
ACTIONS: frozenset[str] = frozenset(t.action for t in TABLE)


def refusal(action: str) -> str:
    """The whole translated sentence refusing `action`, with ``%(status)s`` for the status."""
    sentences = {
        "submit": _("An application that is “%(status)s” cannot be submitted."),
        "accept": _("An application that is “%(status)s” cannot be accepted."),
        "fan_out": _("An application that is “%(status)s” cannot be accepted."),
        "notice": _("An application that is “%(status)s” cannot be given a one-time notice."),
        "approve": _("An application that is “%(status)s” cannot be approved."),
        "deliver": _("An application that is “%(status)s” cannot be delivered."),
        "refuse": _("An application that is “%(status)s” cannot be refused."),
        "complete": _("An application that is “%(status)s” cannot be completed."),
        "supplement_request": _(
            "An application that is “%(status)s” cannot be asked for supplements."
        ),
        "supplement_answer": _(
            "An application that is “%(status)s” is not waiting for supplements."
        ),
        "withdraw": _("An application that is “%(status)s” can no longer be withdrawn."),
        "forward": _("An application that is “%(status)s” cannot be forwarded."),
    }
    return sentences.get(action) or _("An application that is “%(status)s” cannot take this step.")


def transition_for(case: Case, action: str) -> Transition:
    """The step `action` from the case's status for its kind, or `Conflict` saying why not."""
    found = TRANSITIONS.get((str(case.status), action))
    if found is None or str(case.kind) not in found.kinds:
        raise Conflict(
            refusal(action) % {"status": S(case.status).label},
            code="illegal_transition",
            details={"status": str(case.status), "action": action, "kind": str(case.kind)},
        )
    return found


def step(
    case: Case,
    action: str,
    *,
    actor: Any = None,
    event: str | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
    at: datetime.datetime | None = None,
    write_event: bool = True,
) -> tuple[Transition, CaseEvent | None]:
    """Take the step `action` on `case` (in memory: the caller saves the case, under its row
    lock): the status becomes the step's target and the step's event is written (`event`
    names one of the step's events; `write_event=False` when the case is not saved yet: the
    caller writes `event_for(...)` after saving it). Not in the table → Conflict, nothing
    changed."""
    transition = transition_for(case, action)
    kind = event or transition.events[0]
    if kind not in transition.events:
        raise ValueError(f"{action} writes {transition.events}, not {kind}")
    case.status = transition.target
    if not write_event:
        return transition, None
    row = event_for(case, kind, actor=actor, note=note, data=data, at=at)
    row.save()
    return transition, row


def event_for(
    case: Case,
    kind: str,
    *,
    actor: Any = None,
    note: str = "",
    data: dict[str, Any] | None = None,
    at: datetime.datetime | None = None,
) -> CaseEvent:
    """An unsaved event of `case` (bulk-created by the caller, or saved by `step`)."""
    user = actor if getattr(actor, "pk", None) is not None else None
    # A helper acting for the person (帮办代办): the event is the person's, done by the helper.
    agent = getattr(actor, "acting_agent", None)
    return CaseEvent(
        case=case,
        kind=kind,
        actor=user,
        agent=agent,
        note=note,
        data=data or {},
        at=at or timezone.now(),
    )
