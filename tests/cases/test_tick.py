"""The periodic tick: 80% warnings to the department's officers and escalation of overdue cases
to the region's supervisors, each once; paused cases never warn."""

from __future__ import annotations

import datetime
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from onestop.accounts.models import User
from onestop.cases import clock, tasks
from onestop.cases.models import Case, CaseEvent
from onestop.catalog.models import Item
from onestop.notify.models import Notification

from .factories_space import at, item_case, seed_world

D = datetime.date
ACCEPTED = D(2026, 11, 19)  # Thursday; 5 working days → due Thursday 26 November


@pytest.fixture
def world(db: None) -> dict[str, User]:
    return seed_world()


@pytest.fixture
def ps_item(world: dict[str, User]) -> Item:
    return Item.objects.filter(
        region_id="371121", implementing_department_id="371121-public-security"
    ).first()  # type: ignore[return-value]


def _notified(user: User, template: str) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, template=template))


def _events(case: Case, kind: str) -> int:
    return CaseEvent.objects.filter(case=case, kind=kind).count()


def test_nothing_before_eighty_percent(ps_item: Item) -> None:
    case = item_case(item=ps_item, accepted=ACCEPTED, promised_days=5)
    assert clock.tick(now=at(D(2026, 11, 24))) == {"warned": [], "escalated": [], "pledges": []}
    case.refresh_from_db()
    assert case.warned_at is None


def test_warns_the_departments_officers_once_at_eighty_percent(
    ps_item: Item, world: dict[str, User]
) -> None:
    case = item_case(item=ps_item, accepted=ACCEPTED, promised_days=5)
    moment = at(D(2026, 11, 25))  # 4 of 5 working days used
    assert clock.tick(now=moment) == {"warned": [case.number], "escalated": [], "pledges": []}
    case.refresh_from_db()
    assert case.warned_at == moment
    assert _events(case, CaseEvent.Kind.WARNED) == 1
    officer = world["officer-ps"]
    (note,) = _notified(officer, "case.warned")
    assert case.number in note.body
    assert note.channel == Notification.Channel.IN_APP
    # Other departments' officers and the supervisor are not told of a warning.
    assert _notified(world["officer-hr"], "case.warned") == []
    assert _notified(world["supervisor"], "case.warned") == []
    # A second tick changes nothing.
    assert clock.tick(now=at(D(2026, 11, 25), 15)) == {"warned": [], "escalated": [], "pledges": []}
    assert _events(case, CaseEvent.Kind.WARNED) == 1
    assert len(_notified(officer, "case.warned")) == 1


def test_escalates_overdue_cases_to_the_supervisor_once(
    ps_item: Item, world: dict[str, User]
) -> None:
    case = item_case(item=ps_item, accepted=ACCEPTED, promised_days=5)
    # On the due day itself the case is not overdue yet.
    assert clock.tick(now=at(D(2026, 11, 26)))["escalated"] == []
    moment = at(D(2026, 11, 27))
    assert clock.tick(now=moment) == {"warned": [], "escalated": [case.number], "pledges": []}
    case.refresh_from_db()
    assert case.escalated_at == moment
    assert _events(case, CaseEvent.Kind.ESCALATED) == 1
    (note,) = _notified(world["supervisor"], "case.escalated")
    assert case.number in note.body
    assert clock.tick(now=at(D(2026, 11, 30))) == {"warned": [], "escalated": [], "pledges": []}
    assert _events(case, CaseEvent.Kind.ESCALATED) == 1
    assert len(_notified(world["supervisor"], "case.escalated")) == 1


def test_a_case_found_overdue_is_warned_and_escalated(
    ps_item: Item, world: dict[str, User]
) -> None:
    case = item_case(item=ps_item, accepted=ACCEPTED, promised_days=5)
    result = clock.tick(now=at(D(2026, 12, 2)))
    assert result == {"warned": [case.number], "escalated": [case.number], "pledges": []}


def test_paused_cases_never_warn_nor_escalate(ps_item: Item) -> None:
    case = item_case(item=ps_item, accepted=ACCEPTED, promised_days=5)
    clock.pause(case, now=at(D(2026, 11, 20)))
    case.status = Case.Status.SUPPLEMENT
    case.save()
    assert clock.tick(now=at(D(2026, 12, 10))) == {"warned": [], "escalated": [], "pledges": []}
    # A paused case still marked accepted (the status is not what stops the clock) neither.
    case.status = Case.Status.ACCEPTED
    case.save()
    assert clock.tick(now=at(D(2026, 12, 10))) == {"warned": [], "escalated": [], "pledges": []}
    # Resumed on Tuesday 24 Nov: Mon + Tue waited, due moves to Monday 30 Nov.
    clock.resume(case, now=at(D(2026, 11, 24)))
    case.save()
    assert case.due_date == D(2026, 11, 30)
    assert clock.tick(now=at(D(2026, 11, 26)))["warned"] == []  # 3 of 5 used
    assert clock.tick(now=at(D(2026, 11, 27)))["warned"] == [case.number]  # 4 of 5


def test_finished_cases_and_bundles_are_left_alone(ps_item: Item) -> None:
    done = item_case(item=ps_item, accepted=ACCEPTED, promised_days=1)
    done.status = Case.Status.COMPLETED
    done.save()
    no_limit = item_case(item=ps_item, accepted=ACCEPTED, promised_days=5)
    Case.objects.filter(pk=no_limit.pk).update(due_date=None, promised_days=None)
    assert clock.tick(now=at(D(2026, 12, 10))) == {"warned": [], "escalated": [], "pledges": []}


def test_warning_thresholds_for_several_limits(ps_item: Item) -> None:
    one = item_case(item=ps_item, accepted=ACCEPTED, promised_days=1)  # due Fri 20
    fifteen = item_case(item=ps_item, accepted=ACCEPTED, promised_days=15)  # due Thu 10 Dec
    spot = item_case(item=ps_item, accepted=ACCEPTED, promised_days=0)  # due Thu 19
    assert clock.tick(now=at(ACCEPTED, 15)) == {"warned": [], "escalated": [], "pledges": []}
    # 1 day: 80% is reached on its due day.
    assert clock.tick(now=at(D(2026, 11, 20)))["warned"] == [one.number]
    # 15 days: 12 used on Monday 7 Dec (11 on Friday 4 Dec).
    assert fifteen.number not in clock.tick(now=at(D(2026, 12, 4)))["warned"]
    assert clock.tick(now=at(D(2026, 12, 7)))["warned"] == [fifteen.number]
    spot.refresh_from_db()
    assert spot.warned_at is None
    assert spot.escalated_at is not None


def test_command_and_task(ps_item: Item, world: dict[str, User]) -> None:
    today = timezone.localdate()
    late = item_case(item=ps_item, accepted=today - datetime.timedelta(days=30), promised_days=1)
    out = StringIO()
    call_command("cases_tick", stdout=out)
    text = out.getvalue()
    assert f"escalated {late.number}" in text
    assert "1 case(s) warned, 1 escalated" in text
    assert tasks.tick.call() == {
        "warned": [],
        "escalated": [],
        "pledges": [],
        "unacknowledged": [],
    }


def test_escalation_reaches_supervisors_of_the_region_only(
    ps_item: Item, world: dict[str, User]
) -> None:
    from onestop.accounts import services as account_services
    from onestop.accounts.models import StaffRole

    admin = world["admin"]
    other: Any = account_services.staff_create(
        actor=admin,
        username="supervisor-gy",
        password="onestop-demo-2026",
        real_name="supervisor-gy",
        roles=[(StaffRole.Role.SUPERVISOR, "320707", None)],
    )
    item_case(item=ps_item, accepted=ACCEPTED, promised_days=5)
    clock.tick(now=at(D(2026, 11, 27)))
    assert _notified(other, "case.escalated") == []
    assert len(_notified(world["supervisor"], "case.escalated")) == 1
