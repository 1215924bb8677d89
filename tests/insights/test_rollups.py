"""The daily rollups (docs/insights.md "Daily rollups"): the figures read from the rolled-up
days plus today's live part are exactly the figures computed from the raw rows, for several
filters and periods; the worker rolls the due days (unmarked, trailing, changed) and a change
to a rolled day is caught; `onestop insights_rollup` rebuilds a range."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from onestop.cases.models import Case, Supplement
from onestop.insights import rollups, selectors, tasks
from onestop.insights.models import CaseDay, HotlineDay, RolledDay
from onestop.insights.selectors import dashboard
from tests.cases.factories_office import at, item_case, item_of, seed_world
from tests.factories import login

from .conftest import AFTER, HR, MARCH, PS, SH, fresh

pytestmark = pytest.mark.django_db

HEALTH = "371121-health"
REGION = "371121"


@pytest.fixture
def cases(db: None) -> dict[str, Any]:
    """Item cases of two departments over the last 40 days and today, both channels, decided
    in and after their limits, some open past their limit, some with supplements."""
    world = seed_world()
    today = timezone.localdate()
    ps, health = item_of(PS), item_of(HEALTH)
    made = []
    for n in range(24):
        item = ps if n % 3 else health
        accepted = today - datetime.timedelta(days=(n * 7) % 40)
        channel = Case.Channel.ONLINE if n % 2 else Case.Channel.WINDOW
        if n % 4 == 0:
            case = item_case(item=item, accepted=accepted, channel=channel)  # still open
        else:
            on = min(today, accepted + datetime.timedelta(days=(n * 5) % 25))
            case = item_case(
                item=item,
                accepted=accepted,
                channel=channel,
                status=Case.Status.APPROVED,
                decision="approve",
                decided_at=at(on, 15),
                paused_working_days=n % 3,
            )
        if n % 5 == 0:
            Supplement.objects.create(
                case=case,
                requested_by=world["officer-wj"],
                reason="The photo is unreadable.",
                requested_at=at(accepted + datetime.timedelta(days=1), 11),
            )
        made.append(case)
    return {"world": world, "cases": made, "ps": ps, "health": health}


def _steering(actor: Any, **params: str) -> dashboard.Steering:
    filters = dashboard.parse_filters(params)
    return dashboard.steering(actor=fresh(actor), region=REGION, filters=filters)


def _live(fn: Any) -> Any:
    """`fn()` with every rollup mark removed (every day counted from the raw rows), the
    marks then put back."""
    marks = list(RolledDay.objects.all())
    RolledDay.objects.all().delete()
    try:
        return fn()
    finally:
        RolledDay.objects.bulk_create(marks)


def _rolled_all(now: datetime.datetime | None = None) -> rollups.Rolled:
    today = rollups.today(now)
    days = [today - datetime.timedelta(days=i) for i in range(1, 60)]
    return rollups.roll_days(region=REGION, days=days, now=now)


PERIODS = {
    "30 days to today": {},
    "45 days to today": {"from": "-45"},
    "past only": {"from": "-38", "to": "-3"},
}
FILTERS = {
    "everything": {},
    "one department": {"department": PS},
    "one item": {"item": "ITEM"},
    "online": {"channel": "online"},
    "window, one department": {"channel": "window", "department": HEALTH},
}


def _params(period: dict[str, str], narrowing: dict[str, str], item: str) -> dict[str, str]:
    today = timezone.localdate()
    params = {
        key: f"{today + datetime.timedelta(days=int(value)):%Y-%m-%d}"
        for key, value in period.items()
    }
    params.update({k: (item if v == "ITEM" else v) for k, v in narrowing.items()})
    return params


@pytest.mark.parametrize("period", PERIODS)
@pytest.mark.parametrize("narrowing", FILTERS)
def test_the_rolled_up_figures_are_the_live_figures(cases, period, narrowing) -> None:
    director = cases["world"]["supervisor"]
    params = _params(PERIODS[period], FILTERS[narrowing], cases["ps"].code)
    live = _steering(director, **params)
    rolled = _rolled_all()
    assert rolled.days == 59
    assert CaseDay.objects.exists()
    with_rollups = _steering(director, **params)
    assert with_rollups == live
    assert with_rollups == _live(lambda: _steering(director, **params))
    # Something was counted, through the rollups and through today's live part.
    assert with_rollups.received > 0
    if narrowing == "everything":
        assert with_rollups.totals.decided > 0


def test_the_department_head_sees_the_same_through_the_rollups(cases) -> None:
    head = cases["world"]["officer-ps"]
    live = _steering(head)
    _rolled_all()
    assert _steering(head) == live
    assert {row.code for row in live.departments} == {PS}


def test_a_rolled_day_is_not_read_live(cases, django_assert_max_num_queries) -> None:
    """The closed days come from the rollup rows: a raw row added to a rolled day without
    rolling it again is not seen until the worker rolls the day again."""
    director = cases["world"]["supervisor"]
    _rolled_all()
    before = _steering(director)
    old = timezone.localdate() - datetime.timedelta(days=10)
    item_case(item=cases["ps"], accepted=old, channel=Case.Channel.ONLINE)
    assert _steering(director).received == before.received
    # Saved since the last roll: the worker's due days include it, and after the roll the
    # figures are the live ones again.
    assert old in rollups.due_days(region=REGION)
    rollups.roll_due(region=REGION)
    after = _steering(director)
    assert after.received == before.received + 1
    assert after == _live(lambda: _steering(director))


def test_the_worker_rolls_the_due_days_once_per_slot(cases) -> None:
    first = tasks.rollup_tick.call()
    assert first["rolled"] is True
    # The first roll: every closed day of the horizon (nothing was marked).
    assert first["days"] == rollups.HORIZON_DAYS
    assert RolledDay.objects.count() == rollups.HORIZON_DAYS
    assert tasks.rollup_tick.call() == {"rolled": False}
    # Later rolls: the trailing days (and those changed since).
    due = rollups.due_days(region=REGION)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    assert due[-rollups.TRAILING_DAYS :] == [
        yesterday - datetime.timedelta(days=i) for i in reversed(range(rollups.TRAILING_DAYS))
    ]
    rows = CaseDay.objects.count()
    rollups.roll_due(region=REGION)
    assert CaseDay.objects.count() == rows  # a re-roll replaces, it does not add


def test_today_is_never_rolled(cases) -> None:
    today = timezone.localdate()
    result = rollups.roll_days(region=REGION, days=[today, today + datetime.timedelta(days=1)])
    assert result.days == 0
    assert not RolledDay.objects.exists()


def test_the_command_rebuilds_a_range(cases) -> None:
    today = timezone.localdate()
    out = io.StringIO()
    start = today - datetime.timedelta(days=20)
    call_command(
        "insights_rollup", "--from", f"{start:%Y-%m-%d}", "--to", f"{today:%Y-%m-%d}", stdout=out
    )
    assert "rolled 20 days" in out.getvalue()
    assert sorted(RolledDay.objects.values_list("day", flat=True)) == [
        start + datetime.timedelta(days=i) for i in range(20)
    ]
    with pytest.raises(Exception, match="not a date"):
        call_command("insights_rollup", "--from", "20-01-2026", stdout=io.StringIO())


def test_the_page_reads_the_rollups_with_a_constant_query_count(cases) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(cases["world"]["supervisor"])
    client.get("/insights/")
    with CaptureQueriesContext(connection) as live:
        assert client.get("/insights/").status_code == 200
    _rolled_all()
    with CaptureQueriesContext(connection) as rolled:
        response = client.get("/insights/")
    assert response.status_code == 200
    # The rollup's three grouped reads replace nothing but add no per-row query either.
    assert len(rolled.captured_queries) <= len(live.captured_queries) + 4


# --- the hotline's three rates ------------------------------------------------------------------


def _rows(actor: Any, now: datetime.datetime) -> list[selectors.Row]:
    return selectors.three_rates(actor=fresh(actor), region=REGION, month=MARCH, now=now)


@pytest.mark.parametrize(
    "now",
    [
        AFTER,  # every day of March closed
        datetime.datetime(2026, 3, 5, 12, 0, tzinfo=SH),  # the month spans today
        datetime.datetime(2026, 3, 2, 12, 0, tzinfo=SH),  # today is the busy day itself
    ],
)
def test_the_three_rates_through_the_rollups_are_the_live_ones(month, world, now) -> None:
    live = _rows(world["supervisor"], now)
    days = [MARCH + datetime.timedelta(days=i) for i in range(31)]
    rolled = rollups.roll_days(region=REGION, days=days, now=now)
    assert rolled.days == (rollups.today(now) - MARCH).days
    assert _rows(world["supervisor"], now) == live
    assert _live(lambda: _rows(world["supervisor"], now)) == live
    assert _rows(world["officer-ps"], now) == _live(lambda: _rows(world["officer-ps"], now))


def test_owed_orders_rolled_before_their_deadline_count_as_overdue_after_it(month, world):
    """Days rolled on March 3rd (the 1st and 2nd), read on April 1st: the orders still owed
    whose deadline was ahead at the roll are overdue now, and the figures are the live ones."""
    rolled_on = datetime.datetime(2026, 3, 3, 12, 0, tzinfo=SH)
    days = [MARCH + datetime.timedelta(days=i) for i in range(31)]
    assert rollups.roll_days(region=REGION, days=days, now=rolled_on).days == 2
    stored = {r.department: r for r in HotlineDay.objects.filter(day=datetime.date(2026, 3, 2))}
    # o1 o3 o4 and h2 (sent on to PS the same day); o2 was dispatched again on the 10th
    assert stored[PS].dispatched == 4
    assert stored[HR].dispatched == 1
    assert stored[PS].overdue == 0  # every deadline was still ahead on the 3rd
    late = _rows(world["supervisor"], AFTER)
    assert {r.department: r.overdue for r in late}[PS] == 3
    assert late == _live(lambda: _rows(world["supervisor"], AFTER))
