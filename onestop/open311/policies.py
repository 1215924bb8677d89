"""Who may manage the Open311 clients of a region (issue and revoke their API keys).

- ``region:open311_client:manage``: an active administrator of the client's region (a role
  held in a region covers the regions below it) or a superuser. `obj` is the client or a
  region code. The node itself (`SYSTEM`) issues no keys: a person answers for each one;
  `actor=None` may do nothing.

The clients themselves act through their service account (a hotline agent of their region),
so filing and reading requests is the hotline's policy.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from onestop.accounts import policies as account_policies
from onestop.core.actors import is_system
from onestop.core.permissions import Permission


class Action(StrEnum):
    """This app's names in `core.permissions.Permission`."""

    CLIENT_MANAGE = Permission.OPEN311_CLIENT_MANAGE.value


def can(actor: Any, action: str, obj: Any = None) -> bool:
    """Whether `actor` may do `action` to the client (or region code) `obj`."""
    if action != Action.CLIENT_MANAGE or actor is None or is_system(actor):
        return False
    if not getattr(actor, "is_authenticated", False) or not getattr(actor, "is_active", True):
        return False
    region = obj if isinstance(obj, str) else getattr(obj, "region", None)
    if getattr(actor, "is_superuser", False):
        return True
    return region is not None and account_policies.is_administrator_of(actor, region)
