"""Writes to the organisation: service centres, their windows and opening hours.

Only an administrator of the centre's region may make them (`org.policies`).
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from onestop.core.errors import Conflict, PermissionDenied, ValidationFailed, full_clean
from onestop.org import policies
from onestop.org.models import Department, OpeningHours, Region, ServiceCentre, Window

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
