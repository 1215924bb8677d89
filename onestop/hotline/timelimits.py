"""Due times of a work order from its category's time-limit class.

- A resolution limit in hours (``"2h"``, ``"24h"``) runs on the wall clock, nights and holidays
  included: a burst pipe does not wait for Monday.
- A limit in working days (``"5wd"``) ends at the end of the N-th working day after the day of
  dispatch on the official calendar (`core.calendar.add_working_days`: holidays skipped,
  adjusted weekend workdays counted). ``"7d"`` counts calendar days the same way.
- The response limit (`respond_hours`) is wall-clock hours, except that a whole number of days
  (24, 48 ...) in a working-day class means that many working days ("contact the caller within
  one working day").
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from onestop.core.calendar import add_working_days
from onestop.hotline.models import TimeLimitClass

_RESOLVE = re.compile(r"^(\d{1,3})(h|d|wd)$")
DEFAULT_CLASS = "general"
RETURN_WINDOW_HOURS = 2  # default of settings.HOTLINE_RETURN_WINDOW_HOURS


def return_window() -> datetime.timedelta:
    """How long after dispatch the lead department may still return an order."""
    hours = getattr(settings, "HOTLINE_RETURN_WINDOW_HOURS", RETURN_WINDOW_HOURS)
    return datetime.timedelta(hours=float(hours))


@dataclass(frozen=True)
class Limit:
    amount: int
    unit: str  # "h", "d" or "wd"


def parse_resolve(value: str) -> Limit:
    match = _RESOLVE.match(value.strip())
    if match is None:
        raise ValueError(f"not a resolution limit: {value!r}")
    return Limit(int(match.group(1)), match.group(2))


def end_of_day(day: datetime.date) -> datetime.datetime:
    """23:59:59 of `day` in the node's time zone, as an aware datetime."""
    naive = datetime.datetime.combine(day, datetime.time(23, 59, 59))
    return timezone.make_aware(naive, timezone.get_default_timezone())


def local_date(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def add_limit(start: datetime.datetime, limit: Limit) -> datetime.datetime:
    if limit.unit == "h":
        return start + datetime.timedelta(hours=limit.amount)
    day = local_date(start)
    if limit.unit == "wd":
        return end_of_day(add_working_days(day, limit.amount))
    return end_of_day(day + datetime.timedelta(days=limit.amount))


def due_times(
    klass: TimeLimitClass, start: datetime.datetime
) -> tuple[datetime.datetime, datetime.datetime]:
    """(respond_by, resolve_by) of an order dispatched at `start`."""
    resolve = parse_resolve(klass.resolve)
    hours = Decimal(klass.respond_hours)
    if resolve.unit == "wd" and hours > 0 and hours % 24 == 0:
        respond_by = add_limit(start, Limit(int(hours // 24), "wd"))
    else:
        respond_by = start + datetime.timedelta(seconds=int(hours * 3600))
    return respond_by, add_limit(start, resolve)


def extend(
    klass: TimeLimitClass, resolve_by: datetime.datetime, working_days: int
) -> datetime.datetime:
    """`resolve_by` moved by `working_days` working days (an approved extension)."""
    moved = add_working_days(local_date(resolve_by), working_days)
    if parse_resolve(klass.resolve).unit == "h":
        return resolve_by + (end_of_day(moved) - end_of_day(local_date(resolve_by)))
    return end_of_day(moved)
