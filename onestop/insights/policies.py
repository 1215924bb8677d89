"""Who may see the hotline indicators.

- Supervisors and administrators of a region (a role held in a region covers the regions below
  it) and superusers see every handling unit of the region;
- department officers see their own department's row only (and the volumes of the orders their
  department leads): a unit may follow its own standing, not read its peers';
- everyone else (hotline agents, window clerks, citizens) is refused.

The steering dashboards (`/insights/`) follow the same scope: the centre director (supervisor or
administrator of the region) sees every department, a department head (department officer)
their own. A hotspot card is seen by the director and by the officers of the department that
owns its category; only those officers open and update its proactive task.
"""

from __future__ import annotations

from typing import Any

from onestop.accounts.models import StaffRole
from onestop.accounts.policies import has_role, region_covers, staff_departments
from onestop.core.actors import is_active_user
from onestop.core.permissions import Permission

Role = StaffRole.Role

VIEW_HOTLINE = Permission.INSIGHTS_VIEW.value
VIEW_HOTSPOT = Permission.HOTSPOT_VIEW.value
ACT_HOTSPOT = Permission.HOTSPOT_ACT.value


def department_scope(actor: Any, region: str) -> frozenset[str] | None:
    """The departments of `region` whose rows `actor` may read: `None` means all of them
    (supervisors, administrators, superusers); an empty set means none."""
    if not is_active_user(actor):
        return frozenset()
    if getattr(actor, "is_superuser", False):
        return None
    if has_role(actor, Role.SUPERVISOR, region=region) or has_role(
        actor, Role.ADMINISTRATOR, region=region
    ):
        return None
    return frozenset(
        code
        for code in staff_departments(actor)
        if region_covers(region, code.split("-", 1)[0])
        and has_role(actor, Role.DEPARTMENT_OFFICER, department=code)
    )


def can(actor: Any, action: str, obj: Any = None) -> bool:
    """Whether `actor` may do `action`: ``region:insights:view`` for region code `obj`;
    ``department:hotspot:view`` / ``department:hotspot:act`` for a `Hotspot` `obj`."""
    if action == VIEW_HOTLINE:
        if not isinstance(obj, str):
            return False
        scope = department_scope(actor, obj)
        return scope is None or bool(scope)
    if action in (VIEW_HOTSPOT, ACT_HOTSPOT):
        region = getattr(obj, "region", None)
        if not isinstance(region, str) or not is_active_user(actor):
            return False
        owner = getattr(obj, "department_id", None)
        owns = bool(owner) and has_role(actor, Role.DEPARTMENT_OFFICER, department=owner)
        if action == ACT_HOTSPOT:
            return owns
        return owns or department_scope(actor, region) is None
    return False
