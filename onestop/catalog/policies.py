"""Who may change the catalogue.

`SYSTEM` (`core.actors`) is the node itself (the demo seed and the `onestop catalog_import`
command run by the node's operator); web and API callers always pass the signed-in user.
`actor=None` may do nothing but read.
"""

from __future__ import annotations

from typing import Any

from onestop.accounts.policies import is_administrator_of
from onestop.core.actors import is_system
from onestop.core.permissions import Permission


def can(actor: Any, action: str, obj: Any = None) -> bool:
    """`region:catalog:import` and `region:item:manage`: an administrator of the region."""
    if action == Permission.CATALOG_ITEM_VIEW:
        return True
    if action in (Permission.CATALOG_IMPORT, Permission.CATALOG_ITEM_MANAGE):
        if is_system(actor):
            return True
        if (
            actor is None
            or not getattr(actor, "is_authenticated", False)
            or not getattr(actor, "is_active", True)
        ):
            return False
        return is_administrator_of(actor, obj)
    return False
