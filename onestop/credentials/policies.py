"""Who may issue and revoke e-licences.

Only staff of the department that issues the licence type in this node's region:
department officers of that department and administrators of the region (superusers too).
Every signed-in user may see their own credentials in their wallet (the page with the QR and
the presentable PDF: the holder only, ``self:credential:view``); issuing staff see what their
department issued in the issued-licences console (``department:credential:view``), never the
holder's wallet. The licence type registry is national: only the node itself (`SYSTEM`,
the seed) and superusers change it; `SYSTEM` issues, revokes and views nothing.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from onestop.accounts.models import StaffRole
from onestop.accounts.policies import Scope, acts_for, has_role, is_administrator_of
from onestop.core.actors import is_system
from onestop.core.permissions import Permission


class Action(StrEnum):
    """This app's names in `core.permissions.Permission`."""

    TYPE_MANAGE = Permission.LICENCE_TYPE_MANAGE.value
    ISSUE = Permission.CREDENTIAL_ISSUE.value
    REVOKE = Permission.CREDENTIAL_REVOKE.value
    VIEW = Permission.CREDENTIAL_VIEW.value
    ISSUED_VIEW = Permission.CREDENTIAL_ISSUED_VIEW.value


def issuing_staff(actor: Any) -> bool:
    """Whether `actor` is staff of some issuing department: an officer of a department, an
    administrator of a region, or a superuser (the issued-licences console)."""
    if actor is None or is_system(actor) or not getattr(actor, "is_authenticated", False):
        return False
    if getattr(actor, "is_superuser", False):
        return True
    return has_role(actor, StaffRole.Role.DEPARTMENT_OFFICER) or has_role(
        actor, StaffRole.Role.ADMINISTRATOR
    )


def staff_of(actor: Any, department_code: str) -> bool:
    """Whether `actor` is an officer of the department or an administrator of its region."""
    if actor is None or is_system(actor) or not getattr(actor, "is_authenticated", False):
        return False
    if not getattr(actor, "is_active", True):
        return False
    region = department_code.split("-", 1)[0]
    if is_administrator_of(actor, region):
        return True
    return has_role(actor, StaffRole.Role.DEPARTMENT_OFFICER, department=department_code)


def can(actor: Any, action: str, obj: Any = None) -> bool:  # noqa: PLR0911 - one answer per action
    """`obj` is a department code for ISSUE, a credential for REVOKE, VIEW and ISSUED_VIEW
    (none for TYPE_MANAGE; ISSUED_VIEW with none: whether `actor` has the issued-licences
    console at all, the check of both its view and its place in the staff navigation)."""
    if action == Action.TYPE_MANAGE:
        return is_system(actor) or bool(
            getattr(actor, "is_authenticated", False)
            and getattr(actor, "is_active", True)
            and getattr(actor, "is_superuser", False)
        )
    if is_system(actor):
        return False
    if action == Action.ISSUE:
        return isinstance(obj, str) and staff_of(actor, obj)
    if action == Action.REVOKE:
        return obj is not None and staff_of(actor, str(obj.issuer_department))
    if action == Action.ISSUED_VIEW and obj is None:
        return issuing_staff(actor)
    if actor is None or not getattr(actor, "is_authenticated", False) or obj is None:
        return False
    if action == Action.VIEW:
        # the holder, or a helper acting for them under a delegation that reaches licences
        return acts_for(actor, obj.holder_id, Scope.LICENCES)
    if action == Action.ISSUED_VIEW:
        return staff_of(actor, str(obj.issuer_department))
    return False
