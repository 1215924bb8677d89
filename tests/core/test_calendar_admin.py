"""Administrators maintain the calendar in the Django admin; the cache follows at once."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client

from onestop.accounts import services as accounts
from onestop.core import calendar
from onestop.core.models import CalendarDay
from onestop.org.seed import seed_org
from tests.factories import OTHER_REGION, login


@pytest.fixture
def admin_client(db: None, client: Client, settings: Any) -> Client:
    seed_org()
    seed_org(region=OTHER_REGION)
    admin = accounts.administrator_bootstrap(
        username="root",
        password="correct-horse-battery",
        real_name="r",
        region_code="371121",
        superuser=True,
    )
    return login(admin, client=client)


def test_admin_refuses_a_weekday_as_adjusted_workday(admin_client: Client) -> None:
    calendar.calendar_year_load(year=2027, source="notice", days=[])
    response = admin_client.post(
        "/admin/core/calendarday/add/", {"date": "2027-03-03", "kind": "workday", "name": "x"}
    )
    assert response.status_code == 200
    assert "only a Saturday or a Sunday can be an adjusted workday" in response.content.decode()
    assert CalendarDay.objects.count() == 0


def test_admin_change_is_seen_at_once(admin_client: Client) -> None:
    calendar.calendar_year_load(year=2027, source="notice", days=[])
    assert calendar.is_working_day(datetime.date(2027, 3, 3)) is True
    response = admin_client.post(
        "/admin/core/calendarday/add/", {"date": "2027-03-03", "kind": "holiday", "name": "x"}
    )
    assert response.status_code == 302
    assert calendar.is_working_day(datetime.date(2027, 3, 3)) is False
