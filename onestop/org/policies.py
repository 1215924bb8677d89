"""Who may manage the organisation and work a service centre's walk-in queue.

- ``region:org:manage``: administrators of a region manage its departments, centres, windows
  and hours.
- ``public:queue_ticket:take``: anybody at the kiosk (signed in or not) and the node itself.
- ``region:queue:view``, ``region:queue_ticket:call``, ``region:queue_ticket:serve``: the window
  clerks of the centre's region (a role in a region covers the regions below it).

Who holds which staff role is a question `accounts` answers (and `accounts` imports this app
for its regions and departments). So `accounts` registers its role check here from
`AccountsConfig.ready()` (`provide_role_check`), and this app never imports `accounts`.
Without a registered check nobody may do any of the staff actions. `None` may do nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from onestop.core.actors import is_system
from onestop.core.permissions import Permission

MANAGE = Permission.ORG_MANAGE.value
TICKET_TAKE = Permission.QUEUE_TICKET_TAKE.value
QUEUE_VIEW = Permission.QUEUE_VIEW.value
TICKET_CALL = Permission.QUEUE_TICKET_CALL.value
TICKET_SERVE = Permission.QUEUE_TICKET_SERVE.value

# Answered by the staff-role check (`provide_role_check`).
STAFF_ACTIONS = frozenset({MANAGE, QUEUE_VIEW, TICKET_CALL, TICKET_SERVE})

RoleCheck = Callable[[Any, str, Any], bool]

_role_check: list[RoleCheck] = []


def provide_role_check(fn: RoleCheck) -> None:
    """Register `fn(actor, permission, obj)`, the staff-role check (one; a later one replaces)."""
    _role_check[:] = [fn]


def can(actor: Any, action: str, obj: Any) -> bool:
    """Whether `actor` may do `action` to `obj` (a region, department, centre, window or
    ticket, or a region code)."""
    if actor is None:
        return False
    if action == TICKET_TAKE:
        return is_system(actor) or hasattr(actor, "is_authenticated")  # any visitor
    if action not in STAFF_ACTIONS or not _role_check:
        return False
    return _role_check[0](actor, action, obj)
