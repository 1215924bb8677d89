"""The walk-in queue's writes: take a number, call, serve, absent."""

from __future__ import annotations

import datetime
import time
from typing import Any

from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from onestop.cases.models import Case, QueueTicket
from onestop.cases.selectors.tickets import _ticket_for_window, _today, callable_tickets
from onestop.cases.selectors.window import _check_case, window_get
from onestop.core.errors import ValidationFailed
from onestop.org.models import ServiceCentre, Window

TICKET_PREFIX = "A"

TAKE_ATTEMPTS = 20


def ticket_take(
    *,
    centre: ServiceCentre,
    scenario: Any = None,
    item: Any = None,
    purpose: str = "",
    day: datetime.date | None = None,
) -> QueueTicket:
    """A walk-in takes the next number of `centre` today (A001, A002 ...).

    Two kiosks taking at the same moment may read the same last number; the unique
    (centre, day, seq) constraint rejects the second insert, which then reads again."""
    day = day or _today()
    if scenario is not None and scenario.region_id != centre.region_id:
        raise ValidationFailed(_("This scenario is not handled at this centre."))
    if item is not None and item.region_id != centre.region_id:
        raise ValidationFailed(_("This item is not handled at this centre."))
    # Nothing translated is stored: the scenario / item is shown by its name in the reader's
    # language, and a ticket with neither and no purpose is "other business" (see
    # `ticket_purpose`).
    for attempt in range(TAKE_ATTEMPTS):
        try:
            with transaction.atomic():
                found = QueueTicket.objects.filter(centre=centre, day=day).aggregate(m=Max("seq"))
                seq = (found["m"] or 0) + 1
                ticket = QueueTicket(
                    centre=centre,
                    day=day,
                    seq=seq,
                    number=f"{TICKET_PREFIX}{seq:03d}",
                    purpose=purpose[:200],
                    scenario=scenario,
                    item=item,
                )
                ticket.full_clean(validate_unique=False, validate_constraints=False)
                ticket.save(force_insert=True)
        except IntegrityError:
            continue  # someone took this number first: read the last number again
        except OperationalError:
            # SQLite lets one writer at a time ("database is locked"): wait and try again.
            if connection.vendor != "sqlite":
                raise
            time.sleep(0.01 * (attempt + 1))
            continue
        return ticket
    raise ValidationFailed(_("The queue is busy: please take a number again."), code="busy")


def ticket_call_next(*, actor: Any, window: Window) -> QueueTicket | None:
    """Call the longest-waiting ticket `window` can take to it (None: nobody waits for it).
    Two clerks calling at once never get the same ticket: the update is conditional."""
    window = window_get(actor=actor, window_id=window.pk)
    for _attempt in range(TAKE_ATTEMPTS):
        ticket = callable_tickets(window=window).first()
        if ticket is None:
            return None
        now = timezone.now()
        with transaction.atomic():
            won = QueueTicket.objects.filter(
                pk=ticket.pk, status=QueueTicket.Status.WAITING
            ).update(
                status=QueueTicket.Status.CALLED, window=window, called_by=actor, called_at=now
            )
        if won:
            ticket.refresh_from_db()
            return ticket
    return None


def ticket_absent(*, actor: Any, ticket_id: Any) -> QueueTicket:
    """The called walk-in did not come to the window."""
    ticket = _ticket_for_window(actor, ticket_id)
    with transaction.atomic():
        changed = QueueTicket.objects.filter(
            pk=ticket.pk, status__in=[QueueTicket.Status.CALLED, QueueTicket.Status.WAITING]
        ).update(status=QueueTicket.Status.ABSENT, served_at=timezone.now())
    if not changed:
        raise ValidationFailed(_("This ticket has already been served."), code="ticket_done")
    ticket.refresh_from_db()
    return ticket


def ticket_serve(*, actor: Any, ticket_id: Any, case: Case | None = None) -> QueueTicket:
    """The walk-in was served (optionally: the case started for them)."""
    ticket = _ticket_for_window(actor, ticket_id)
    if case is not None:
        _check_case(actor, case)
    with transaction.atomic():
        ticket = QueueTicket.objects.select_for_update().get(pk=ticket.pk)
        if ticket.status in (QueueTicket.Status.SERVED, QueueTicket.Status.ABSENT):
            if case is not None and ticket.case_id is None:
                ticket.case = case
                ticket.save(update_fields=["case"])
            return ticket
        ticket.status = QueueTicket.Status.SERVED
        ticket.served_at = timezone.now()
        if case is not None:
            ticket.case = case
        ticket.save(update_fields=["status", "served_at", "case"])
    return ticket
