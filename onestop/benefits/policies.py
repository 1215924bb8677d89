"""Who may do what with benefit offers.

- ``self:benefit_offer:view``: the offer's holder; officers of the granting department and
  supervisors of the offer's region (the console: offers of their department, without the
  holder's name); superusers.
- ``self:benefit_offer:confirm``: the holder only (nobody confirms for someone else).
- ``self:benefit:opt-out`` (and opting in again): a signed-in citizen or business, for themself.
- ``department:benefit_offer:view`` (the console and its figures; `obj` None): an officer of a
  department that grants a benefit, a supervisor, a superuser.
- ``department:benefit_offer:pay`` (record the payment of an offer): an officer of the offer's
  (paying) department, a person who signs in — never its rule runner (the service account that
  only fetches and decides), never a supervisor or a superuser (the payment is the
  department's act), never someone acting for another.

The node itself (`SYSTEM`) matches and grants through services that name it explicitly; here
it may do nothing, and `None` nothing either.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from onestop.accounts.models import StaffRole
from onestop.accounts.policies import acting_agent, has_role, roles
from onestop.benefits.rules import RULES
from onestop.core.actors import is_active_user
from onestop.core.permissions import Permission
from onestop.org.selectors import region_q

Role = StaffRole.Role

VIEW = Permission.BENEFIT_OFFER_VIEW.value
CONFIRM = Permission.BENEFIT_OFFER_CONFIRM.value
OPT_OUT = Permission.BENEFIT_OPT_OUT.value
CONSOLE = Permission.BENEFIT_CONSOLE_VIEW.value
PAY = Permission.BENEFIT_OFFER_PAY.value

SUBJECT_KINDS = frozenset({"citizen", "business"})
GRANTING_KINDS = frozenset(rule.department_kind for rule in RULES.values())


def _superuser(actor: Any) -> bool:
    return is_active_user(actor) and bool(getattr(actor, "is_superuser", False))


def is_holder(actor: Any, offer: Any) -> bool:
    return (
        is_active_user(actor)
        and getattr(offer, "holder_id", None) is not None
        and offer.holder_id == actor.pk
    )


def can(actor: Any, action: str, obj: Any = None) -> bool:  # noqa: PLR0911
    """Whether `actor` may take `action` (a `Permission` value of this app) on `obj`."""
    if not is_active_user(actor):
        return False
    if action == CONFIRM:
        return is_holder(actor, obj)
    if action == OPT_OUT:
        return getattr(actor, "kind", "") in SUBJECT_KINDS
    if action == PAY:
        department = getattr(obj, "department_id", None)
        return (
            bool(department)
            and not is_rule_runner(actor)
            and acting_agent(actor) is None
            and has_role(actor, Role.DEPARTMENT_OFFICER, department=department)
        )
    if _superuser(actor):
        return action in (VIEW, CONSOLE)
    if action == VIEW:
        if is_holder(actor, obj):
            return True
        department = getattr(obj, "department_id", None)
        region = getattr(obj, "region_id", None)
        return bool(
            (department and has_role(actor, Role.DEPARTMENT_OFFICER, department=department))
            or (region and has_role(actor, Role.SUPERVISOR, region=region))
        )
    if action == CONSOLE:
        return any(
            (held.role == Role.DEPARTMENT_OFFICER and _granting(held.department_id))
            or held.role == Role.SUPERVISOR
            for held in roles(actor)
        )
    return False


# The rule runners' usernames (`services.runner_for`): service accounts with an unusable
# password, department officers only so that their fetches count as the department's.
RUNNER_PREFIX = "benefits-"


def is_rule_runner(user: Any) -> bool:
    """A department's rule runner (a service account nobody signs in as)."""
    return str(getattr(user, "username", "")).startswith(RUNNER_PREFIX) and not (
        user.has_usable_password() if hasattr(user, "has_usable_password") else True
    )


def _granting(department: str | None) -> bool:
    return bool(department) and str(department).split("-", 1)[-1] in GRANTING_KINDS


def scope_q(actor: Any) -> Q | None:
    """The offers `actor` sees in the console, as a filter on `department` and `region`;
    None: nothing."""
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
        elif held.role == Role.DEPARTMENT_OFFICER and _granting(held.department_id):
            found |= Q(department_id=held.department_id)
            any_role = True
    return found if any_role else None
