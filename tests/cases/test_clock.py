"""The time limit of item cases: working days on the official calendar, paused by supplements."""

from __future__ import annotations

import datetime

import pytest

from onestop.cases import clock
from onestop.cases.models import Case
from onestop.core import calendar
from onestop.core.calendar import DayEntry

from .factories_space import at

D = datetime.date
pytestmark = pytest.mark.django_db


def _national_day_2026() -> None:
    """2026: 1–7 October are holidays, Sunday 27 September and Saturday 10 October are worked."""
    holidays = [DayEntry(D(2026, 10, d), calendar.HOLIDAY, "国庆节") for d in range(1, 8)]
    workdays = [
        DayEntry(D(2026, 9, 27), calendar.WORKDAY, "国庆节调休"),
        DayEntry(D(2026, 10, 10), calendar.WORKDAY, "国庆节调休"),
    ]
    calendar.calendar_year_load(year=2026, source="test notice", days=holidays + workdays)


def _case(accepted: D, promised: int) -> Case:
    return Case(
        kind=Case.Kind.ITEM,
        accepted_at=at(accepted),
        promised_days=promised,
        due_date=clock.due_date_for(start=accepted, promised_days=promised),
    )


def test_due_date_counts_working_days_after_acceptance() -> None:
    # Thursday 19 Nov 2026 + 5 working days: Fri, Mon, Tue, Wed, Thu → Thursday 26 Nov.
    assert clock.due_date_for(start=D(2026, 11, 19), promised_days=5) == D(2026, 11, 26)
    # Accepted on a Friday, one working day: the next Monday.
    assert clock.due_date_for(start=D(2026, 11, 20), promised_days=1) == D(2026, 11, 23)


def test_on_the_spot_item_is_due_the_same_day() -> None:
    assert clock.due_date_for(start=D(2026, 11, 21), promised_days=0) == D(2026, 11, 21)


def test_paused_days_move_the_due_date_on() -> None:
    assert clock.due_date_for(start=D(2026, 11, 19), promised_days=5, paused_working_days=2) == D(
        2026, 11, 30
    )


def test_negative_days_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        clock.due_date_for(start=D(2026, 11, 19), promised_days=-1)


def test_due_date_follows_the_official_calendar() -> None:
    _national_day_2026()
    # Wednesday 30 Sep + 3 working days: 1–7 Oct are holidays, Thursday 8, Friday 9 and the
    # adjusted Saturday 10 are worked.
    assert clock.due_date_for(start=D(2026, 9, 30), promised_days=3) == D(2026, 10, 10)
    # Friday 25 Sep + 1: the adjusted workday Sunday 27 Sep.
    assert clock.due_date_for(start=D(2026, 9, 25), promised_days=1) == D(2026, 9, 27)


def test_pause_and_resume_add_the_working_days_waited() -> None:
    case = _case(D(2026, 11, 19), 5)  # due Thursday 26 Nov
    clock.pause(case, now=at(D(2026, 11, 20)))  # Friday
    assert case.paused_since == at(D(2026, 11, 20))
    # Pausing again keeps the first moment.
    clock.pause(case, now=at(D(2026, 11, 23)))
    assert case.paused_since == at(D(2026, 11, 20))
    # Resumed on Wednesday 25: Mon, Tue, Wed waited → 3 working days.
    clock.resume(case, now=at(D(2026, 11, 25)))
    assert case.paused_since is None
    assert case.paused_working_days == 3
    assert case.due_date == D(2026, 12, 1)
    # Resuming a running clock changes nothing.
    clock.resume(case, now=at(D(2026, 11, 27)))
    assert case.paused_working_days == 3
    assert case.due_date == D(2026, 12, 1)


def test_pause_resume_over_a_weekend_only_costs_nothing() -> None:
    case = _case(D(2026, 11, 19), 5)
    clock.pause(case, now=at(D(2026, 11, 20), 17))  # Friday evening
    clock.resume(case, now=at(D(2026, 11, 22)))  # Sunday
    assert case.paused_working_days == 0
    assert case.due_date == D(2026, 11, 26)


def test_pauses_accumulate() -> None:
    case = _case(D(2026, 11, 19), 5)
    clock.pause(case, now=at(D(2026, 11, 20)))
    clock.resume(case, now=at(D(2026, 11, 23)))  # Monday: 1
    clock.pause(case, now=at(D(2026, 11, 24)))
    clock.resume(case, now=at(D(2026, 11, 26)))  # Wed, Thu: 2
    assert case.paused_working_days == 3
    assert case.due_date == D(2026, 12, 1)


def test_resume_uses_the_bundle_acceptance_date_when_the_item_has_none() -> None:
    top = Case(kind=Case.Kind.BUNDLE, accepted_at=at(D(2026, 11, 19)))
    child = Case(kind=Case.Kind.ITEM, parent=top, promised_days=5)
    clock.pause(child, now=at(D(2026, 11, 20)))
    clock.resume(child, now=at(D(2026, 11, 23)))
    assert child.due_date == D(2026, 11, 27)


def test_used_fraction() -> None:
    case = _case(D(2026, 11, 19), 5)
    assert clock.used_fraction(case, today=D(2026, 11, 19)) == 0.0
    assert clock.used_fraction(case, today=D(2026, 11, 25)) == pytest.approx(0.8)
    assert clock.used_fraction(case, today=D(2026, 11, 26)) == pytest.approx(1.0)
    assert clock.used_fraction(case, today=D(2026, 11, 27)) == pytest.approx(1.2)
    assert clock.remaining_days(case, today=D(2026, 11, 25)) == 1
    assert clock.remaining_days(case, today=D(2026, 11, 27)) == -1


def test_used_fraction_excludes_paused_days() -> None:
    case = _case(D(2026, 11, 19), 5)
    clock.pause(case, now=at(D(2026, 11, 20)))  # 1 used
    # While paused the clock stands still.
    assert clock.used_fraction(case, today=D(2026, 11, 27)) == pytest.approx(0.2)
    clock.resume(case, now=at(D(2026, 11, 24)))  # Mon, Tue waited
    assert clock.used_fraction(case, today=D(2026, 11, 24)) == pytest.approx(0.2)
    assert clock.used_fraction(case, today=D(2026, 11, 25)) == pytest.approx(0.4)
    assert clock.used_fraction(case, today=D(2026, 11, 27)) == pytest.approx(0.8)


def test_used_fraction_of_cases_without_limit_or_same_day() -> None:
    assert clock.used_fraction(Case(kind=Case.Kind.ITEM), today=D(2026, 11, 20)) == 0.0
    spot = _case(D(2026, 11, 19), 0)
    assert clock.used_fraction(spot, today=D(2026, 11, 19)) == 0.0
    assert clock.used_fraction(spot, today=D(2026, 11, 20)) > 1.0
