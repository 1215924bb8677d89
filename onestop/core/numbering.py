"""The one number allocator: ``<region>-<yyyymmdd>-<sequence>`` per series, region and day.

Work orders (series ``hotline``) and cases (``cases``) are numbered by it. The sequence is a
row of `DayCounter`; incrementing it takes the row lock, which holds until the caller's
transaction commits, so concurrent requests (several workers, PostgreSQL or SQLite) never get
the same number and a rolled-back request gives its number back.
"""

from __future__ import annotations

import datetime

from django.db import connection
from django.db.models import F

from onestop.core.models import DayCounter


def next_sequence(*, series: str, region: str, day: datetime.date) -> int:
    """The next sequence number of `series` in `region` on `day` (1, 2, ...).

    Call inside `transaction.atomic`: the counter row stays locked until it commits. Two
    queries when the day's row exists (an UPDATE that locks it, a read of the new value).
    """
    if not connection.in_atomic_block:
        raise RuntimeError("next_sequence must run inside transaction.atomic")
    counter = DayCounter.objects.filter(series=series, region=region, day=day)
    if not counter.update(last=F("last") + 1):
        DayCounter.objects.get_or_create(series=series, region=region, day=day)  # savepoint
        counter.update(last=F("last") + 1)
    return int(counter.values_list("last", flat=True).get())


def day_number(*, series: str, region: str, day: datetime.date, digits: int) -> str:
    """``<region>-<yyyymmdd>-<sequence, zero-padded to digits>`` (see `next_sequence`)."""
    sequence = next_sequence(series=series, region=region, day=day)
    return f"{region}-{day:%Y%m%d}-{sequence:0{digits}d}"
