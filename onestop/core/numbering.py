"""The one number allocator: ``<region>-<yyyymmdd>-<sequence>`` per series, region and day.

Work orders (series ``hotline``) and cases (``cases``) are numbered by it, and the queue
numbers of each service centre (``queue-<centre id>``, `org.services.ticket_take`). The
sequence is a row of `DayCounter`; incrementing it takes the row lock, which holds until the
caller's transaction commits, so concurrent requests (several workers, PostgreSQL or SQLite)
never get the same number and a rolled-back request gives its number back.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import connection
from django.db.models import Field, Model

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


def number_row(
    *,
    model: type[Model],
    pk: Any,
    field: str,
    series: str,
    region: str,
    day: datetime.date,
    digits: int,
) -> str:
    """Give the saved row `pk` of `model` its day number (see `day_number`) in `field`, and
    return it.

    For callers that insert first and number last: the counter row is locked from here until
    the caller's transaction commits, so numbering as the transaction's last statement keeps
    concurrent intakes of a region and day waiting for each other as briefly as possible (the
    row's inserts and the task rows happen before, without the lock). On PostgreSQL it is one
    statement (the counter upsert in a ``WITH`` feeding the row's ``UPDATE``); on SQLite, which
    has one writer at a time anyway, the upsert and the update. Call inside
    `transaction.atomic`, after inserting the row with a placeholder unique to it.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("number_row must run inside transaction.atomic")
    prefix = f"{region}-{day:%Y%m%d}-"
    quote = connection.ops.quote_name
    target = model._meta.get_field(field)
    if not isinstance(target, Field) or not target.column:
        raise TypeError(f"{model.__name__}.{field} is not a column")
    table, column = quote(model._meta.db_table), quote(target.column)
    key = quote(model._meta.pk.column)
    if connection.vendor != "postgresql":
        number = f"{prefix}{next_sequence(series=series, region=region, day=day):0{digits}d}"
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET {column} = %s WHERE {key} = %s",  # noqa: S608 - model names
                [number, pk],
            )
            if cursor.rowcount != 1:
                raise RuntimeError(f"no {model.__name__} row {pk} to number")
        return number
    counter = quote(DayCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            # the names are the models' own; every value is a parameter
            f"WITH n AS (INSERT INTO {counter} (series, region, day, last) "  # noqa: S608
            f"VALUES (%s, %s, %s, 1) ON CONFLICT (series, region, day) "
            f"DO UPDATE SET last = {counter}.last + 1 RETURNING last) "
            f"UPDATE {table} SET {column} = %s || lpad(n.last::text, "
            f"greatest(%s, length(n.last::text)), '0') FROM n WHERE {table}.{key} = %s "
            f"RETURNING {table}.{column}",
            [series, region, day, prefix, digits, pk],
        )
        row = cursor.fetchone()
    if row is None:
        raise RuntimeError(f"no {model.__name__} row {pk} to number")
    return str(row[0])
