"""Who may do what to a work order.

- Hotline agents and supervisors act on the orders of their region (a role held in a region
  covers the regions below it);
- department officers act on the orders their department leads; officers of an assisting
  department (co-handling) may read the order but not move it (an officer role always names
  its department: `accounts.services.staff_create`); other roles tied to a department (a
  window clerk of it) see no work order;
- superusers may do everything;
- the node itself (`SYSTEM`: the overdue sweep, the automatic dispatch of a confident routing)
  takes only the steps whose transition names the ``system`` role, and nothing else;
  `actor=None` may do nothing.

Who may see an order is one rule with two readings, kept side by side below: `scope_q(actor)`
(the orders as a filter, for lists) and `can(actor, VIEW, order)` (one order). Every list of
orders is built on `scope_q`, so a listed order always opens.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from onestop.accounts.models import StaffRole
from onestop.accounts.policies import acts_for, has_role, is_acting, region_covers, roles
from onestop.core.actors import is_active_user, is_system
from onestop.core.permissions import Permission
from onestop.hotline import transitions
from onestop.hotline.models import WorkOrder
from onestop.org.selectors import region_q

Role = StaffRole.Role

CREATE = Permission.HOTLINE_CREATE.value
VIEW = Permission.HOTLINE_VIEW.value
CONTACT_VIEW = Permission.HOTLINE_CONTACT_VIEW.value
ATTACH = Permission.HOTLINE_ATTACH.value
ARTICLE = Permission.HOTLINE_ARTICLE.value  # turn a finished order's reply into a knowledge draft
DEPARTMENT_QUEUE = Permission.HOTLINE_DEPARTMENT_QUEUE.value  # the department console
SUPERVISE = Permission.HOTLINE_SUPERVISE.value  # the supervisor console (obj: a region code)
FILE = Permission.HOTLINE_FILE.value  # file a request on the portal (anyone; obj: a region code)
TRACK = Permission.HOTLINE_TRACK.value  # follow one's own portal request (obj: an order)
# the jurisdiction table and the routing models (obj: a region code): the region's supervisors
ROUTING = Permission.HOTLINE_ROUTING.value

REGION_ROLES = (Role.HOTLINE_AGENT, Role.SUPERVISOR)  # see every order of their region(s)


# --- the scope: one rule, read for one order and as a filter ----------------------------------


def _reaches_department(held: StaffRole, code: str) -> bool:
    """Whether the officer role `held` reaches department `code` (``<region>-<kind>``): its
    own department, or, naming none, every department of its region(s)."""
    if held.department_id is not None:
        return held.department_id == code
    return region_covers(held.region_id, code.split("-", 1)[0])


def _department_q(held: StaffRole, field: str) -> Q:
    """The query form of `_reaches_department` on the department in `field`."""
    if held.department_id is not None:
        return Q(**{field: held.department_id})
    return region_q(held.region_id, f"{field}__region__code")


def _role_sees(held: StaffRole, order: WorkOrder, assisting: list[str]) -> bool:
    if held.role in REGION_ROLES:
        return region_covers(held.region_id, order.region)
    if held.role == Role.DEPARTMENT_OFFICER:
        codes = [order.lead_department_id] if order.lead_department_id else []
        return any(_reaches_department(held, code) for code in [*codes, *assisting])
    return False


def _role_q(held: StaffRole) -> Q:
    if held.role in REGION_ROLES:
        return region_q(held.region_id)
    if held.role == Role.DEPARTMENT_OFFICER:
        return _department_q(held, "lead_department") | _department_q(held, "assisting_departments")
    return Q(pk__in=[])


def scope_q(actor: Any) -> Q | None:
    """The orders `actor` may see (`can(actor, VIEW, order)`) as a filter; `None` means every
    order (a superuser). Filter with ``pk__in`` a subquery: the assisting departments are a
    many-to-many relation and would repeat rows."""
    if not is_active_user(actor):
        return Q(pk__in=[])
    if getattr(actor, "is_superuser", False):
        return None
    scope = Q(pk__in=[])
    for held in roles(actor):
        scope |= _role_q(held)
    return scope


def sees(actor: Any, order: WorkOrder) -> bool:
    """Whether `actor` may see `order`: the one-order reading of `scope_q`."""
    if not is_active_user(actor):
        return False
    if getattr(actor, "is_superuser", False):
        return True
    held_roles = roles(actor)
    assisting: list[str] = []
    if order.pk is not None and any(h.role == Role.DEPARTMENT_OFFICER for h in held_roles):
        assisting = [d.code for d in order.assisting_departments.all()]  # prefetched by lists
    return any(_role_sees(held, order, assisting) for held in held_roles)


# --- roles for an order -----------------------------------------------------------------------


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
    return any(
        held.role == Role.DEPARTMENT_OFFICER and held.department_id == order.lead_department_id
        for held in roles(actor)
    )


def holds(actor: Any, role: str, order: WorkOrder) -> bool:
    """Whether `actor` plays `role` (a `transitions` role) for `order`."""
    if role == transitions.AGENT:
        return is_agent(actor, order.region)
    if role == transitions.SUPERVISOR:
        return is_supervisor(actor, order.region)
    if role == transitions.OFFICER:
        return is_lead_officer(actor, order)
    return False


def can(actor: Any, action: str, obj: Any = None) -> bool:  # noqa: PLR0911, PLR0912
    """Whether `actor` may do `action` to `obj`.

    `action` is a lifecycle action of `transitions` (checked against the roles of its step from
    the order's current status) or one of `CREATE`, `SUPERVISE` and `ROUTING` (obj: a region code),
    `DEPARTMENT_QUEUE` (no obj: an officer of some department), `FILE` (obj: a region code:
    anyone, also not signed in) and `TRACK` (obj: a portal order: the account that filed it;
    a tracking token is checked by `selectors.ticket_track`), `VIEW` (`sees`, the reading of
    `scope_q` for one order), `CONTACT_VIEW`, `ATTACH` and `ARTICLE` (obj: an order).
    ``escalate`` by `SYSTEM` is the overdue sweep, ``dispatch`` by `SYSTEM` the automatic
    dispatch.
    """
    if action in transitions.ACTIONS and isinstance(obj, WorkOrder):
        step_roles = _roles_for(action, obj.status)
        if is_system(actor):
            return transitions.SYSTEM in step_roles
        if not is_active_user(actor):
            return False
        return any(holds(actor, role, obj) for role in step_roles)
    if action in (FILE, TRACK):
        return _citizen_can(actor, action, obj)
    if not is_active_user(actor):
        return False
    if action == CREATE:
        return isinstance(obj, str) and (is_agent(actor, obj) or is_supervisor(actor, obj))
    if action in (SUPERVISE, ROUTING):
        return isinstance(obj, str) and is_supervisor(actor, obj)
    if action == DEPARTMENT_QUEUE:
        return bool(getattr(actor, "is_superuser", False)) or any(
            held.role == Role.DEPARTMENT_OFFICER for held in roles(actor)
        )
    if not isinstance(obj, WorkOrder):
        return False
    if action == VIEW:
        return sees(actor, obj)
    staff_of_region = is_agent(actor, obj.region) or is_supervisor(actor, obj.region)
    if action == CONTACT_VIEW:
        return is_agent(actor, obj.region) or is_lead_officer(actor, obj)
    if action == ATTACH:
        return staff_of_region or is_lead_officer(actor, obj)
    if action == ARTICLE:
        return staff_of_region
    return False


def _citizen_can(actor: Any, action: str, obj: Any) -> bool:
    """`FILE`: anyone, signed in or not (anonymous filing is rate-limited by the page); the
    node itself files nothing. `TRACK`: the account that filed the portal order. A helper acting
    for the person does either only under a valid delegation naming ``hotline``."""
    if action == FILE:
        if actor is None or is_system(actor) or not isinstance(obj, str):
            return False
        if is_acting(actor):
            return acts_for(actor, actor.pk, "hotline")
        return not getattr(actor, "is_authenticated", False) or is_active_user(actor)
    return (
        is_active_user(actor)
        and isinstance(obj, WorkOrder)
        and obj.channel == WorkOrder.Channel.PORTAL
        and obj.created_by_id is not None
        and acts_for(actor, obj.created_by_id, "hotline")
    )


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
