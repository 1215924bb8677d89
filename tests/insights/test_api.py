"""GET /api/v1/insights/hotline/three-rates: the same rows as the page, the error shape for
refusals and bad months."""

from __future__ import annotations

import pytest
from django.test import Client

from .conftest import HR, PS

URL = "/api/v1/insights/hotline/three-rates"


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def test_supervisor_gets_the_ranked_rows(client, month, world):
    client.force_login(world["supervisor"])

    response = client.get(URL, {"month": "2026-03"})

    assert response.status_code == 200
    body = response.json()
    assert body["region"] == "371121"
    assert body["month"] == "2026-03"
    assert body["weights"] == {
        "response_rate": 0.3,
        "resolution_rate": 0.35,
        "satisfaction_rate": 0.35,
    }
    assert [(r["rank"], r["department"]) for r in body["rows"]] == [(1, HR), (2, PS)]
    assert body["rows"][1] == {
        "rank": 2,
        "department": PS,
        "department_name": "Wulian County Public Security Bureau",
        "dispatched": 5,
        "signed_on_time": 3,
        "callbacks": 3,
        "resolved": 1,
        "satisfied": 2,
        "overdue": 3,
        "returned": 0,
        "reopened": 1,
        "response_rate": 0.6,
        "resolution_rate": 0.3333,
        "satisfaction_rate": 0.6667,
        "composite": 0.53,
    }


def test_officer_gets_their_own_row(client, month, world):
    client.force_login(world["officer-hr"])

    body = client.get(URL, {"month": "2026-03"}).json()

    assert [r["department"] for r in body["rows"]] == [HR]
    assert body["rows"][0]["returned"] == 2


def test_agent_is_refused(client, month, world):
    client.force_login(world["agent"])

    response = client.get(URL, {"month": "2026-03"})

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert "rows" not in response.json()


def test_anonymous_is_told_to_sign_in(client):
    response = client.get(URL, {"month": "2026-03"})

    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


@pytest.mark.parametrize("value", ["2026-3", "2026/03", "x", "2026-13", "9999-12", "1999-12"])
def test_malformed_month_is_a_422(client, world, value):
    """The month's pattern (2000-01 to 2099-12) is in the OpenAPI document."""
    client.force_login(world["supervisor"])

    response = client.get(URL, {"month": value})

    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
    assert response.json()["details"][0]["loc"] == ["query", "month"]


def test_a_future_month_has_no_rows(client, month, world):
    client.force_login(world["supervisor"])

    response = client.get(URL, {"month": "2099-12"})

    assert response.status_code == 200
    assert response.json()["rows"] == []


def test_the_default_month_is_the_current_one(client, world):
    from onestop.insights.selectors import current_month

    client.force_login(world["supervisor"])

    response = client.get(URL)

    assert response.status_code == 200
    assert response.json()["month"] == f"{current_month():%Y-%m}"


def test_the_endpoint_has_a_query_budget(client, month, world, django_assert_max_num_queries):
    client.force_login(world["supervisor"])
    # session, user, roles, rolled-up days' marks, orders grouped, events grouped, names
    with django_assert_max_num_queries(8):
        response = client.get(URL, {"month": "2026-03"})
    assert response.status_code == 200
    assert len(response.json()["rows"]) == 2
