"""Who may see and act on a case.

- The applicant (the account on the top case) sees their own top cases and their item cases,
  and acts in the ``applicant`` lane (supplements, withdrawal).
- Window clerks of the case's region see every case of the region and act in the ``window``
  lane (unified acceptance: any department's item).
- Department officers see the item cases of their department (region-scoped through the
  department code) and the bundle those belong to; they act in the ``department`` lane of
  their department's item cases only.
- Supervisors of the region see every case of the region.
- Superusers may do everything.

Services and selectors call these and answer "not found" (not "forbidden") to anybody who may
not see a case, so a forged number does not reveal whether it exists.

`can(actor, action, case)` is the one entry point by permission name
(`core.permissions.Permission`, aliased here as `Action`). The node itself acting (an actor with
``is_system``, e.g. `core.actors.SYSTEM`) may take every step; `None` or an anonymous user may
take none.
"""

from __future__ import annotations

from typing import Any

from onestop.accounts.models import StaffRole
from onestop.accounts.policies import Scope, acts_for, has_role, roles
from onestop.cases.models import Case
from onestop.core.actors import is_active_user
from onestop.core.permissions import Permission

Role = StaffRole.Role

LANE_WINDOW = "window"
LANE_DEPARTMENT = "department"
LANE_APPLICANT = "applicant"


def _superuser(actor: Any) -> bool:
    return is_active_user(actor) and bool(getattr(actor, "is_superuser", False))


def _region(region: Any) -> str:
    return str(getattr(region, "code", region) or "")


def is_clerk(actor: Any, region: Any) -> bool:
    """A window clerk of `region` (a region or its code)."""
    if not is_active_user(actor):
        return False
    return _superuser(actor) or has_role(actor, Role.WINDOW_CLERK, region=_region(region))


def is_supervisor(actor: Any, region: Any) -> bool:
    if not is_active_user(actor):
        return False
    return _superuser(actor) or has_role(actor, Role.SUPERVISOR, region=_region(region))


def is_officer_of(actor: Any, case: Case) -> bool:
    """An officer of the department of the item case `case` (for a bundle: of any of its
    item cases' departments)."""
    if not is_active_user(actor):
        return False
    if _superuser(actor):
        return True
    if case.kind == Case.Kind.ITEM:
        return case.department_id is not None and has_role(
            actor, Role.DEPARTMENT_OFFICER, department=case.department_id
        )
    # Only department-officer roles count: a supervisor or clerk role scoped to a department
    # does not make its holder an officer of the bundle.
    mine = {
        held.department_id
        for held in roles(actor)
        if held.role == Role.DEPARTMENT_OFFICER and held.department_id is not None
    }
    if not mine or case.pk is None:
        return False
    return case.children.filter(department_id__in=mine).exists()


def is_applicant(actor: Any, case: Case) -> bool:
    """The account that applies (owner of the top case), or a helper acting for it under a
    delegation that reaches applications (`accounts.policies.acts_for`)."""
    if not is_active_user(actor):
        return False
    top = case.top
    return acts_for(actor, top.applicant_id, Scope.CASES)


def can_view(actor: Any, case: Case) -> bool:
    if not is_active_user(actor):
        return False
    if is_applicant(actor, case):
        return True
    region = case.region_id
    # An officer sees the item cases of their department and the bundle they belong to (its
    # shared form and materials), never the sibling item cases of other departments.
    return is_clerk(actor, region) or is_supervisor(actor, region) or is_officer_of(actor, case)


def can_act(actor: Any, case: Case, lane: str) -> bool:
    """Whether `actor` may complete a task of `lane` on `case` (an item case)."""
    if not is_active_user(actor):
        return False
    if lane == LANE_DEPARTMENT:
        return case.kind == Case.Kind.ITEM and is_officer_of(actor, case)
    if lane == LANE_WINDOW:
        return is_clerk(actor, case.region_id)
    if lane == LANE_APPLICANT:
        return is_applicant(actor, case) or is_clerk(actor, case.region_id)
    return False


def can_edit_draft(actor: Any, case: Case) -> bool:
    """The owner of an online draft, or a clerk of the region for a window draft."""
    if not is_active_user(actor) or case.parent_id is not None:
        return False
    if case.channel == Case.Channel.WINDOW:
        return is_clerk(actor, case.region_id)
    return acts_for(actor, case.applicant_id, Scope.CASES)


class Action:
    """The cases permissions (`core.permissions.Permission`), by what they let one do."""

    VIEW = Permission.CASE_VIEW
    DRAFT_EDIT = Permission.CASE_DRAFT_EDIT
    ACCEPT = Permission.CASE_ACCEPT
    STEP_DEPARTMENT = Permission.CASE_STEP_DEPARTMENT
    STEP_WINDOW = Permission.CASE_STEP_WINDOW
    SUPPLEMENT_ANSWER = Permission.CASE_SUPPLEMENT_ANSWER
    WITHDRAW = Permission.CASE_WITHDRAW
    RESULT_COLLECT = Permission.CASE_RESULT_COLLECT
    SUPERVISE = Permission.CASE_SUPERVISE


def is_system(actor: Any) -> bool:
    """The node itself (an explicit system actor), never `None` or an anonymous user."""
    return actor is not None and getattr(actor, "is_system", False) is True


def can(actor: Any, action: str, obj: Case) -> bool:
    """Whether `actor` may do `action` (a `Permission` of cases) to the case `obj`."""
    checks = {
        Action.VIEW: lambda: can_view(actor, obj),
        Action.DRAFT_EDIT: lambda: can_edit_draft(actor, obj),
        Action.ACCEPT: lambda: is_clerk(actor, obj.region_id),
        Action.STEP_DEPARTMENT: lambda: can_act(actor, obj, LANE_DEPARTMENT),
        Action.STEP_WINDOW: lambda: can_act(actor, obj, LANE_WINDOW),
        Action.SUPPLEMENT_ANSWER: lambda: can_act(actor, obj, LANE_APPLICANT),
        Action.WITHDRAW: lambda: is_applicant(actor, obj),
        Action.RESULT_COLLECT: lambda: is_clerk(actor, obj.region_id),
        Action.SUPERVISE: lambda: is_supervisor(actor, obj.region_id),
    }
    check = checks.get(Permission(action)) if action in Permission._value2member_map_ else None
    if check is None:
        return False
    return is_system(actor) or bool(check())
