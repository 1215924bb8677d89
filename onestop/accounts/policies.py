"""Who may do what: roles scoped by region and department, and ownership.

A staff role (`StaffRole`) is held in one region and, for department roles, one department.
A role held in a region covers the regions below it (GB/T 2260 codes nest: ``370000`` covers
``3711xx``, ``371100`` covers ``3711xx``). Superusers may do everything.

Other apps build their own policies on `has_role`, `staff_regions` and `staff_departments`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.utils import timezone

from onestop.accounts.models import Delegation, StaffRole, User
from onestop.core.actors import is_active_user, is_system
from onestop.core.permissions import Permission
from onestop.org.selectors import region_covers  # the one GB/T 2260 nesting; re-exported

Role = StaffRole.Role


class Action(StrEnum):
    """This app's names in `core.permissions.Permission`."""

    USER_FIND = Permission.USER_FIND.value
    RESIDENT_ID_REVEAL = Permission.RESIDENT_ID_REVEAL.value
    STAFF_CREATE = Permission.ACCOUNTS_MANAGE.value
    PROFILE_VIEW = Permission.CITIZEN_PROFILE_VIEW.value
    PROFILE_UPDATE = Permission.PROFILE_UPDATE.value
    ORG_MANAGE = Permission.ORG_MANAGE.value
    STAFF_ROLE_VIEW = Permission.STAFF_ROLE_VIEW.value
    SERVICE_CODE_SHOW = Permission.SERVICE_CODE_SHOW.value
    SERVICE_CODE_SCAN = Permission.SERVICE_CODE_SCAN.value
    QUEUE_VIEW = Permission.QUEUE_VIEW.value
    QUEUE_TICKET_CALL = Permission.QUEUE_TICKET_CALL.value
    QUEUE_TICKET_SERVE = Permission.QUEUE_TICKET_SERVE.value
    IDENTITY_VERIFY = Permission.IDENTITY_VERIFY.value
    ASSURANCE_RAISE_REMOTE = Permission.ASSURANCE_RAISE_REMOTE.value
    DELEGATION_GRANT = Permission.DELEGATION_GRANT.value
    DELEGATION_RECORD = Permission.DELEGATION_RECORD.value
    DELEGATION_REVOKE = Permission.DELEGATION_REVOKE.value
    DELEGATION_ACT = Permission.DELEGATION_ACT.value


Scope = Delegation.Scope
SUBJECT_KINDS = (User.Kind.CITIZEN, User.Kind.BUSINESS)


# The walk-in queue of a service centre (`org.policies`): its region's window clerks.
QUEUE_ACTIONS = (Action.QUEUE_VIEW, Action.QUEUE_TICKET_CALL, Action.QUEUE_TICKET_SERVE)


def roles(user: Any) -> list[StaffRole]:
    """The user's roles, read once per user object (request)."""
    if not getattr(user, "is_authenticated", False) or getattr(user, "pk", None) is None:
        return []  # nobody, or the node itself (`SYSTEM`): no roles
    cached: list[StaffRole] | None = getattr(user, "_onestop_roles", None)
    if cached is None:
        cached = list(StaffRole.objects.filter(user_id=user.pk))
        user._onestop_roles = cached
    return cached


def _code(obj: Any, attr: str = "code") -> str | None:
    if obj is None:
        return None
    if isinstance(obj, str):
        return obj
    value = getattr(obj, attr, None)
    return str(value) if value is not None else None


def _region_of(obj: Any) -> str | None:
    """The region code of a region, department, centre, window, queue ticket or user, or a code
    string."""
    if obj is None:
        return None
    if isinstance(obj, str):
        return obj.split("-", 1)[0]
    region_id = getattr(obj, "region_id", None)
    if region_id:
        return str(region_id)
    if getattr(obj, "centre_id", None):
        return _region_of(obj.centre)
    code = getattr(obj, "code", None)
    if isinstance(code, str) and len(code) == 6 and code.isdigit():
        return code
    return None


def acting_agent(actor: Any) -> User | None:
    """The helper behind `actor` when `actor` is a person acted for under a delegation (the
    person's account with `acting_agent` and `acting_delegation` set by
    `selectors.acting_as`), else None."""
    return getattr(actor, "acting_agent", None)


def is_acting(actor: Any) -> bool:
    """Whether `actor` is someone acted for by a helper (not the person themself)."""
    return acting_agent(actor) is not None or getattr(actor, "acting_delegation", None) is not None


def delegation_usable(delegation: Any, helper: Any) -> bool:
    """Whether `helper` may act under `delegation` now: theirs, not revoked, not expired, and
    both accounts active."""
    return (
        isinstance(delegation, Delegation)
        and is_active_user(helper)
        and not is_acting(helper)
        and delegation.held_by(helper)
        and delegation.valid_at(timezone.now())
        and bool(getattr(delegation.principal, "is_active", False))
    )


def acts_for(actor: Any, owner_id: Any, scope: str) -> bool:
    """Whether `actor` may act as the account `owner_id` in `scope` (a `Delegation.Scope`):
    the owner themself, or a helper acting for the owner under a delegation that is valid now
    and names `scope`. An expired, revoked or out-of-scope delegation is refused.

    Every ownership check of a person's own things (cases, e-licences, pre-fill) goes through
    here, so that a delegation counts only where it reaches."""
    if not is_active_user(actor) or owner_id is None or actor.pk != owner_id:
        return False
    if not is_acting(actor):
        return True
    delegation = getattr(actor, "acting_delegation", None)
    return (
        isinstance(delegation, Delegation)
        and delegation.principal_id == owner_id
        and scope in delegation.scopes
        and delegation_usable(delegation, acting_agent(actor))
    )


def has_role(user: Any, role: str, region: Any = None, department: Any = None) -> bool:
    """Whether `user` holds `role` reaching `region` and/or `department`.

    `region` is a region or its code; `department` a department or its code
    (``<region>-<kind>``). A role without a department reaches every department of its
    region(s); a role with one reaches that department only.
    """
    region_code = _region_of(region)
    department_code = _code(department)
    if department_code is not None and region_code is None:
        region_code = department_code.split("-", 1)[0]
    for held in roles(user):
        if held.role != role:
            continue
        if region_code is not None and not region_covers(held.region_id, region_code):
            continue
        if (
            department_code is not None
            and held.department_id is not None
            and held.department_id != department_code
        ):
            continue
        return True
    return False


def is_staff_member(user: Any) -> bool:
    return bool(roles(user)) or bool(getattr(user, "is_superuser", False))


def staff_regions(user: Any) -> set[str]:
    """Codes of the regions in which `user` holds any role."""
    return {held.region_id for held in roles(user)}


def staff_departments(user: Any) -> set[str]:
    """Codes of the departments for which `user` holds a department-scoped role."""
    return {held.department_id for held in roles(user) if held.department_id is not None}


def is_administrator_of(user: Any, region: Any) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    return region is not None and has_role(user, Role.ADMINISTRATOR, region=region)


DELEGATION_ACTIONS = (
    Action.DELEGATION_GRANT,
    Action.DELEGATION_RECORD,
    Action.DELEGATION_REVOKE,
    Action.DELEGATION_ACT,
)


def _delegation_can(actor: Any, action: str, obj: Any) -> bool:
    if action == Action.DELEGATION_GRANT:
        return getattr(actor, "kind", "") in SUBJECT_KINDS
    if action == Action.DELEGATION_RECORD:
        region = _region_of(obj)
        return region is not None and has_role(actor, Role.WINDOW_CLERK, region=region)
    if not isinstance(obj, Delegation):
        return False
    if action == Action.DELEGATION_REVOKE:
        return obj.principal_id == actor.pk or obj.held_by(actor)
    if action == Action.DELEGATION_ACT:
        return delegation_usable(obj, actor)
    return False


def can(actor: Any, action: str, obj: Any = None) -> bool:  # noqa: PLR0911, PLR0912
    """Whether `actor` may do `action` to `obj`.

    - ``region:org:manage``: an administrator of the object's region (region, department,
      centre, window, or a region code);
    - ``region:accounts:manage``: an administrator of that region (a region code or object);
    - ``region:queue:view``, ``region:queue_ticket:call`` / ``serve``: a window clerk of the
      region of the centre (a centre, window or queue ticket);
    - ``staff:user:find``: any staff member;
    - ``region:staff_role:view`` (obj: a `StaffRole`): the role's holder, and an administrator
      of the role's region;
    - ``self:profile:view`` and ``self:resident_id:reveal``: the user themself only;
    - ``self:service_code:show``: the user themself, a person with a resident ID;
    - ``staff:service_code:scan``: a window clerk (of any region) or a superuser;
    - ``region:identity:verify`` (check an ID card in person, raise to L3, hand an account to
      its verified owner): a window clerk of the service centre's region (`obj` a centre);
    - ``node:identity:raise`` (raise to L2 from an identity provider's verified claims): the
      node itself, after the provider's ID token was checked;
    - ``self:delegation:grant``: a citizen or business representative names a helper;
    - ``region:delegation:record`` (obj: a centre): a window clerk of the centre's region records
      a person's consent at the window;
    - ``self:delegation:revoke`` (obj: a `Delegation`): the person, or the helper giving it up;
    - ``self:delegation:act`` (obj: a `Delegation`): its helper, while it is valid.

    Someone acted for by a helper (`is_acting`) may do none of this app's actions.

    The node itself (`SYSTEM`: seeds, the operator's commands, the identity provider login) may
    manage its organisation and staff accounts and raise a level on verified claims, nothing
    personal; `None` may do nothing.
    """
    if is_system(actor):
        return action in (Action.ORG_MANAGE, Action.STAFF_CREATE, Action.ASSURANCE_RAISE_REMOTE)
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    if not getattr(actor, "is_active", True):
        return False
    if is_acting(actor):
        # A helper acting for a person never manages the person's account: no profile, no
        # contact details, no ID in full, no service code, no further delegations.
        return False
    if action in (Action.RESIDENT_ID_REVEAL, Action.PROFILE_VIEW, Action.PROFILE_UPDATE):
        return isinstance(obj, User) and obj.pk is not None and obj.pk == actor.pk
    if action in DELEGATION_ACTIONS:
        return _delegation_can(actor, action, obj)
    if action == Action.SERVICE_CODE_SHOW:
        return (
            isinstance(obj, User)
            and obj.pk is not None
            and obj.pk == actor.pk
            and bool(obj.resident_id_index)
        )
    if action == Action.SERVICE_CODE_SCAN:
        return bool(getattr(actor, "is_superuser", False)) or has_role(actor, Role.WINDOW_CLERK)
    if action == Action.STAFF_ROLE_VIEW:
        if not isinstance(obj, StaffRole):
            return False
        return obj.user_id == actor.pk or is_administrator_of(actor, obj.region_id)
    if action == Action.ASSURANCE_RAISE_REMOTE:
        return False  # only the node, on an identity provider's checked claims
    if action == Action.IDENTITY_VERIFY:
        # In person means a real window: the clerk's role must reach the centre's region,
        # superuser or not.
        region = _region_of(obj)
        return region is not None and has_role(actor, Role.WINDOW_CLERK, region=region)
    if getattr(actor, "is_superuser", False):
        return True
    if action in (Action.ORG_MANAGE, Action.STAFF_CREATE):
        return is_administrator_of(actor, _region_of(obj))
    if action == Action.USER_FIND:
        return is_staff_member(actor)
    if action in QUEUE_ACTIONS:
        region = _region_of(obj)
        return region is not None and has_role(actor, Role.WINDOW_CLERK, region=region)
    return False
