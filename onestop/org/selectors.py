"""Reads of the organisation. The organisation is public information: nothing is scoped,
except the walk-in queue of a centre, which its region's window clerks see (`org.policies`).

Also the one place that knows how GB/T 2260 region codes nest (`region_covers`, `region_q`):
``370000`` (a province) covers ``37xxxx``, ``371100`` (a city) covers ``3711xx``, a county
covers itself.
"""

from __future__ import annotations

import datetime
import functools
import json
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import signing
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from onestop.core.errors import NotFound
from onestop.org import policies
from onestop.org.models import (
    Department,
    DepartmentKind,
    OpeningHours,
    QueueTicket,
    Region,
    ServiceCentre,
    Window,
)
from onestop.org.purposes import purposes_resolve


def region_covers(scope: str, code: str) -> bool:
    """Whether region `scope` is region `code` or above it (GB/T 2260 codes nest)."""
    if len(scope) != 6 or len(code) != 6:
        return scope == code
    if scope == code:
        return True
    if scope.endswith("0000"):
        return code[:2] == scope[:2]
    if scope.endswith("00"):
        return code[:4] == scope[:4]
    return False


def region_q(scope: str, field: str = "region") -> Q:
    """A filter on the region code in `field` (``region``, ``region_id``, ``order__region``...)
    matching region `scope` and the regions below it; the query form of `region_covers`."""
    if len(scope) == 6 and scope.endswith("0000"):
        return Q(**{f"{field}__startswith": scope[:2]})
    if len(scope) == 6 and scope.endswith("00"):
        return Q(**{f"{field}__startswith": scope[:4]})
    return Q(**{field: scope})


def region_list() -> QuerySet[Region]:
    return Region.objects.order_by("code")


def region_get(*, code: str) -> Region:
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise NotFound(_("There is no region with the code %(code)s.") % {"code": code})
    return region


def department_list(*, region: str | None = None, kind: str | None = None) -> QuerySet[Department]:
    """Departments, optionally of one region and/or kind; an unknown code raises NotFound."""
    departments = Department.objects.select_related("region", "kind").order_by(
        "region_id", "kind_id"
    )
    if region is not None:
        region_get(code=region)
        departments = departments.filter(region_id=region)
    if kind is not None:
        if not DepartmentKind.objects.filter(key=kind).exists():
            raise NotFound(_("There is no department kind %(kind)s.") % {"kind": kind})
        departments = departments.filter(kind_id=kind)
    return departments


def department_get(*, code: str) -> Department:
    department = Department.objects.select_related("region", "kind").filter(code=code).first()
    if department is None:
        raise NotFound(_("There is no department with the code %(code)s.") % {"code": code})
    return department


def department_kind_list() -> QuerySet[DepartmentKind]:
    return DepartmentKind.objects.order_by("key")


def _centres() -> QuerySet[ServiceCentre]:
    return ServiceCentre.objects.select_related("region").prefetch_related(
        Prefetch(
            "windows",
            queryset=Window.objects.order_by("number").prefetch_related(
                Prefetch("departments", queryset=Department.objects.select_related("kind"))
            ),
        ),
        Prefetch("hours", queryset=OpeningHours.objects.order_by("weekday", "opens")),
    )


def centre_list(*, region: str) -> QuerySet[ServiceCentre]:
    """The service centres of `region`, with windows (and their departments) and hours."""
    region_get(code=region)
    return _centres().filter(region_id=region).order_by("slug")


def centre_list_all() -> QuerySet[ServiceCentre]:
    """Every service centre of the node, with its region, by region and slug."""
    return ServiceCentre.objects.select_related("region").order_by("region_id", "slug")


def centre_list_node() -> QuerySet[ServiceCentre]:
    """The service centres of this node's region (`NODE_REGION`) and the regions under it,
    with their region, by region and slug: what the node's kiosk offers. A centre of another
    region is that region's node's, even if its row is here."""
    return centre_list_all().filter(region_q(settings.NODE_REGION, "region_id"))


def centre_nearest(*, region: str | None = None) -> ServiceCentre | None:
    """The service centre nearest a person of `region` (a GB/T 2260 code, e.g. the account's
    region): of the node's centres, the one whose region code shares the longest prefix with
    it (the same county, else the same city, …), else the node's first centre. Regions, not
    coordinates: the node knows where people are registered, not where they stand."""
    centres = list(centre_list_node())
    if not centres:
        return None
    code = str(region or settings.NODE_REGION)

    def shared(centre: ServiceCentre) -> int:
        common = 0
        for a, b in zip(str(centre.region_id), code, strict=False):
            if a != b:
                break
            common += 1
        return common

    return max(centres, key=shared)  # the first of the best (already by region and slug)


def window_list(*, centres: Iterable[ServiceCentre] | QuerySet[ServiceCentre]) -> QuerySet[Window]:
    """The windows of `centres`, with their centre, by centre and number."""
    return (
        Window.objects.filter(centre__in=centres)
        .select_related("centre")
        .order_by("centre__slug", "number")
    )


def region_codes() -> list[str]:
    """The codes of every region the node knows."""
    return list(Region.objects.values_list("code", flat=True))


def centre_for_department(
    *, department: Department | str
) -> list[tuple[ServiceCentre, list[Window]]]:
    """Where the department's items are accepted: each centre of its region with the windows
    that accept them (comprehensive windows and the department's own windows)."""
    if isinstance(department, str):
        department = department_get(code=department)
    centres = _centres().filter(region_id=department.region_id).order_by("slug")
    result: list[tuple[ServiceCentre, list[Window]]] = []
    for centre in centres:
        windows = [
            window
            for window in centre.windows.all()
            if window.comprehensive
            or any(d.code == department.code for d in window.departments.all())
        ]
        if windows:
            result.append((centre, windows))
    return result


# --- the walk-in queue ----------------------------------------------------------------------

# The kiosk's link to a ticket is signed (tickets cannot be enumerated). The salt is the one
# the link had when the queue was part of `cases`, so links handed out before still open.
TICKET_SALT = "onestop.cases.queue_ticket"
TICKET_MAX_AGE = 24 * 3600  # a ticket is for the day it was taken


def today() -> datetime.date:
    """The node's local day (queue numbers run per centre and day)."""
    return timezone.localdate()


def _no_window() -> NotFound:
    return NotFound(_("There is no such window at your service centre."), code="window_not_found")


def _no_ticket() -> NotFound:
    return NotFound(_("There is no such queue ticket."), code="ticket_not_found")


def queue_waiting(*, actor: Any, centre: ServiceCentre) -> QuerySet[QueueTicket]:
    """Today's waiting tickets of `centre`, in number order (the centre's window clerks)."""
    if not policies.can(actor, policies.QUEUE_VIEW, centre):
        raise _no_window()
    return (
        QueueTicket.objects.filter(centre=centre, day=today(), status=QueueTicket.Status.WAITING)
        .select_related("centre")
        .order_by("seq")
    )


def queue_called(*, actor: Any, window: Window) -> QuerySet[QueueTicket]:
    """Tickets called to `window` today and not yet finished, the latest first."""
    if not policies.can(actor, policies.QUEUE_VIEW, window):
        raise _no_window()
    return (
        QueueTicket.objects.filter(window=window, day=today(), status=QueueTicket.Status.CALLED)
        .select_related("centre")
        .order_by("-called_at")
    )


def callable_tickets(*, window: Window) -> QuerySet[QueueTicket]:
    """Today's waiting tickets `window` can take, the longest-waiting first. A comprehensive
    window takes everyone (unified acceptance); a department's own window takes the walk-ins
    who came for one of its departments' items, and those who did not say what they came for.
    Unscoped: `services.ticket_call_next` checks the clerk first."""
    qs = QueueTicket.objects.filter(
        centre_id=window.centre_id, day=today(), status=QueueTicket.Status.WAITING
    )
    if not window.comprehensive:
        departments = list(window.departments.values_list("pk", flat=True))
        qs = qs.filter(Q(department_id__in=departments) | Q(purpose_ref="", department=None))
    return qs.order_by("seq")


def ticket_get(*, actor: Any, ticket_id: Any) -> QueueTicket:
    """A ticket of a centre where `actor` works the queue (anything else: NotFound)."""
    try:
        ticket = QueueTicket.objects.select_related("centre").get(pk=int(ticket_id))
    except (QueueTicket.DoesNotExist, TypeError, ValueError):
        raise _no_ticket() from None
    if not policies.can(actor, policies.TICKET_SERVE, ticket):
        raise _no_ticket()
    return ticket


def ticket_token(ticket: QueueTicket) -> str:
    """The signed reference of the kiosk's link to `ticket`."""
    return signing.dumps(ticket.pk, salt=TICKET_SALT)


def ticket_by_token(*, token: str) -> QueueTicket:
    """The ticket of a kiosk link (public: whoever took it holds the link), for a day."""
    try:
        pk = signing.loads(token, salt=TICKET_SALT, max_age=TICKET_MAX_AGE)
        return QueueTicket.objects.select_related("centre").get(pk=pk)
    except (signing.BadSignature, QueueTicket.DoesNotExist, TypeError, ValueError):
        raise _no_ticket() from None


def queue_length(*, centre: ServiceCentre) -> int:
    """How many walk-ins wait at `centre` now (today's tickets not called yet)."""
    return QueueTicket.objects.filter(
        centre=centre, day=today(), status=QueueTicket.Status.WAITING
    ).count()


def tickets_ahead(*, ticket: QueueTicket) -> int:
    """How many walk-ins still wait before `ticket` at its centre."""
    return QueueTicket.objects.filter(
        centre_id=ticket.centre_id,
        day=ticket.day,
        status=QueueTicket.Status.WAITING,
        seq__lt=ticket.seq,
    ).count()


def ticket_purposes(*, tickets: Iterable[QueueTicket]) -> dict[int, str]:
    """What each walk-in came for, in the active language, by ticket id: the name of the
    scenario or item (from the registered source, `org.purposes`), else the free text, else
    "Other business". One look-up per region whatever the number of tickets."""
    rows = list(tickets)
    refs: dict[str, set[str]] = defaultdict(set)
    for ticket in rows:
        if ticket.purpose_ref:
            refs[ticket.centre.region_id].add(ticket.purpose_ref)
    found = {
        region: purposes_resolve(region=region, refs=wanted) for region, wanted in refs.items()
    }
    labels: dict[int, str] = {}
    for ticket in rows:
        purpose = found.get(ticket.centre.region_id, {}).get(ticket.purpose_ref)
        labels[ticket.pk] = purpose.name if purpose else ticket.purpose or _("Other business")
    return labels


def ticket_purpose(ticket: QueueTicket) -> str:
    """What the walk-in came for, in the active language (see `ticket_purposes`)."""
    return ticket_purposes(tickets=[ticket])[ticket.pk]


__all__ = [
    "callable_tickets",
    "centre_for_department",
    "centre_list",
    "department_get",
    "department_kind_list",
    "department_list",
    "queue_called",
    "queue_length",
    "queue_waiting",
    "region_get",
    "region_list",
    "ticket_by_token",
    "ticket_get",
    "ticket_purpose",
    "ticket_purposes",
    "ticket_token",
    "tickets_ahead",
]


@functools.cache
def _bboxes() -> dict[str, tuple[tuple[float, float, float, float] | None, str | None]]:
    path = Path(settings.BASE_DIR) / "data" / "seed" / "regions.json"
    rows = json.loads(path.read_text(encoding="utf-8"))
    return {
        row["code"]: (tuple(row["bbox"]) if row.get("bbox") else None, row.get("parent"))
        for row in rows
    }


def region_bbox(code: str) -> tuple[float, float, float, float] | None:
    """The bounding box of a region, ``(south, west, north, east)`` in WGS 84 degrees, from
    data/seed/regions.json (its own, else its nearest ancestor's); None when none is known."""
    known = _bboxes()
    seen: set[str] = set()
    current: str | None = code
    while current and current in known and current not in seen:
        seen.add(current)
        box, parent = known[current]
        if box is not None:
            return box
        current = parent
    return None


def in_region(code: str, latitude: float, longitude: float) -> bool:
    """Whether a point lies in the bounding box of region `code` (True when none is known)."""
    box = region_bbox(code)
    if box is None:
        return True
    south, west, north, east = box
    return south <= latitude <= north and west <= longitude <= east


def queue_tickets_for_statistics(*, region: str) -> QuerySet[QueueTicket]:
    """System read for aggregate indicators (`insights`): the walk-in queue tickets of the
    service centres of `region` and the regions below it, unscoped and unordered. The caller
    authorises with its own policy and only groups and counts."""
    return QueueTicket.objects.filter(region_q(region, "centre__region_id"))
