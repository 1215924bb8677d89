"""Who may do what to a notification.

- ``self:notification:read``: the recipient of an in-app notification only (to see it and
  mark it read);
- ``node:notification:resend``: a superuser, or an administrator of the notification's region
  (the recipient's region; a message to a bare phone number or to someone without a region
  belongs to the node's own region, so only its administrators resend it), to send a failed
  notification again. Without a notification: whether the actor may resend any at all.

`scope_q(actor)` is the same rule as a filter (the admin's list of notifications).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db.models import Q

from onestop.accounts import policies as accounts_policies
from onestop.core.actors import is_system
from onestop.core.permissions import Permission
from onestop.notify.models import Notification
from onestop.org import selectors as org_selectors


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
            # a helper acting for the person does not read the person's messages
            and not accounts_policies.is_acting(actor)
        )
    if action == Action.RESEND:
        if getattr(actor, "is_superuser", False):
            return True
        region = notification_region(obj) if isinstance(obj, Notification) else None
        return accounts_policies.has_role(actor, accounts_policies.Role.ADMINISTRATOR, region)
    return False


def notification_region(notification: Notification) -> str:
    """The region a notification belongs to: its recipient's, else the node's."""
    recipient = notification.recipient
    region = getattr(recipient, "region_id", None) if recipient is not None else None
    return str(region or settings.NODE_REGION)


def scope_q(actor: Any) -> Q:
    """The notifications `actor` administers (superuser: all; an administrator: those of the
    regions they administer; anyone else: none)."""
    if getattr(actor, "is_superuser", False):
        return Q()
    q = Q(pk__in=[])
    node = str(settings.NODE_REGION)
    for held in accounts_policies.roles(actor):
        if held.role != accounts_policies.Role.ADMINISTRATOR:
            continue
        q |= org_selectors.region_q(held.region_id, "recipient__region")
        if org_selectors.region_covers(held.region_id, node):
            q |= Q(recipient__isnull=True) | Q(recipient__region__isnull=True)
    return q
