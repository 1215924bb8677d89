"""Case numbers: ``<region>-<yyyymmdd>-<5-digit seq>`` per node-local day."""

from __future__ import annotations

import datetime

from django.utils import timezone

from onestop.cases.models import (
    CaseCounter,
)


def _allocate_number(region: str, moment: datetime.datetime) -> str:
    """``<region>-<yyyymmdd>-<5-digit seq>`` of the node's local day. Call inside a
    transaction: the counter row stays locked until it commits."""
    return _allocate_numbers(region, moment, 1)[0]


def _allocate_numbers(region: str, moment: datetime.datetime, count: int) -> list[str]:
    """`count` consecutive numbers of the node's local day, in two or three queries whatever
    `count` (a bundle numbers its top case and every item case at once)."""
    day = timezone.localdate(moment)
    counter = CaseCounter.objects.select_for_update().filter(region=region, day=day).first()
    if counter is None:
        CaseCounter.objects.get_or_create(region=region, day=day)
        counter = CaseCounter.objects.select_for_update().get(region=region, day=day)
    first = counter.last + 1
    counter.last += count
    counter.save(update_fields=["last"])
    return [f"{region}-{day:%Y%m%d}-{seq:05d}" for seq in range(first, first + count)]
