"""The one number allocator: ``<region>-<yyyymmdd>-<sequence>`` per series, region and day.

Work orders (series ``hotline``) and cases (``cases``) are numbered by it, and the queue
numbers of each service centre (``queue-<centre id>``, `org.services.ticket_take`). The
sequence is a row of `DayCounter`; incrementing it takes the row lock, which holds until the
caller's transaction commits, so concurrent requests (several workers, PostgreSQL or SQLite)
never get the same number and a rolled-back request gives its number back.
"""

from __future__ import annotations

import datetime

from django.db import connection

from onestop.core.models import DayCounter


def next_sequence(*, series: str, region: str, day: datetime.date, count: int = 1) -> int:
    """The next sequence number of `series` in `region` on `day` (1, 2, ...); with `count`,
    reserve that many consecutive numbers and return the last of them.

    Call inside `transaction.atomic`: the counter row stays locked until it commits. One
    statement, PostgreSQL and SQLite alike: ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``
    creates or bumps the day's row (it was get_or_create, SELECT ... FOR UPDATE and UPDATE).
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    if not connection.in_atomic_block:
        raise RuntimeError("next_sequence must run inside transaction.atomic")
    table = connection.ops.quote_name(DayCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (series, region, day, last) VALUES (%s, %s, %s, %s) "  # noqa: S608 - fixed table name
            f"ON CONFLICT (series, region, day) DO UPDATE SET last = {table}.last + %s "
            "RETURNING last",
            [series, region, day, count, count],
        )
        row = cursor.fetchone()
    assert row is not None  # noqa: S101 - RETURNING always answers one row
    return int(row[0])


def day_number(*, series: str, region: str, day: datetime.date, digits: int) -> str:
    """``<region>-<yyyymmdd>-<sequence, zero-padded to digits>`` (see `next_sequence`)."""
    sequence = next_sequence(series=series, region=region, day=day)
    return f"{region}-{day:%Y%m%d}-{sequence:0{digits}d}"


def day_numbers(
    *, series: str, region: str, day: datetime.date, digits: int, count: int
) -> list[str]:
    """`count` consecutive numbers (see `day_number`) in one statement (a bundle numbers its
    top case and every item case at once)."""
    last = next_sequence(series=series, region=region, day=day, count=count)
    return [f"{region}-{day:%Y%m%d}-{seq:0{digits}d}" for seq in range(last - count + 1, last + 1)]
