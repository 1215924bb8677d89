"""Who may do what to a work order.

- Hotline agents and supervisors act on the orders of their region (a role held in a region
  covers the regions below it);
- department officers act on the orders their department leads; officers of an assisting
  department (co-handling) may read the order but not move it;
- superusers may do everything;
- the node itself (`SYSTEM`: the overdue sweep, the automatic dispatch of a confident routing)
  takes only the steps whose transition names the ``system`` role, and nothing else;
  `actor=None` may do nothing.
"""

from __future__ import annotations

from typing import Any

from onestop.accounts.models import StaffRole
from onestop.accounts.policies import has_role, staff_departments
from onestop.core.actors import is_active_user, is_system
from onestop.core.permissions import Permission
from onestop.hotline import transitions
from onestop.hotline.models import WorkOrder

Role = StaffRole.Role

CREATE = Permission.HOTLINE_CREATE.value
VIEW = Permission.HOTLINE_VIEW.value
CONTACT_VIEW = Permission.HOTLINE_CONTACT_VIEW.value
ATTACH = Permission.HOTLINE_ATTACH.value
ARTICLE = Permission.HOTLINE_ARTICLE.value  # turn a finished order's reply into a knowledge draft


def is_agent(actor: Any, region: str) -> bool:
    return bool(getattr(actor, "is_superuser", False)) or has_role(
        actor, Role.HOTLINE_AGENT, region=region
    )


def is_supervisor(actor: Any, region: str) -> bool:
    return bool(getattr(actor, "is_superuser", False)) or has_role(
        actor, Role.SUPERVISOR, region=region
    )


def is_lead_officer(actor: Any, order: WorkOrder) -> bool:
    if order.lead_department_id is None:
        return False
    if getattr(actor, "is_superuser", False):
        return True
    return has_role(actor, Role.DEPARTMENT_OFFICER, department=order.lead_department_id)


def is_assisting_officer(actor: Any, order: WorkOrder) -> bool:
    mine = staff_departments(actor)
    if not mine or order.pk is None:
        return False
    return order.assisting_departments.filter(code__in=mine).exists()


def holds(actor: Any, role: str, order: WorkOrder) -> bool:
    """Whether `actor` plays `role` (a `transitions` role) for `order`."""
    if role == transitions.AGENT:
        return is_agent(actor, order.region)
    if role == transitions.SUPERVISOR:
        return is_supervisor(actor, order.region)
    if role == transitions.OFFICER:
        return is_lead_officer(actor, order)
    return False


def can(actor: Any, action: str, obj: Any = None) -> bool:  # noqa: PLR0911
    """Whether `actor` may do `action` to `obj`.

    `action` is a lifecycle action of `transitions` (checked against the roles of its step from
    the order's current status) or one of `CREATE` (obj: a region code), `VIEW`,
    `CONTACT_VIEW`, `ATTACH` and `ARTICLE` (obj: an order). ``escalate`` by `SYSTEM` is the
    overdue sweep, ``dispatch`` by `SYSTEM` the automatic dispatch.
    """
    if action in transitions.ACTIONS and isinstance(obj, WorkOrder):
        roles = _roles_for(action, obj.status)
        if is_system(actor):
            return transitions.SYSTEM in roles
        if not is_active_user(actor):
            return False
        return any(holds(actor, role, obj) for role in roles)
    if not is_active_user(actor):
        return False
    if action == CREATE:
        return isinstance(obj, str) and (is_agent(actor, obj) or is_supervisor(actor, obj))
    if not isinstance(obj, WorkOrder):
        return False
    staff_of_region = is_agent(actor, obj.region) or is_supervisor(actor, obj.region)
    if action == VIEW:
        return staff_of_region or is_lead_officer(actor, obj) or is_assisting_officer(actor, obj)
    if action == CONTACT_VIEW:
        return is_agent(actor, obj.region) or is_lead_officer(actor, obj)
    if action == ATTACH:
        return staff_of_region or is_lead_officer(actor, obj)
    if action == ARTICLE:
        return staff_of_region
    return False


def _roles_for(action: str, status: str) -> tuple[str, ...]:
    step = transitions.TRANSITIONS.get((status, action))
    if step is not None:
        return step.roles
    # Not possible from this status: the roles of the action anywhere, so that a stranger gets
    # "forbidden" and an entitled user gets the clearer "not now" (Conflict) from the service.
    roles: list[str] = []
    for t in transitions.TABLE:
        if t.action == action:
            roles.extend(r for r in t.roles if r not in roles)
    return tuple(roles)
