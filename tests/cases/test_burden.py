"""Burden figures per scenario from real cases: the catalogue's item-by-item baseline against
the means over completed bundle cases; the API and the panel on the scenario page."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from onestop.accounts.models import User
from onestop.cases import burden
from onestop.cases.models import Case
from onestop.catalog.models import Scenario
from onestop.catalog.selectors import scenario_comparison

from .factories_space import at, bundle_case, seed_world

D = datetime.date


@pytest.fixture
def world(db: None) -> dict[str, User]:
    return seed_world()


@pytest.fixture
def newborn(world: dict[str, User]) -> Scenario:
    return Scenario.objects.get(region_id="371121", slug="newborn")


def _completed(
    scenario: Scenario,
    applicant: User,
    *,
    accepted: D,
    completed: D,
    materials: int,
    visits: int,
    fields: int,
) -> Case:
    top = bundle_case(
        scenario=scenario,
        accepted=accepted,
        applicant=applicant,
        status=Case.Status.COMPLETED,
        materials_submitted=materials,
        visits=visits,
        fields_typed=fields,
        completed_at=at(completed, 16),
    )
    return top


def test_without_cases_only_the_baseline(newborn: Scenario) -> None:
    figures = burden.scenario_burden(scenario=newborn)
    before = scenario_comparison(scenario=newborn)["item_by_item"]
    assert figures["cases"] == 0
    assert figures["baseline"] == {
        "materials": before["materials"],
        "visits": before["visits"],
        "days": before["days"],
        "forms": before["forms"],
    }
    assert figures["bundled"] == {
        "materials": None,
        "visits": None,
        "days": None,
        "forms": None,
        "fields_typed": None,
    }


def test_means_over_completed_cases(newborn: Scenario, world: dict[str, User]) -> None:
    citizen = world["citizen"]
    # Thu 19 Nov → Tue 24 Nov: 3 working days; Mon 23 Nov → Mon 23 Nov: 0; Fri 20 → Fri 27: 5.
    _completed(
        newborn, citizen, accepted=D(2026, 11, 19), completed=D(2026, 11, 24), materials=2,
        visits=0, fields=3,
    )  # fmt: skip
    _completed(
        newborn, citizen, accepted=D(2026, 11, 23), completed=D(2026, 11, 23), materials=0,
        visits=1, fields=0,
    )  # fmt: skip
    _completed(
        newborn, citizen, accepted=D(2026, 11, 20), completed=D(2026, 11, 27), materials=1,
        visits=0, fields=2,
    )  # fmt: skip
    # Not counted: in progress, withdrawn, and drafts.
    bundle_case(scenario=newborn, accepted=D(2026, 11, 1), applicant=citizen, materials_submitted=9)
    bundle_case(
        scenario=newborn,
        accepted=D(2026, 11, 2),
        applicant=citizen,
        status=Case.Status.WITHDRAWN,
        visits=5,
    )
    figures = burden.scenario_burden(scenario=newborn)
    assert figures["cases"] == 3
    assert figures["bundled"] == {
        "materials": 1.0,
        "visits": 0.3,
        "days": pytest.approx(2.7),
        "forms": 1,
        "fields_typed": 1.7,
    }


def test_days_follow_the_official_calendar(newborn: Scenario, world: dict[str, User]) -> None:
    from onestop.core import calendar
    from onestop.core.calendar import DayEntry

    holidays = [DayEntry(D(2026, 10, d), calendar.HOLIDAY, "国庆节") for d in range(1, 8)]
    workdays = [DayEntry(D(2026, 10, 10), calendar.WORKDAY, "国庆节调休")]
    calendar.calendar_year_load(year=2026, source="test", days=holidays + workdays)
    # Wed 30 Sep → Mon 12 Oct: Thu 8, Fri 9, Sat 10 (worked), Mon 12 = 4 working days.
    _completed(
        newborn, world["citizen"], accepted=D(2026, 9, 30), completed=D(2026, 10, 12),
        materials=0, visits=0, fields=0,
    )  # fmt: skip
    assert burden.scenario_burden(scenario=newborn)["bundled"]["days"] == 4.0


def test_api(client: Any, newborn: Scenario, world: dict[str, User]) -> None:
    _completed(
        newborn, world["citizen"], accepted=D(2026, 11, 19), completed=D(2026, 11, 24),
        materials=2, visits=1, fields=4,
    )  # fmt: skip
    response = client.get("/api/v1/scenarios/newborn/burden")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"baseline", "bundled", "cases"}
    assert set(body["baseline"]) == {"materials", "visits", "days", "forms"}
    assert body["cases"] == 1
    assert body["bundled"]["materials"] == 2.0
    assert body["bundled"]["visits"] == 1.0
    assert body["bundled"]["days"] == 3.0
    assert body["bundled"]["forms"] == 1
    assert body["bundled"]["fields_typed"] == 4.0
    assert body["baseline"] == burden.scenario_burden(scenario=newborn)["baseline"]


def test_api_unknown_scenario_and_region(client: Any, world: dict[str, User]) -> None:
    assert client.get("/api/v1/scenarios/no-such-thing/burden").status_code == 404
    assert client.get("/api/v1/scenarios/newborn/burden?region=999999").status_code == 404


def test_api_region_parameter(client: Any, world: dict[str, User]) -> None:
    other = Scenario.objects.exclude(region_id="371121").first()
    assert other is not None
    response = client.get(f"/api/v1/scenarios/{other.slug}/burden?region={other.region_id}")
    assert response.status_code == 200
    assert response.json()["cases"] == 0


def test_panel_on_the_scenario_page(
    client: Any, english: None, newborn: Scenario, world: dict[str, User]
) -> None:
    page = client.get(f"/scenarios/{newborn.slug}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="burden"' in text
    assert "No application for this bundle has been completed yet" in text
    _completed(
        newborn, world["citizen"], accepted=D(2026, 11, 19), completed=D(2026, 11, 24),
        materials=2, visits=1, fields=4,
    )  # fmt: skip
    text = client.get(f"/scenarios/{newborn.slug}/").content.decode()
    assert "average of 1 completed application" in text
    assert "<td>3.0</td>" in text  # working days


def test_completion_time_uses_local_dates(newborn: Scenario, world: dict[str, User]) -> None:
    # Completed late in the evening (local time) of the acceptance day: 0 days.
    top = _completed(
        newborn, world["citizen"], accepted=D(2026, 11, 19), completed=D(2026, 11, 19),
        materials=0, visits=0, fields=0,
    )  # fmt: skip
    Case.objects.filter(pk=top.pk).update(
        completed_at=at(D(2026, 11, 19), 23) + datetime.timedelta(minutes=30)
    )
    assert burden.scenario_burden(scenario=newborn)["bundled"]["days"] == 0.0
