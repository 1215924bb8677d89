"""Who may run this node's part of the network.

- ``region:peer:manage`` (add, refresh, allow and remove peers, ping them, retry or discard a
  dead letter): an active administrator of the node's region (a role held in a region covers
  the regions below it), a superuser, or the node itself (`SYSTEM`: the operator's commands
  `onestop peer …` / `onestop outbox …`);
- ``region:network:view`` (the network screen): the same people.

`actor=None` may do nothing.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from onestop.accounts import policies as account_policies
from onestop.core.actors import is_active_user, is_system
from onestop.core.permissions import Permission
from onestop.federation import conf


class Action(StrEnum):
    """This app's names in `core.permissions.Permission`."""

    PEER_MANAGE = Permission.PEER_MANAGE.value
    NETWORK_VIEW = Permission.NETWORK_VIEW.value


def can(actor: Any, action: str, obj: Any = None) -> bool:
    """Whether `actor` may do `action` (`obj` is unused: the network is the node's)."""
    if action not in (Action.PEER_MANAGE, Action.NETWORK_VIEW):
        return False
    if is_system(actor):
        return True
    if not is_active_user(actor):
        return False
    return account_policies.is_administrator_of(actor, conf.region())
