"""Who may see the hotline indicators.

- Supervisors and administrators of a region (a role held in a region covers the regions below
  it) and superusers see every handling unit of the region;
- department officers see their own department's row only (and the volumes of the orders their
  department leads): a unit may follow its own standing, not read its peers';
- everyone else (hotline agents, window clerks, citizens) is refused.
"""

from __future__ import annotations

from typing import Any

from onestop.accounts.models import StaffRole
from onestop.accounts.policies import has_role, region_covers, staff_departments
from onestop.core.actors import is_active_user
from onestop.core.permissions import Permission

Role = StaffRole.Role

VIEW_HOTLINE = Permission.INSIGHTS_VIEW.value


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
    """Whether `actor` may do `action` (``region:insights:view``) for region code `obj`."""
    if action != VIEW_HOTLINE or not isinstance(obj, str):
        return False
    scope = department_scope(actor, obj)
    return scope is None or bool(scope)
