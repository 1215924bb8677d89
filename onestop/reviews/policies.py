"""Who may do what with reviews and rectifications.

- The author of a service event (the applicant of a finished application, the account an
  invitation names) rates it signed in; anybody holding the token of an SMS link or a receipt's
  QR code rates that one event (the service checks the token, not this policy). A hotline agent
  of the order's region takes the rating at the call-back.
- Department officers see their department's reviews with the reviewer's real name (each view
  recorded) and handle its rectifications: call back, rectify, send the result, appeal the
  review. Supervisors of the region see every department's and decide appeals (申诉复核).
- The reviewer (the account that wrote the review) accepts the result or asks again.
- A helper acting for the person (帮办代办) rates and answers for them only under a delegation
  that is valid now and names `reviews` (`is_author` asks `accounts.policies.acts_for`); the
  review records the helper (`Review.agent`). A call-back rating is the agent's, not a
  helper's: acting for someone, nobody takes it.
- The public figures are open to everyone (aggregates only).
- A clerk of a window pairs that window's rating screen (一次一评); the screen then rates the
  window's current visit without sign-in (the service checks the screen's token).
- Superusers may do everything; the node itself (`SYSTEM`) only what its ticks need (nothing
  here: the tick writes through services that name it explicitly); `None` may do nothing.

`scope_q(actor)` reads the same rule as a filter over reviews and rectifications (both carry
`department` and `region`), so every listed row opens.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from onestop.accounts.models import Delegation, StaffRole
from onestop.accounts.policies import acting_agent, acts_for, has_role, roles
from onestop.core.actors import is_active_user
from onestop.core.permissions import Permission
from onestop.org.selectors import region_q

Role = StaffRole.Role
REVIEWS_SCOPE = Delegation.Scope.REVIEWS.value

SUBMIT = Permission.REVIEW_SUBMIT.value
VIEW = Permission.REVIEW_VIEW.value
HANDLE = Permission.RECTIFICATION_HANDLE.value
ANSWER = Permission.RECTIFICATION_ANSWER.value
DECIDE = Permission.REVIEW_APPEAL_DECIDE.value
STATS = Permission.REVIEW_STATS_VIEW.value
PAD = Permission.REVIEW_PAD_PAIR.value


def _superuser(actor: Any) -> bool:
    return is_active_user(actor) and bool(getattr(actor, "is_superuser", False))


def _department(obj: Any) -> str | None:
    value = getattr(obj, "department_id", None)
    return str(value) if value else None


def _region(obj: Any) -> str:
    return str(getattr(obj, "region_id", "") or getattr(obj, "code", "") or obj or "")


def is_officer(actor: Any, obj: Any) -> bool:
    """An officer of the department of `obj` (a review, rectification or invitation)."""
    department = _department(obj)
    return (
        is_active_user(actor)
        and department is not None
        and has_role(actor, Role.DEPARTMENT_OFFICER, department=department)
    )


def is_supervisor(actor: Any, region: Any) -> bool:
    """A supervisor of `region` (a region code, or an object with `region_id`)."""
    return is_active_user(actor) and (
        _superuser(actor) or has_role(actor, Role.SUPERVISOR, region=_region(region))
    )


def is_author(actor: Any, obj: Any) -> bool:
    """The account of the event (an invitation) or of the review (a review, rectification):
    the person themself, or a helper acting for them under a delegation that is valid now and
    names `reviews` (`accounts.policies.acts_for`: an expired, revoked or out-of-scope one is
    refused)."""
    if not is_active_user(actor):
        return False
    review = getattr(obj, "review", None)
    target = review if review is not None else obj
    account = getattr(target, "author_id", None) or getattr(target, "reviewer_id", None)
    return account is not None and acts_for(actor, account, REVIEWS_SCOPE)


def can(actor: Any, action: str, obj: Any = None) -> bool:  # noqa: PLR0911
    """Whether `actor` may take `action` (a `Permission` value of this app) on `obj`."""
    if action == STATS:
        return True
    if not is_active_user(actor):
        return False
    if _superuser(actor):
        return True
    if action == SUBMIT:
        if getattr(obj, "channel", "") == "callback":
            if acting_agent(actor) is not None:
                return False
            return has_role(actor, Role.HOTLINE_AGENT, region=_region(obj)) or is_supervisor(
                actor, obj
            )
        return is_author(actor, obj)
    if action == VIEW:
        if obj is None:  # the console itself
            return has_role(actor, Role.DEPARTMENT_OFFICER) or has_role(actor, Role.SUPERVISOR)
        return is_officer(actor, obj) or is_supervisor(actor, obj)
    if action == HANDLE:
        return is_officer(actor, obj)
    if action == ANSWER:
        return is_author(actor, obj)
    if action == DECIDE:
        return is_supervisor(actor, obj)
    if action == PAD:
        return obj is not None and is_clerk_of(actor, obj)
    return False


def is_clerk_of(actor: Any, window: Any) -> bool:
    """A clerk who may work `window` (a window of their service centre)."""
    from onestop.cases.selectors import clerk_regions, windows_for_clerk

    pk = getattr(window, "pk", None)
    if pk is None or not (clerk_regions(actor) or _superuser(actor)):
        return False
    return windows_for_clerk(actor=actor).filter(pk=pk).exists()


def scope_q(actor: Any) -> Q | None:
    """The reviews (or rectifications) `actor` sees in the department console, as a filter on
    `department` and `region`; None: nothing."""
    if not is_active_user(actor):
        return None
    if _superuser(actor):
        return Q()
    found = Q(pk__in=[])
    any_role = False
    for held in roles(actor):
        if held.role == Role.SUPERVISOR:
            found |= region_q(held.region_id, field="region_id")
            any_role = True
        elif held.role == Role.DEPARTMENT_OFFICER and held.department_id is not None:
            found |= Q(department_id=held.department_id)
            any_role = True
    return found if any_role else None
