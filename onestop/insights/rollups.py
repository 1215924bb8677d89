"""The daily rollups of the steering dashboards (docs/insights.md "Daily rollups").

A closed day (before today, Asia/Shanghai) of the node's region is rolled up once into
`CaseDay` (per day × department × item × channel) and `HotlineDay` (per dispatch day × lead
department), and marked `RolledDay`; the dashboards read the marked days from these rows and
compute every other day (today, and a day not rolled yet) from the raw rows, with the same
functions (`selectors.dashboard.case_buckets`, `selectors.SETTLED`). Rolling a day replaces
its rows in one transaction, so a re-roll is idempotent.

What makes a rolled day stale, and how the worker (`tasks.rollup_tick`) catches it:

- a case or work order saved since the last roll (`updated_at`, written on every `save()`): the
  days it counts on (submitted, decided, dispatched) are rolled again;
- what a bulk `update()` or a re-dispatch changes (it moves an order's dispatch day: the old day
  loses it) is caught by rolling the last `TRAILING_DAYS` closed days again on every roll;
- a day of the last `HORIZON_DAYS` without a mark (the first run, a node that was down over
  midnight) is rolled.

`onestop insights_rollup --from --to` rolls a range again on demand (after an import, or after
the official calendar of a past year changed: the working days are counted on it).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from onestop.cases import selectors as case_selectors
from onestop.hotline import selectors as hotline_selectors
from onestop.insights.models import CaseDay, HotlineDay, RolledDay
from onestop.insights.selectors import SETTLED, SHANGHAI, day_ranges, order_window, overdue_at
from onestop.insights.selectors.dashboard import MAX_DAYS, case_buckets

TRAILING_DAYS = 7
HORIZON_DAYS = MAX_DAYS
CHUNK_DAYS = 31  # days rolled in one transaction
MARGIN = datetime.timedelta(minutes=5)  # saves that committed while the last roll ran


@dataclass(frozen=True)
class Rolled:
    days: int
    case_rows: int
    hotline_rows: int


def today(now: datetime.datetime | None = None) -> datetime.date:
    return timezone.localtime(now or timezone.now(), SHANGHAI).date()


def roll_days(
    *, region: str, days: list[datetime.date], now: datetime.datetime | None = None
) -> Rolled:
    """Roll up `days` of `region` (today and later days are left out: they are computed live),
    replacing their rows and marks; in chunks of `CHUNK_DAYS` days, one transaction each."""
    moment = now or timezone.now()
    closed = sorted({d for d in days if d < today(moment)})
    case_rows = hotline_rows = 0
    for i in range(0, len(closed), CHUNK_DAYS):
        chunk = closed[i : i + CHUNK_DAYS]
        ranges = day_ranges(chunk)
        cases = [
            CaseDay(
                region=region,
                day=day,
                department=department,
                item=item,
                channel=channel,
                received=f.received,
                decided=f.decided,
                kept=f.kept,
                late=f.late,
                working_days=f.working_days,
                promised_days=f.promised_days,
                supplements=f.supplements,
            )
            for (day, department, item, channel), f in case_buckets(region, ranges).items()
        ]
        q = Q()
        for first, last in ranges:
            start = datetime.datetime.combine(first, datetime.time(0), tzinfo=SHANGHAI)
            end = datetime.datetime.combine(
                last + datetime.timedelta(days=1), datetime.time(0), tzinfo=SHANGHAI
            )
            q |= Q(dispatched_at__gte=start, dispatched_at__lt=end)
        orders = [
            HotlineDay(
                region=region,
                day=values.pop("day"),
                department=values.pop("lead_department"),
                **values,
            )
            for values in order_window(region)
            .filter(q)
            .annotate(day=TruncDate("dispatched_at", tzinfo=SHANGHAI))
            .order_by()
            .values("day", "lead_department")
            .annotate(**SETTLED, overdue=overdue_at(moment))
        ]
        with transaction.atomic():
            CaseDay.objects.filter(region=region, day__in=chunk).delete()
            HotlineDay.objects.filter(region=region, day__in=chunk).delete()
            RolledDay.objects.filter(region=region, day__in=chunk).delete()
            CaseDay.objects.bulk_create(cases, batch_size=2000)
            HotlineDay.objects.bulk_create(orders, batch_size=2000)
            RolledDay.objects.bulk_create(
                [RolledDay(region=region, day=day, rolled_at=moment) for day in chunk]
            )
        case_rows += len(cases)
        hotline_rows += len(orders)
    return Rolled(days=len(closed), case_rows=case_rows, hotline_rows=hotline_rows)


def changed_days(
    *, region: str, since: datetime.datetime, first: datetime.date
) -> set[datetime.date]:
    """The days from `first` on that the cases and work orders saved since `since` count on
    (three grouped queries)."""
    found: set[datetime.date] = set()
    cases = case_selectors.item_cases_for_statistics(region=region).filter(updated_at__gte=since)
    for field in ("submitted_at", "decided_at"):
        found.update(
            cases.exclude(**{f"{field}__isnull": True})
            .annotate(day=TruncDate(field, tzinfo=SHANGHAI))
            .order_by()
            .values_list("day", flat=True)
            .distinct()
        )
    found.update(
        hotline_selectors.orders_for_statistics(region=region)
        .filter(updated_at__gte=since, dispatched_at__isnull=False)
        .annotate(day=TruncDate("dispatched_at", tzinfo=SHANGHAI))
        .order_by()
        .values_list("day", flat=True)
        .distinct()
    )
    return {d for d in found if d is not None and d >= first}


def due_days(*, region: str, now: datetime.datetime | None = None) -> list[datetime.date]:
    """The closed days the worker should roll now: the unmarked days of the last
    `HORIZON_DAYS`, the last `TRAILING_DAYS`, and the days changed since the last roll."""
    moment = now or timezone.now()
    yesterday = today(moment) - datetime.timedelta(days=1)
    first = yesterday - datetime.timedelta(days=HORIZON_DAYS - 1)
    marks = dict(
        RolledDay.objects.filter(region=region, day__gte=first, day__lte=yesterday).values_list(
            "day", "rolled_at"
        )
    )
    wanted = {first + datetime.timedelta(days=i) for i in range(HORIZON_DAYS)} - set(marks)
    wanted.update(yesterday - datetime.timedelta(days=i) for i in range(TRAILING_DAYS))
    if marks:
        since = min(max(marks.values()), moment) - MARGIN
        wanted.update(changed_days(region=region, since=since, first=first))
    return sorted(d for d in wanted if first <= d <= yesterday)


def roll_due(*, region: str, now: datetime.datetime | None = None) -> Rolled:
    """What the worker runs: roll `due_days`."""
    return roll_days(region=region, days=due_days(region=region, now=now), now=now)
