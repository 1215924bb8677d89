"""Case numbers: ``<region>-<yyyymmdd>-<5-digit seq>`` per node-local day, from the one
allocator (`core.numbering`, series "cases")."""

from __future__ import annotations

import datetime

from django.utils import timezone

from onestop.core import numbering

SERIES = "cases"


def _allocate_number(region: str, moment: datetime.datetime) -> str:
    """``<region>-<yyyymmdd>-<5-digit seq>`` of the node's local day. Call inside a
    transaction: the counter row stays locked until it commits."""
    return numbers_allocate(region, moment, 1)[0]


def numbers_allocate(region: str, moment: datetime.datetime, count: int) -> list[str]:
    """`count` consecutive numbers of the node's local day, in one statement whatever `count`
    (a bundle numbers its top case and every item case at once)."""
    day = timezone.localdate(moment)
    return numbering.day_numbers(series=SERIES, region=region, day=day, digits=5, count=count)
