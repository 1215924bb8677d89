"""Administrators of a region manage its organisation: departments, centres, windows, hours."""

from __future__ import annotations

from typing import Any

from onestop.accounts import policies as accounts_policies
from onestop.core.permissions import Permission

MANAGE = Permission.ORG_MANAGE.value


def can(actor: Any, action: str, obj: Any) -> bool:
    """`region:org:manage` on a region, department, centre or window (or a region code)."""
    if action != MANAGE:
        return False
    return accounts_policies.can(actor, MANAGE, obj)
