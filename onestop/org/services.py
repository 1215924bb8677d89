"""Writes to the organisation: service centres, their windows and opening hours, and the
walk-in queue of a centre.

Only an administrator of the centre's region may change the centre (`org.policies`); anybody
takes a queue number at the kiosk, and the region's window clerks call and serve.
"""

from __future__ import annotations

import datetime
import itertools
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onestop.core import numbering
from onestop.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed, full_clean
from onestop.org import policies
from onestop.org.models import (
    Department,
    OpeningHours,
    QueueTicket,
    Region,
    ServiceCentre,
    Window,
)
from onestop.org.purposes import purposes_resolve
from onestop.org.selectors import callable_tickets, ticket_get, today

if TYPE_CHECKING:  # the staff user; a type only, so org does not import accounts at run time
    from onestop.accounts.models import User

CENTRE_FIELDS = (
    "name_zh",
    "name_en",
    "address_zh",
    "address_en",
    "phone",
    "latitude",
    "longitude",
)
WINDOW_FIELDS = ("name_zh", "name_en", "comprehensive")


@dataclass(frozen=True)
class Period:
    """One opening period: weekday 0 (Monday) to 6 (Sunday)."""

    weekday: int
    opens: datetime.time
    closes: datetime.time
    comprehensive_only: bool = False


def _require(actor: User, obj: Any) -> None:
    if not policies.can(actor, policies.MANAGE, obj):
        raise PermissionDenied(
            _("Only an administrator of this region may change its service centres.")
        )


def _clean(obj: Any) -> None:
    full_clean(obj, message=_("The data is not valid: please check the fields."))


def centre_create(
    *,
    actor: User,
    region: Region,
    slug: str,
    name_zh: str,
    address_zh: str,
    name_en: str = "",
    address_en: str = "",
    phone: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
) -> ServiceCentre:
    _require(actor, region)
    with transaction.atomic():
        if ServiceCentre.objects.filter(slug=slug).exists():
            raise Conflict(_("A service centre with this slug already exists."))
        centre = ServiceCentre(
            region=region,
            slug=slug,
            name_zh=name_zh,
            name_en=name_en,
            address_zh=address_zh,
            address_en=address_en,
            phone=phone,
            latitude=latitude,
            longitude=longitude,
        )
        _clean(centre)
        centre.save()
    return centre


def centre_update(*, actor: User, centre: ServiceCentre, **changes: Any) -> ServiceCentre:
    """Change any of `CENTRE_FIELDS`; the region and slug stay."""
    _require(actor, centre)
    unknown = set(changes) - set(CENTRE_FIELDS)
    if unknown:
        raise ValidationFailed(
            _("These fields cannot be changed: %(fields)s.")
            % {"fields": ", ".join(sorted(unknown))}
        )
    with transaction.atomic():
        for field, value in changes.items():
            setattr(centre, field, value)
        _clean(centre)
        centre.save(update_fields=[*changes, "updated_at"])
    return centre


def _departments_of(centre: ServiceCentre, departments: Iterable[Department]) -> list[Department]:
    result = list(departments)
    for department in result:
        if department.region_id != centre.region_id:
            raise ValidationFailed(_("A window can only serve departments of its centre's region."))
    return result


def window_create(
    *,
    actor: User,
    centre: ServiceCentre,
    number: str,
    name_zh: str,
    name_en: str = "",
    comprehensive: bool = False,
    departments: Sequence[Department] = (),
) -> Window:
    _require(actor, centre)
    chosen = _departments_of(centre, departments)
    with transaction.atomic():
        if Window.objects.filter(centre=centre, number=number).exists():
            raise Conflict(_("This centre already has a window with this number."))
        window = Window(
            centre=centre,
            number=number,
            name_zh=name_zh,
            name_en=name_en,
            comprehensive=comprehensive,
        )
        _clean(window)
        window.save()
        window.departments.set(chosen)
    return window


def window_update(
    *,
    actor: User,
    window: Window,
    departments: Sequence[Department] | None = None,
    **changes: Any,
) -> Window:
    """Change any of `WINDOW_FIELDS` and, when given, the departments the window serves."""
    _require(actor, window.centre)
    unknown = set(changes) - set(WINDOW_FIELDS)
    if unknown:
        raise ValidationFailed(
            _("These fields cannot be changed: %(fields)s.")
            % {"fields": ", ".join(sorted(unknown))}
        )
    chosen = _departments_of(window.centre, departments) if departments is not None else None
    with transaction.atomic():
        for field, value in changes.items():
            setattr(window, field, value)
        _clean(window)
        window.save(update_fields=[*changes, "updated_at"])
        if chosen is not None:
            window.departments.set(chosen)
    return window


def opening_hours_set(
    *, actor: User, centre: ServiceCentre, periods: Sequence[Period]
) -> list[OpeningHours]:
    """Replace the centre's opening hours with `periods` (no overlaps on one weekday)."""
    _require(actor, centre)
    ordered = sorted(periods, key=lambda p: (p.weekday, p.opens))
    for before, after in itertools.pairwise(ordered):
        if before.weekday == after.weekday and after.opens < before.closes:
            raise ValidationFailed(_("Two opening periods of the same day overlap."))
    rows = [
        OpeningHours(
            centre=centre,
            weekday=p.weekday,
            opens=p.opens,
            closes=p.closes,
            comprehensive_only=p.comprehensive_only,
        )
        for p in ordered
    ]
    for row in rows:
        if row.closes <= row.opens:
            raise ValidationFailed(_("A period must close after it opens."))
        _clean(row)
    with transaction.atomic():
        OpeningHours.objects.filter(centre=centre).delete()
        OpeningHours.objects.bulk_create(rows)
    return rows


# --- the walk-in queue ----------------------------------------------------------------------

TICKET_PREFIX = "A"
TAKE_ATTEMPTS = 20
T = QueueTicket.Status

# A ticket's life cycle, one table: each step, the statuses it leaves from and where it goes.
# Served and absent are final (serving again only attaches what it was served with).
TICKET_STEPS: dict[str, tuple[tuple[str, ...], str]] = {
    "call": ((T.WAITING,), T.CALLED),
    "absent": ((T.WAITING, T.CALLED), T.ABSENT),
    "serve": ((T.WAITING, T.CALLED), T.SERVED),
}


def ticket_series(centre: ServiceCentre) -> str:
    """The centre's series in the one number allocator (`core.numbering`)."""
    return f"queue-{centre.pk}"


def _ticket_insert(centre: ServiceCentre, day: datetime.date, **fields: Any) -> QueueTicket:
    """Insert the next ticket of `centre` on `day`. Call inside a transaction: the allocator's
    counter row stays locked until it commits, so two kiosks never get the same number. A
    number already taken (a row the counter did not give out) is skipped, not reused."""
    for _skip in range(TAKE_ATTEMPTS):
        seq = numbering.next_sequence(
            series=ticket_series(centre), region=centre.region_id, day=day
        )
        ticket = QueueTicket(
            centre=centre, day=day, seq=seq, number=f"{TICKET_PREFIX}{seq:03d}", **fields
        )
        full_clean(ticket, in_database=True)
        try:
            with transaction.atomic():  # a savepoint: the counter keeps its step on a clash
                ticket.save(force_insert=True)
        except IntegrityError:
            continue
        return ticket
    raise ValidationFailed(_("The queue is busy: please take a number again."), code="busy")


def ticket_take(
    *,
    actor: Any,
    centre: ServiceCentre,
    purpose_ref: str = "",
    purpose: str = "",
    day: datetime.date | None = None,
) -> QueueTicket:
    """A walk-in takes the next number of `centre` today (A001, A002 ...).

    `purpose_ref` names what they came for (`org.purposes`: ``item:<code>``,
    ``scenario:<slug>`` of the centre's region; empty: other business). Nothing translated is
    stored: the purpose is shown by its name in the reader's language."""
    if not policies.can(actor, policies.TICKET_TAKE, centre):
        raise PermissionDenied(_("You may not take a queue number."), code="forbidden")
    department: str | None = None
    if purpose_ref:
        found = purposes_resolve(region=centre.region_id, refs=[purpose_ref]).get(purpose_ref)
        if found is None:
            raise ValidationFailed(_("Choose what you came for."), code="purpose")
        department = found.department
    day = day or today()
    fields = {"purpose": purpose[:200], "purpose_ref": purpose_ref, "department_id": department}
    for attempt in range(TAKE_ATTEMPTS):
        try:
            with transaction.atomic():
                return _ticket_insert(centre, day, **fields)
        except OperationalError:
            # SQLite lets one writer at a time ("database is locked"): wait and try again.
            if connection.vendor != "sqlite":
                raise
            time.sleep(0.01 * (attempt + 1))
    raise ValidationFailed(_("The queue is busy: please take a number again."), code="busy")


def ticket_sms(*, ticket: QueueTicket, phone: str) -> None:
    """Send the walk-in their queue number by SMS (whoever holds the ticket's signed link may;
    nothing about them is stored but the message itself). Sending to the same phone again
    sends nothing new. A waiting ticket only; a phone notify refuses: ValidationFailed."""
    from onestop.org import hooks
    from onestop.org.selectors import tickets_ahead

    if ticket.status != QueueTicket.Status.WAITING:
        raise ValidationFailed(_("This number is no longer waiting."), code="not_waiting")
    phone = "".join((phone or "").split())
    if not phone:
        raise ValidationFailed(_("Enter your mobile phone number."), code="no_phone")
    with transaction.atomic():
        hooks.sms_send(
            phone=phone,
            template="queue.ticket",
            context={
                "centre": ticket.centre.name_zh,
                "number": ticket.number,
                "ahead": tickets_ahead(ticket=ticket),
            },
            dedupe_key=f"queue:{ticket.pk}:{phone}"[:200],
        )


def _step(ticket: QueueTicket, step: str, **changes: Any) -> bool:
    """Move `ticket` one step of `TICKET_STEPS` if it is still where the step leaves from (a
    conditional update: of two clerks at once, one wins)."""
    sources, target = TICKET_STEPS[step]
    with transaction.atomic():
        return bool(
            QueueTicket.objects.filter(pk=ticket.pk, status__in=sources).update(
                status=target, **changes
            )
        )


def ticket_call_next(*, actor: Any, window: Window) -> QueueTicket | None:
    """Call the longest-waiting ticket `window` can take to it (None: nobody waits for it).
    Two clerks calling at once never get the same ticket: the update is conditional."""
    if not policies.can(actor, policies.TICKET_CALL, window):
        raise NotFound(
            _("There is no such window at your service centre."), code="window_not_found"
        )
    called_by = actor if getattr(actor, "pk", None) is not None else None
    for _attempt in range(TAKE_ATTEMPTS):
        ticket = callable_tickets(window=window).first()
        if ticket is None:
            return None
        if _step(ticket, "call", window=window, called_by=called_by, called_at=timezone.now()):
            ticket.refresh_from_db()
            return ticket
    return None


def ticket_absent(*, actor: Any, ticket_id: Any) -> QueueTicket:
    """The called walk-in did not come to the window."""
    ticket = ticket_get(actor=actor, ticket_id=ticket_id)
    if not _step(ticket, "absent", served_at=timezone.now()):
        raise ValidationFailed(_("This ticket has already been served."), code="ticket_done")
    ticket.refresh_from_db()
    return ticket


def ticket_serve(*, actor: Any, ticket_id: Any, served_ref: str = "") -> QueueTicket:
    """The walk-in was served; `served_ref` names what with, as the serving app knows it
    (cases: ``case:<id>``). A ticket already finished keeps its status and only gains the
    reference it lacked."""
    ticket = ticket_get(actor=actor, ticket_id=ticket_id)
    with transaction.atomic():
        ticket = QueueTicket.objects.select_for_update().get(pk=ticket.pk)
        sources, target = TICKET_STEPS["serve"]
        changed: list[str] = []
        if ticket.status in sources:
            ticket.status = target
            ticket.served_at = timezone.now()
            changed += ["status", "served_at"]
        if served_ref and not ticket.served_ref:
            ticket.served_ref = served_ref[:120]
            changed.append("served_ref")
        if changed:
            ticket.save(update_fields=changed)
    return ticket
