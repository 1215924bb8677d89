"""The working-day calendar: official holidays, adjusted workdays and the weekend fallback."""

from __future__ import annotations

import datetime
import logging

import pytest
from django.utils import translation

from onestop.core import calendar
from onestop.core.errors import ValidationFailed
from onestop.core.models import CalendarDay, CalendarYear
from onestop.core.seed import package_years, seed_calendar


@pytest.fixture(autouse=True)
def _english_messages():
    """These tests match the English msgids of the domain errors."""
    with translation.override("en"):
        yield


D = datetime.date


@pytest.fixture
def year_2026(db: None) -> None:
    calendar.calendar_year_load(year=2026, source="chinesecalendar", days=package_years()[2026])


def test_spring_festival_2026_is_not_worked(year_2026: None) -> None:
    # Given the 2026 notice: Spring Festival from 15 to 23 February
    holidays = [D(2026, 2, day) for day in range(15, 24)]
    # Then none of those days is a working day, weekday or not
    assert [calendar.is_working_day(d) for d in holidays] == [False] * 9
    assert calendar.is_working_day(D(2026, 2, 24)) is True
    assert CalendarDay.objects.get(date=D(2026, 2, 17)).name == "春节"


def test_adjusted_workday_saturday_is_worked(year_2026: None) -> None:
    # 14 and 28 February 2026 are Saturdays worked in exchange for the Spring Festival.
    assert D(2026, 2, 14).weekday() == 5
    assert calendar.is_working_day(D(2026, 2, 14)) is True
    assert calendar.is_working_day(D(2026, 2, 28)) is True
    assert calendar.is_working_day(D(2026, 3, 7)) is False  # an ordinary Saturday


def test_deadline_counts_from_the_day_after_acceptance(year_2026: None) -> None:
    # Accepted on Friday 13 Feb: day 1 is Saturday 14 (worked), day 2 is Tuesday 24 after the
    # festival, day 5 is Friday 27, day 6 is Saturday 28 (worked).
    assert calendar.add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert calendar.add_working_days(D(2026, 2, 13), 2) == D(2026, 2, 24)
    assert calendar.add_working_days(D(2026, 2, 13), 5) == D(2026, 2, 27)
    assert calendar.add_working_days(D(2026, 2, 13), 6) == D(2026, 2, 28)
    assert calendar.add_working_days(D(2026, 2, 13), 7) == D(2026, 3, 2)


def test_zero_days_is_the_same_day_even_on_a_holiday(year_2026: None) -> None:
    assert calendar.add_working_days(D(2026, 2, 17), 0) == D(2026, 2, 17)
    assert calendar.add_working_days(D(2026, 3, 4), 0) == D(2026, 3, 4)


def test_negative_days_are_refused(year_2026: None) -> None:
    with pytest.raises(ValueError, match="negative"):
        calendar.add_working_days(D(2026, 3, 4), -1)


def test_working_days_between_is_the_inverse(year_2026: None) -> None:
    start = D(2026, 2, 10)
    for n in (0, 1, 3, 8, 20):
        assert calendar.working_days_between(start, calendar.add_working_days(start, n)) == n
    assert calendar.working_days_between(D(2026, 2, 13), D(2026, 2, 24)) == 2
    assert calendar.working_days_between(D(2026, 2, 24), D(2026, 2, 13)) == -2
    assert calendar.working_days_between(D(2026, 2, 24), D(2026, 2, 24)) == 0


def test_deadline_crossing_into_2027_falls_back_to_weekends_with_one_warning(
    year_2026: None, caplog: pytest.LogCaptureFixture
) -> None:
    # Given 2026 entered and 2027 not; accepted Friday 25 Dec 2026, 20 working days
    caplog.set_level(logging.WARNING, logger="onestop.core.calendar")
    calendar._warned.discard(2027)
    # Then Dec 28-31 (4), Fri 1 Jan (5, no holiday known), three full weeks (20)
    assert calendar.add_working_days(D(2026, 12, 25), 20) == D(2027, 1, 22)
    assert calendar.add_working_days(D(2026, 12, 25), 21) == D(2027, 1, 25)
    assert calendar.year_is_known(2027) is False
    warnings = [r for r in caplog.records if "2027" in r.getMessage()]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING


def test_deadline_in_2030_never_crashes(db: None) -> None:
    calendar._warned.discard(2030)
    assert calendar.add_working_days(D(2030, 6, 28), 3) == D(2030, 7, 3)
    assert calendar.is_working_day(D(2030, 10, 1)) is True  # unknown year: weekdays count
    assert calendar.working_days_between(D(2030, 1, 1), D(2030, 1, 31)) == 22


def test_loading_a_year_replaces_the_fallback_at_once(db: None) -> None:
    assert calendar.is_working_day(D(2027, 1, 1)) is True  # cached as not entered
    calendar.calendar_year_load(
        year=2027,
        source="test notice",
        days=[
            calendar.DayEntry(D(2027, 1, 1), calendar.HOLIDAY, "元旦"),
            calendar.DayEntry(D(2027, 1, 2), calendar.WORKDAY, "调休"),
        ],
    )
    assert calendar.is_working_day(D(2027, 1, 1)) is False
    assert calendar.is_working_day(D(2027, 1, 2)) is True
    assert calendar.add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 2)


def test_load_is_idempotent_and_exact(year_2026: None) -> None:
    before = list(CalendarDay.objects.filter(date__year=2026).values_list("pk", "updated_at"))
    again = calendar.calendar_year_load(
        year=2026, source="chinesecalendar", days=package_years()[2026]
    )
    assert (again.created, again.updated, again.deleted) == (0, 0, 0)
    after = list(CalendarDay.objects.filter(date__year=2026).values_list("pk", "updated_at"))
    assert after == before
    # Loading fewer days removes the others of that year only
    smaller = calendar.calendar_year_load(
        year=2026,
        source="corrected notice",
        days=[calendar.DayEntry(D(2026, 1, 1), calendar.HOLIDAY, "元旦")],
    )
    assert smaller.deleted == len(before) - 1
    assert smaller.updated == 1  # the year's source
    assert list(CalendarDay.objects.values_list("date", flat=True)) == [D(2026, 1, 1)]
    assert CalendarYear.objects.get(year=2026).source == "corrected notice"
    assert calendar.is_working_day(D(2026, 2, 17)) is True


@pytest.mark.parametrize(
    ("days", "message"),
    [
        ([calendar.DayEntry(D(2027, 3, 3), calendar.WORKDAY, "x")], "is a weekday"),
        ([calendar.DayEntry(D(2028, 1, 1), calendar.HOLIDAY, "x")], "is not in 2027"),
        ([calendar.DayEntry(D(2027, 1, 1), "party", "x")], "must be of kind"),
        (
            [
                calendar.DayEntry(D(2027, 1, 1), calendar.HOLIDAY, "x"),
                calendar.DayEntry(D(2027, 1, 1), calendar.HOLIDAY, "y"),
            ],
            "listed twice",
        ),
    ],
)
def test_bad_days_change_nothing(days: list[calendar.DayEntry], message: str, db: None) -> None:
    with pytest.raises(ValidationFailed, match=message):
        calendar.calendar_year_load(year=2027, source="notice", days=days)
    assert CalendarYear.objects.count() == 0
    assert CalendarDay.objects.count() == 0


def test_day_set_and_delete_refresh_the_cache(year_2026: None) -> None:
    assert calendar.is_working_day(D(2026, 3, 4)) is True
    calendar.calendar_day_set(date=D(2026, 3, 4), kind=calendar.HOLIDAY, name="local holiday")
    assert calendar.is_working_day(D(2026, 3, 4)) is False
    assert calendar.calendar_day_delete(date=D(2026, 3, 4)) is True
    assert calendar.is_working_day(D(2026, 3, 4)) is True


def test_day_set_needs_the_year_entered(db: None) -> None:
    with pytest.raises(ValidationFailed, match="Enter the year 2031"):
        calendar.calendar_day_set(date=D(2031, 1, 1), kind=calendar.HOLIDAY, name="元旦")
    assert CalendarDay.objects.count() == 0


def test_seed_loads_every_package_year_once(db: None) -> None:
    first = seed_calendar()
    assert first == "official calendar 2004-2026 (23 years, 23 changed)"
    assert CalendarYear.objects.count() == 23
    assert set(CalendarYear.objects.values_list("source", flat=True)) == {"chinesecalendar"}
    count = CalendarDay.objects.count()
    assert count == 621 + 150
    assert seed_calendar() == "official calendar 2004-2026 (23 years, 0 changed)"
    assert CalendarDay.objects.count() == count


def test_seed_leaves_a_year_loaded_from_a_notice_alone(db: None) -> None:
    calendar.calendar_year_load(
        year=2026,
        source="State Council notice 2025 No. 7",
        days=[calendar.DayEntry(D(2026, 1, 1), calendar.HOLIDAY, "元旦")],
    )
    seed_calendar()
    assert CalendarDay.objects.filter(date__year=2026).count() == 1
    assert CalendarYear.objects.get(year=2026).source == "State Council notice 2025 No. 7"
