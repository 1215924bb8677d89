"""Administrators of a region manage its organisation: departments, centres, windows, hours.

Who administers a region is a question of staff roles, which `accounts` keeps (and `accounts`
imports this app for its regions and departments). So `accounts` registers its role check here
from `AccountsConfig.ready()` (`provide_role_check`), and this app never imports `accounts`.
Without a registered check nobody may manage anything.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from onestop.core.permissions import Permission

MANAGE = Permission.ORG_MANAGE.value

RoleCheck = Callable[[Any, str, Any], bool]

_role_check: list[RoleCheck] = []


def provide_role_check(fn: RoleCheck) -> None:
    """Register `fn(actor, permission, obj)`, the staff-role check (one; a later one replaces)."""
    _role_check[:] = [fn]


def can(actor: Any, action: str, obj: Any) -> bool:
    """`region:org:manage` on a region, department, centre or window (or a region code)."""
    if action != MANAGE or not _role_check:
        return False
    return _role_check[0](actor, MANAGE, obj)
