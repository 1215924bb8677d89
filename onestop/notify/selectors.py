"""Reads of notify, scoped to the actor: a person sees their own in-app notifications only."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from onestop.core.errors import NotFound
from onestop.notify import policies
from onestop.notify.models import Notification


def notification_list(*, actor: Any) -> QuerySet[Notification]:
    """The actor's in-app notifications, newest first (none for an anonymous actor)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(
        recipient_id=actor.pk, channel=Notification.Channel.IN_APP
    ).order_by("-created_at", "-id")


def notifications_mentioning(
    *, actor: Any, texts: list[str], limit: int = 50
) -> list[Notification]:
    """The actor's in-app notifications whose body mentions one of `texts` (case numbers, ...),
    newest first."""
    texts = [t for t in texts if t]
    if not texts:
        return []
    condition = Q()
    for text in texts:
        condition |= Q(body__contains=text)
    return list(notification_list(actor=actor).filter(condition)[:limit])


def notification_unread_count(*, actor: Any) -> int:
    return notification_list(actor=actor).exclude(status=Notification.Status.READ).count()


def notification_get(*, actor: Any, notification_id: uuid.UUID | str) -> Notification:
    """One in-app notification of the actor; `NotFound` for anyone else's (no existence leak)."""
    try:
        notification = Notification.objects.get(pk=notification_id)
    except (Notification.DoesNotExist, ValidationError, ValueError, TypeError):
        notification = None
    if notification is None or not policies.can(actor, policies.Action.READ, notification):
        raise NotFound(_("There is no such notification."))
    return notification


def notifications_shown(notifications: Any, language: str) -> list[Notification]:
    """The notifications with the text a page in `language` shows (`shown_subject`,
    `shown_body`, `shown_language`): the message as rendered in that language when it was
    sent (`texts`), else the stored one, in the language it was sent in."""
    wanted = "en" if (language or "").startswith("en") else "zh-hans"
    rows = list(notifications)
    for n in rows:
        text = n.texts.get(wanted) if isinstance(n.texts, dict) else None
        if isinstance(text, dict) and text.get("subject") and text.get("body"):
            shown = (str(text["subject"]), str(text["body"]), wanted)
        else:
            shown = (n.subject, n.body, n.language)
        # for the template only, like a queryset annotation (not stored)
        for name, value in zip(
            ("shown_subject", "shown_body", "shown_language"), shown, strict=True
        ):
            setattr(n, name, value)
    return rows
