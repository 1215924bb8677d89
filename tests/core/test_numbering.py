"""`core.numbering`: the one allocator of `<region>-<yyyymmdd>-<sequence>` numbers."""

from __future__ import annotations

import datetime

import pytest
from django.db import transaction

from onestop.core import numbering
from onestop.core.models import DayCounter

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 12, 1)


def test_sequences_count_per_series_region_and_day() -> None:
    with transaction.atomic():
        first = numbering.day_number(series="cases", region="371121", day=DAY, digits=5)
        second = numbering.day_number(series="cases", region="371121", day=DAY, digits=5)
        other_series = numbering.next_sequence(series="hotline", region="371121", day=DAY)
        other_region = numbering.next_sequence(series="cases", region="320707", day=DAY)
        next_day = numbering.next_sequence(
            series="cases", region="371121", day=DAY + datetime.timedelta(days=1)
        )

    assert (first, second) == ("371121-20261201-00001", "371121-20261201-00002")
    assert (other_series, other_region, next_day) == (1, 1, 1)
    assert DayCounter.objects.get(series="cases", region="371121", day=DAY).last == 2


def _allocate_then_fail() -> None:
    with transaction.atomic():
        assert numbering.next_sequence(series="hotline", region="371121", day=DAY) == 1
        raise RuntimeError("boom")


def test_a_rolled_back_request_gives_its_number_back() -> None:
    with pytest.raises(RuntimeError, match="boom"):
        _allocate_then_fail()
    with transaction.atomic():
        assert numbering.next_sequence(series="hotline", region="371121", day=DAY) == 1


def test_outside_a_transaction_is_refused() -> None:
    """The row lock only means something inside the caller's transaction."""
    connection = transaction.get_connection()
    atomic = connection.in_atomic_block
    connection.in_atomic_block = False  # pytest-django wraps each test in a transaction
    try:
        with pytest.raises(RuntimeError, match=r"transaction\.atomic"):
            numbering.next_sequence(series="hotline", region="371121", day=DAY)
    finally:
        connection.in_atomic_block = atomic
    assert not DayCounter.objects.exists()


def test_one_statement_per_number_whether_or_not_the_days_row_exists(
    django_assert_num_queries: object,
) -> None:
    with transaction.atomic():
        with django_assert_num_queries(1):  # type: ignore[operator]
            assert numbering.next_sequence(series="hotline", region="371121", day=DAY) == 1
        with django_assert_num_queries(1):  # type: ignore[operator]
            assert numbering.next_sequence(series="hotline", region="371121", day=DAY) == 2
        with django_assert_num_queries(1):  # type: ignore[operator]
            assert numbering.day_numbers(
                series="cases", region="371121", day=DAY, digits=5, count=7
            ) == [f"371121-{DAY:%Y%m%d}-{n:05d}" for n in range(1, 8)]


def test_number_row_numbers_a_saved_row_last_from_the_same_sequence() -> None:
    from django.contrib.auth.models import Group

    with transaction.atomic():
        assert numbering.next_sequence(series="cases", region="371121", day=DAY) == 1
        rows = [Group.objects.create(name=f"placeholder-{i}") for i in range(2)]
        numbers = [
            numbering.number_row(
                model=Group,
                pk=row.pk,
                field="name",
                series="cases",
                region="371121",
                day=DAY,
                digits=5,
            )
            for row in rows
        ]
        DayCounter.objects.filter(series="cases", region="371121", day=DAY).update(last=99999)
        wide = numbering.number_row(
            model=Group,
            pk=rows[0].pk,
            field="name",
            series="cases",
            region="371121",
            day=DAY,
            digits=5,
        )

    assert numbers == ["371121-20261201-00002", "371121-20261201-00003"]
    assert wide == "371121-20261201-100000"  # more digits when the day needs them, never cut
    assert sorted(Group.objects.values_list("name", flat=True)) == [
        "371121-20261201-00003",
        "371121-20261201-100000",
    ]


def test_number_row_needs_the_row_and_then_takes_no_number() -> None:
    from django.contrib.auth.models import Group

    args = {"model": Group, "field": "name", "series": "cases", "region": "371121", "day": DAY}
    with pytest.raises(RuntimeError, match="no Group row"), transaction.atomic():
        numbering.number_row(pk=424242, digits=5, **args)
    assert not DayCounter.objects.filter(series="cases").exists()
