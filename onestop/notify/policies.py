"""Who may do what to a notification.

- ``self:notification:read``: the recipient of an in-app notification only (to see it and
  mark it read);
- ``node:notification:resend``: a superuser or an administrator (of any region of this node),
  to send a failed notification again.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from onestop.accounts import policies as accounts_policies
from onestop.core.actors import is_system
from onestop.core.permissions import Permission
from onestop.notify.models import Notification


class Action(StrEnum):
    """This app's names in `core.permissions.Permission`."""

    READ = Permission.NOTIFICATION_READ.value
    RESEND = Permission.NOTIFICATION_RESEND.value


def can(actor: Any, action: str, obj: Any = None) -> bool:
    """Whether `actor` may do `action` to the notification `obj`."""
    if actor is None or is_system(actor) or not getattr(actor, "is_authenticated", False):
        return False  # nobody, or the node itself: it reads and resends nobody's messages
    if action == Action.READ:
        return (
            isinstance(obj, Notification)
            and obj.channel == Notification.Channel.IN_APP
            and obj.recipient_id is not None
            and obj.recipient_id == actor.pk
        )
    if action == Action.RESEND:
        return bool(getattr(actor, "is_superuser", False)) or accounts_policies.has_role(
            actor, accounts_policies.Role.ADMINISTRATOR
        )
    return False
