"""The working-day calendar: official holidays and adjusted workdays.

Time limits of administrative items are counted in working days (工作日). Which days are
worked is decided every year by the State Council's holiday notice: some weekdays are holidays
and some weekend days are worked instead (调休). Those days live in two tables that
administrators maintain (`CalendarYear`, `CalendarDay`): seeded from the `chinese_calendar`
package for the years it knows, extended with `onestop calendar_load FILE` or in the admin.

A year nobody has entered yet is computed weekend-only, with a warning in the log, so that a
deadline never fails because the notice for next year is not out yet.

Each process keeps one year's table in memory once read. Writes through this module's
functions (and the admin) drop the cached year at once; other processes pick the change up
within `CACHE_SECONDS`.
"""

from __future__ import annotations

import datetime
import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from onestop.core.errors import ValidationFailed
from onestop.core.models import CalendarDay, CalendarYear

logger = logging.getLogger(__name__)

CACHE_SECONDS = 300.0
HOLIDAY = CalendarDay.Kind.HOLIDAY.value
WORKDAY = CalendarDay.Kind.WORKDAY.value
MIN_YEAR = 1949
MAX_YEAR = 2200


@dataclass(frozen=True)
class YearTable:
    """The entered exceptions of one year; `None` in the cache means "not entered"."""

    holidays: frozenset[datetime.date]
    workdays: frozenset[datetime.date]


@dataclass(frozen=True)
class DayEntry:
    date: datetime.date
    kind: str
    name: str = ""


@dataclass(frozen=True)
class LoadResult:
    year: int
    created: int
    updated: int
    deleted: int

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted)


_lock = threading.Lock()
_cache: dict[int, tuple[float, YearTable | None]] = {}
_warned: set[int] = set()


def invalidate(year: int | None = None) -> None:
    """Forget the cached table of `year` (or of every year)."""
    with _lock:
        if year is None:
            _cache.clear()
        else:
            _cache.pop(year, None)


def _table(year: int) -> YearTable | None:
    now = time.monotonic()
    hit = _cache.get(year)
    if hit is not None and now - hit[0] < CACHE_SECONDS:
        return hit[1]
    table: YearTable | None = None
    if CalendarYear.objects.filter(year=year).exists():
        holidays: set[datetime.date] = set()
        workdays: set[datetime.date] = set()
        rows = CalendarDay.objects.filter(date__year=year).values_list("date", "kind")
        for day, kind in rows:
            (holidays if kind == HOLIDAY else workdays).add(day)
        table = YearTable(frozenset(holidays), frozenset(workdays))
    else:
        with _lock:
            first = year not in _warned
            _warned.add(year)
        if first:
            logger.warning(
                "No official holiday calendar has been entered for %s; counting working days "
                "as Monday to Friday. Load the State Council notice with "
                "`onestop calendar_load`.",
                year,
            )
    with _lock:
        _cache[year] = (now, table)
    return table


def year_is_known(year: int) -> bool:
    """Whether the official calendar of `year` has been entered."""
    return _table(year) is not None


def is_working_day(d: datetime.date) -> bool:
    table = _table(d.year)
    if table is not None:
        if d in table.holidays:
            return False
        if d in table.workdays:
            return True
    return d.weekday() < 5


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The date `days` working days after `start`.

    Counting starts on the day after `start` (the day of acceptance is not counted), so
    `days=1` is the next working day and `days=0` is `start` itself (an on-the-spot item).
    """
    if days < 0:
        raise ValueError("days must not be negative")
    current = start
    remaining = days
    while remaining:
        current += datetime.timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def working_days_between(a: datetime.date, b: datetime.date) -> int:
    """Working days after `a` up to and including `b`; negative when `b` is before `a`.

    The inverse of `add_working_days`: `working_days_between(a, add_working_days(a, n)) == n`.
    """
    if b < a:
        return -working_days_between(b, a)
    count = 0
    current = a
    while current < b:
        current += datetime.timedelta(days=1)
        if is_working_day(current):
            count += 1
    return count


def parse_year_file(data: object) -> tuple[int, str, list[DayEntry]]:
    """Check a holiday notice in the `calendar_load` JSON format and return its parts.

    ``{"year": 2027, "source": "...", "days": [{"date": "2027-01-01", "kind": "holiday",
    "name": "元旦"}, ...]}``
    """
    if not isinstance(data, dict):
        raise ValidationFailed(_("The calendar file must contain one JSON object."))
    year = data.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationFailed(_("The calendar file needs a valid year."))
    source = data.get("source")
    if not isinstance(source, str) or not source.strip():
        raise ValidationFailed(
            _("The calendar file needs a source (the notice that fixed the holidays).")
        )
    raw_days = data.get("days")
    if not isinstance(raw_days, list):
        raise ValidationFailed(_("The calendar file needs a list of days."))
    entries: list[DayEntry] = []
    for index, raw in enumerate(raw_days, start=1):
        entries.append(_parse_day(raw, index=index, year=year))
    return year, source.strip(), entries


def _parse_day(raw: object, *, index: int, year: int) -> DayEntry:
    if not isinstance(raw, dict):
        raise ValidationFailed(_("Day %(index)s is not an object.") % {"index": index})
    try:
        day = datetime.date.fromisoformat(str(raw.get("date", "")))
    except ValueError:
        raise ValidationFailed(
            _("Day %(index)s does not have a date in the form YYYY-MM-DD.") % {"index": index}
        ) from None
    kind = raw.get("kind")
    if kind not in (HOLIDAY, WORKDAY):
        raise ValidationFailed(
            _("Day %(index)s must be of kind “holiday” or “workday”.") % {"index": index}
        )
    name = raw.get("name", "")
    if not isinstance(name, str) or len(name) > 100:
        raise ValidationFailed(
            _("Day %(index)s needs a name of at most 100 characters.") % {"index": index}
        )
    if day.year != year:
        raise ValidationFailed(
            _("Day %(date)s is not in %(year)s.") % {"date": day.isoformat(), "year": year}
        )
    return DayEntry(date=day, kind=str(kind), name=name.strip())


def _check_entries(year: int, days: Iterable[DayEntry]) -> dict[datetime.date, DayEntry]:
    by_date: dict[datetime.date, DayEntry] = {}
    for entry in days:
        if entry.date.year != year:
            raise ValidationFailed(
                _("Day %(date)s is not in %(year)s.")
                % {"date": entry.date.isoformat(), "year": year}
            )
        if entry.kind not in (HOLIDAY, WORKDAY):
            raise ValidationFailed(
                _("Day %(date)s must be of kind “holiday” or “workday”.")
                % {"date": entry.date.isoformat()}
            )
        if entry.date in by_date:
            raise ValidationFailed(
                _("Day %(date)s is listed twice.") % {"date": entry.date.isoformat()}
            )
        if entry.kind == WORKDAY and entry.date.weekday() < 5:
            raise ValidationFailed(
                _(
                    "Day %(date)s is a weekday; only a Saturday or a Sunday can be an "
                    "adjusted workday."
                )
                % {"date": entry.date.isoformat()}
            )
        by_date[entry.date] = entry
    return by_date


def calendar_year_load(*, year: int, source: str, days: Iterable[DayEntry]) -> LoadResult:
    """Make the table of `year` exactly `days` (atomic; a second identical load changes nothing).

    Days of that year missing from `days` are removed; the year is marked as entered.
    """
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationFailed(_("The calendar file needs a valid year."))
    if not source.strip():
        raise ValidationFailed(
            _("The calendar file needs a source (the notice that fixed the holidays).")
        )
    wanted = _check_entries(year, days)
    created = updated = deleted = 0
    with transaction.atomic():
        existing = {
            row.date: row for row in CalendarDay.objects.select_for_update().filter(date__year=year)
        }
        for day, old in existing.items():
            if day not in wanted:
                old.delete()
                deleted += 1
        for day, entry in sorted(wanted.items()):
            row = existing.get(day)
            if row is None:
                new = CalendarDay(date=day, kind=entry.kind, name=entry.name)
                new.full_clean()
                new.save()
                created += 1
            elif (row.kind, row.name) != (entry.kind, entry.name):
                row.kind, row.name = entry.kind, entry.name
                row.full_clean()
                row.save(update_fields=["kind", "name", "updated_at"])
                updated += 1
        year_row = CalendarYear.objects.filter(year=year).first()
        if year_row is None:
            year_row = CalendarYear(year=year, source=source.strip())
            year_row.full_clean()
            year_row.save()
            created += 1
        elif year_row.source != source.strip():
            year_row.source = source.strip()
            year_row.full_clean()
            year_row.save(update_fields=["source", "updated_at"])
            updated += 1
        transaction.on_commit(lambda: invalidate(year))
    invalidate(year)
    return LoadResult(year=year, created=created, updated=updated, deleted=deleted)


def calendar_day_set(*, date: datetime.date, kind: str, name: str = "") -> CalendarDay:
    """Enter or change one exceptional day (the year must already be entered)."""
    entry = next(iter(_check_entries(date.year, [DayEntry(date, kind, name)]).values()))
    with transaction.atomic():
        if not CalendarYear.objects.filter(year=date.year).exists():
            raise ValidationFailed(
                _("Enter the year %(year)s before changing its days.") % {"year": date.year}
            )
        row = CalendarDay.objects.select_for_update().filter(date=date).first()
        if row is None:
            row = CalendarDay(date=date)
        row.kind, row.name = entry.kind, entry.name
        row.full_clean()
        row.save()
        transaction.on_commit(lambda: invalidate(date.year))
    invalidate(date.year)
    return row


def calendar_day_delete(*, date: datetime.date) -> bool:
    """Make `date` an ordinary day again; returns whether a row was removed."""
    with transaction.atomic():
        deleted, _rows = CalendarDay.objects.filter(date=date).delete()
        transaction.on_commit(lambda: invalidate(date.year))
    invalidate(date.year)
    return bool(deleted)
