"""Reads of the walk-in queue."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from onestop.cases.models import QueueTicket
from onestop.cases.selectors.window import centres_for_clerk, window_get
from onestop.core.errors import NotFound
from onestop.org.models import ServiceCentre, Window


def _today() -> datetime.date:
    return timezone.localdate()


def ticket_purpose(ticket: QueueTicket) -> str:
    """What the walk-in came for, in the active language."""
    if ticket.scenario_id and ticket.scenario is not None:
        return str(ticket.scenario.name)
    if ticket.item_id and ticket.item is not None:
        return str(ticket.item.name)
    return ticket.purpose or _("Other business")


def queue_waiting(*, actor: Any, centre: ServiceCentre) -> QuerySet[QueueTicket]:
    if centre not in centres_for_clerk(actor=actor):
        raise NotFound(_("There is no such window at your service centre."))
    return QueueTicket.objects.filter(
        centre=centre, day=_today(), status=QueueTicket.Status.WAITING
    ).order_by("seq")


def queue_called(*, actor: Any, window: Window) -> QuerySet[QueueTicket]:
    """Tickets called to `window` today and not yet finished."""
    window_get(actor=actor, window_id=window.pk)
    return QueueTicket.objects.filter(
        window=window, day=_today(), status=QueueTicket.Status.CALLED
    ).order_by("-called_at")


def callable_tickets(*, window: Window) -> QuerySet[QueueTicket]:
    """Today's waiting tickets `window` can take, the longest-waiting first. A comprehensive
    window takes everyone (unified acceptance); a department's own window takes the walk-ins
    who came for one of its departments' items, and those who did not say."""
    qs = QueueTicket.objects.filter(
        centre_id=window.centre_id, day=_today(), status=QueueTicket.Status.WAITING
    )
    if not window.comprehensive:
        departments = list(window.departments.values_list("pk", flat=True))
        qs = qs.filter(
            Q(item__implementing_department_id__in=departments)
            | Q(item__isnull=True, scenario__isnull=True)
        )
    return qs.order_by("seq")


def _ticket_for_window(actor: Any, ticket_id: Any) -> QueueTicket:
    try:
        ticket = QueueTicket.objects.select_related("centre").get(pk=int(ticket_id))
    except (QueueTicket.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("There is no such queue ticket.")) from None
    if ticket.centre not in centres_for_clerk(actor=actor):
        raise NotFound(_("There is no such queue ticket."))
    return ticket


def ticket_get(*, actor: Any, ticket_id: Any) -> QueueTicket:
    return _ticket_for_window(actor, ticket_id)
