"""Demo-seed step of `core`: the official calendar from the `chinese_calendar` package.

Also holds `sync_row`, the idempotent upsert the apps' seed steps share: a row is written only
when a value differs, so a second `seed_demo` run leaves every `updated_at` alone.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any, TypeVar

from django.db import models

from onestop.core import calendar, seeding
from onestop.core.models import CalendarYear
from onestop.core.upsert import row_sync

M = TypeVar("M", bound=models.Model)

SOURCE = "chinesecalendar"


def sync_row(model: type[M], lookup: dict[str, Any], values: dict[str, Any]) -> tuple[M, bool]:
    """Create the row matching `lookup` or bring its `values` up to date; whether anything
    was written."""
    obj, outcome = row_sync(model, lookup, values)
    return obj, outcome != "unchanged"


def package_years() -> dict[int, list[calendar.DayEntry]]:
    """Every year `chinese_calendar` knows, as the days to load."""
    from chinese_calendar import constants

    chinese = {holiday.value: holiday.chinese for holiday in constants.Holiday}
    years: dict[int, list[calendar.DayEntry]] = defaultdict(list)
    sources: list[tuple[dict[datetime.date, str], str]] = [
        (constants.holidays, calendar.HOLIDAY),
        (constants.workdays, calendar.WORKDAY),
    ]
    for table, kind in sources:
        for day, english in table.items():
            years[day.year].append(
                calendar.DayEntry(date=day, kind=kind, name=chinese.get(english, english))
            )
    return dict(years)


@seeding.register(order=10, name="calendar")
def seed_calendar() -> str:
    years = package_years()
    # A year an administrator has loaded from a notice is theirs; the package never overrides it.
    entered = dict(CalendarYear.objects.filter(year__in=list(years)).values_list("year", "source"))
    changed = 0
    for year, days in sorted(years.items()):
        if entered.get(year, SOURCE) != SOURCE:
            continue
        result = calendar.calendar_year_load(year=year, source=SOURCE, days=days)
        changed += result.changed
    first, last = min(years), max(years)
    return f"official calendar {first}-{last} ({len(years)} years, {changed} changed)"
