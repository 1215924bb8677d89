"""Who may change the catalogue.

`actor=None` is the system itself (the demo seed and the `onestop catalog_import` command run by
the node's operator); web and API callers always pass the signed-in user.
"""

from __future__ import annotations

from typing import Any

from onestop.accounts.policies import is_administrator_of
from onestop.core.permissions import Permission


def can(actor: Any, action: str, obj: Any = None) -> bool:
    """`region:catalog:import` and `region:item:manage`: an administrator of the region."""
    if action == Permission.CATALOG_ITEM_VIEW:
        return True
    if action in (Permission.CATALOG_IMPORT, Permission.CATALOG_ITEM_MANAGE):
        if actor is None:
            return True
        if not getattr(actor, "is_authenticated", False) or not getattr(actor, "is_active", True):
            return False
        return is_administrator_of(actor, obj)
    return False
