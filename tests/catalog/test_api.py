"""The catalogue API: lists with filters and pagination, details, 404 and 400 error shapes."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def client() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def test_items_list_is_paginated_and_filtered(
    client: Client, catalogue: None, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(2):
        response = client.get("/api/v1/items", {"limit": 5, "offset": 0})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 147
    assert [i["code"] for i in body["items"]] == [
        "37112100CL-GG-0001",
        "37112100CL-JF-0001",
        "37112100CL-QR-0001",
        "37112100FG-QT-0001",
        "37112100GA-BA-0001",
    ]
    first = body["items"][0]
    assert first["competent_department"] == "371121-disabled-persons-federation"
    assert first["template_key"] == "CL-GG-0001"

    response = client.get(
        "/api/v1/items", {"region": "320707", "scenario": "newborn", "limit": 100}
    )
    assert response.status_code == 200
    codes = [i["code"] for i in response.json()["items"]]
    assert len(codes) == 8
    assert all(code.startswith("32070700") for code in codes)

    response = client.get("/api/v1/items", {"type": "licensing", "audience": "enterprise"})
    assert response.status_code == 200
    assert all(i["type"] == "licensing" for i in response.json()["items"])
    assert all(i["audience"] in ("enterprise", "both") for i in response.json()["items"])

    response = client.get("/api/v1/items", {"theme": "tax", "limit": 100})
    assert response.status_code == 200
    assert all("tax" in i["themes"] for i in response.json()["items"])
    assert response.json()["count"] > 0


def test_items_list_with_department_filter(client: Client, catalogue: None) -> None:
    response = client.get("/api/v1/items", {"department": "371121-tax", "limit": 100})
    assert response.status_code == 200
    codes = [i["code"] for i in response.json()["items"]]
    assert "37112100SW-QT-0001" in codes
    assert all(
        "-tax" in (i["competent_department"] + i["implementing_department"])
        for i in response.json()["items"]
    )


@pytest.mark.parametrize(
    ("param", "value"), [("type", "permit"), ("audience", "alien"), ("theme", "space")]
)
def test_items_list_bad_filter_is_422(
    client: Client, catalogue: None, param: str, value: str
) -> None:
    """The allowed values are enums of the OpenAPI document; another value is refused there."""
    response = client.get("/api/v1/items", {param: value})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert body["details"][0]["loc"] == ["query", param]


def test_items_list_bad_limit_is_422(client: Client, catalogue: None) -> None:
    response = client.get("/api/v1/items", {"limit": "many"})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"


def test_item_detail_has_every_element_and_sources(client: Client, catalogue: None) -> None:
    response = client.get("/api/v1/items/37112100SP-XK-0001")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Change of business registration (business licence)"
    assert body["region"] == "371121"
    assert body["statutory_days"] == 3
    assert body["promised_days"] == 0
    assert body["fee_zh"] == "不收费"
    assert body["result"]["e_licence"] == "business-licence"
    assert len(body["materials"]) == 7
    licence = next(m for m in body["materials"] if m["key"] == "business-licence")
    assert licence["source"]["type"] == "licence"
    assert licence["source"]["licence"] == "business-licence"
    assert licence["source"]["label"].startswith("E-licence: ")
    assert body["form_fields"][0]["key"] == "enterprise_name"


def test_item_unknown_is_404(client: Client, catalogue: None) -> None:
    response = client.get("/api/v1/items/99999900XX-XK-0001")
    assert response.status_code == 404
    assert response.json()["code"] == "item_not_found"
    assert "99999900XX-XK-0001" in response.json()["message"]


def test_scenarios_list_and_filter(
    client: Client, catalogue: None, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(1):
        response = client.get("/api/v1/scenarios")
    assert response.status_code == 200
    assert len(response.json()) == 13
    response = client.get("/api/v1/scenarios", {"audience": "person"})
    assert [s["slug"] for s in response.json()] == [
        "disability-services",
        "newborn",
        "retirement",
        "school-enrollment",
        "second-hand-housing-transfer",
        "social-security-card",
    ]
    assert client.get("/api/v1/scenarios", {"audience": "robots"}).status_code == 422


def test_scenario_detail(client: Client, catalogue: None) -> None:
    response = client.get("/api/v1/scenarios/newborn", {"region": "320707"})
    assert response.status_code == 200
    body = response.json()
    assert body["lead_department"] == "320707-health"
    assert body["items"][0]["code"] == "32070700WJ-GG-0002"
    assert body["form_schema"]["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert body["comparison"]["bundled"]["forms"] == 1
    assert body["comparison"]["item_by_item"]["forms"] == len(body["items"])
    assert body["variants"][0]["key"] == "hukou_here"


def test_scenario_unknown_is_404(client: Client, catalogue: None) -> None:
    response = client.get("/api/v1/scenarios/moon-landing")
    assert response.status_code == 404
    assert response.json()["code"] == "scenario_not_found"
