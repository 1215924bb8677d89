"""Open311 against abuse (issue #13): identical POSTs in a burst are one order, an
Idempotency-Key is bound to its body, a client's POSTs are rate-limited (each texts a citizen),
locations outside the region and control characters are refused or stripped, date bounds
answer 400 (never 500), and every error under /open311/ keeps the spec's shape."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from django.test import Client

from onestop.hotline.models import WorkOrder
from tests.open311.conftest import form

BASE = "/open311/v2/"


def post(client: Client, fmt: str = "json", headers: dict[str, str] | None = None, **extra: Any):
    return client.post(f"{BASE}requests.{fmt}", form(**extra), headers=headers or {})


def test_twenty_identical_posts_in_a_second_are_one_order(world: Any, client: Client) -> None:
    numbers = {json.loads(post(client).content)[0]["service_request_id"] for _ in range(20)}

    assert len(numbers) == 1
    assert WorkOrder.objects.count() == 1


def test_different_bodies_are_different_orders(world: Any, client: Client) -> None:
    post(client)
    post(client, description="路灯不亮了，晚上看不见路。")
    assert WorkOrder.objects.count() == 2


def test_an_idempotency_key_with_another_body_is_a_422(world: Any, client: Client) -> None:
    first = post(client, headers={"Idempotency-Key": "k-42"})
    again = post(client, headers={"Idempotency-Key": "k-42"})
    other = post(client, headers={"Idempotency-Key": "k-42"}, description="另一件事。")

    assert first.status_code == again.status_code == 200
    assert json.loads(first.content) == json.loads(again.content)
    assert other.status_code == 422
    assert json.loads(other.content)[0]["code"] == 422
    assert WorkOrder.objects.count() == 1


def test_a_client_is_rate_limited_with_retry_after(
    world: Any, client: Client, settings: Any
) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "open311_post": "2/m"}
    for n in range(2):
        assert post(client, description=f"第{n}件事。").status_code == 200

    refused = post(client, fmt="xml", description="第三件事。")

    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    root = ET.fromstring(refused.content)  # noqa: S314 (our own response)
    assert root.findtext("error/code") == "429"
    assert WorkOrder.objects.count() == 2


@pytest.mark.parametrize(("lat", "long"), [("0", "0"), ("30.25", "120.15"), ("35.7", "121.5")])
def test_a_location_outside_the_region_is_refused(
    world: Any, client: Client, lat: str, long: str
) -> None:
    response = post(client, lat=lat, long=long)

    assert response.status_code == 400
    description = json.loads(response.content)[0]["description"]
    # the node's default language answers (zh-hans; English when the catalogue is not compiled)
    assert "371121" in description
    assert "outside region" in description or "范围内" in description
    assert WorkOrder.objects.count() == 0


def test_control_characters_are_stripped_before_storing(world: Any, client: Client) -> None:
    post(
        client, description="电梯\x00坏了\x1b[31m一周\x1b[0m，\x07物业不修。", first_name="W\x00ei"
    )

    order = WorkOrder.objects.get()
    assert order.description == "电梯坏了一周，物业不修。"
    assert order.contact_name == "Wei Zhang"


@pytest.mark.parametrize(
    "query",
    [
        "start_date=9999-12-31T23:59:59Z",
        "end_date=0001-03-01T00:00:00Z",
        "start_date=1999-12-31T00:00:00%2B08:00",
        "start_date=2100-01-01T00:00:00Z",
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_dates_out_of_bounds_are_a_400_not_a_500(
    world: Any, client: Client, query: str, fmt: str
) -> None:
    response = client.get(f"{BASE}requests.{fmt}?{query}")
    assert response.status_code == 400
    if fmt == "json":
        assert json.loads(response.content)[0]["code"] == 400
    else:
        assert ET.fromstring(response.content).findtext("error/code") == "400"  # noqa: S314


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "nothing.json", 404),
        ("get", "requests/x/y/z.xml", 404),
        ("delete", "requests.json", 405),
        ("put", "services.xml", 405),
    ],
)
def test_every_error_keeps_the_open311_shape(
    world: Any, client: Client, method: str, path: str, status: int
) -> None:
    response = getattr(client, method)(BASE + path)

    assert response.status_code == status
    if path.endswith(".xml"):
        assert response["Content-Type"] == "text/xml; charset=utf-8"
        assert ET.fromstring(response.content).findtext("error/code") == str(status)  # noqa: S314
    else:
        assert response["Content-Type"] == "application/json; charset=utf-8"
        assert json.loads(response.content)[0]["code"] == status


@pytest.mark.parametrize(
    "query",
    [
        "start_date=2000-01-01T00:00:00%2B08:00",  # a year 2000 moment in China Standard Time
        "start_date=2099-12-01&end_date=2099-12-31T23:59:59-14:00",
        "start_date=2024-02-29",  # a leap day
        "start_date=2026-01-01T10:00&end_date=2026-01-01T10:00:00.5Z",
        "status=open,%20closed",
        "status=",  # empty = absent
        "service_request_id=371121-20261126-000001,%20371121-20261126-000002",
        "service_code=",
    ],
)
def test_values_the_document_calls_valid_are_answered(
    world: Any, client: Client, query: str
) -> None:
    response = client.get(f"{BASE}requests.json?{query}")
    assert response.status_code == 200, response.content
    assert isinstance(json.loads(response.content), list)


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("start_date=2023-02-29", "invalid_date"),  # not a leap year
        ("start_date=2026-04-31", "invalid_date"),
        ("start_date=2026-01-01%2010:00", "invalid_date"),  # a space, not T
        ("status=OPEN", "invalid_status"),
        ("status=open,closed,open", "invalid_status"),
        ("service_request_id=a&status=OPEN", "invalid_status"),  # checked even when overridden
        ("status=op%1Ben", "invalid_status"),  # a control character is not dropped into "open"
        ("service_request_id=" + ",".join(["a"] * 101), "invalid_service_request_id"),
        ("service_request_id=a;b", "invalid_service_request_id"),
        ("service_code=Not%20a%20code", "invalid_service_code"),
    ],
)
def test_values_the_document_calls_invalid_are_a_400_in_the_open311_shape(
    world: Any, client: Client, query: str, code: str
) -> None:
    from onestop.open311 import params

    response = client.get(f"{BASE}requests.json?{query}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    [error] = json.loads(response.content)
    assert error["code"] == 400
    assert error["description"]
    name = code.removeprefix("invalid_")
    if name in ("status", "service_code", "service_request_id"):
        pattern = {
            "status": params.STATUS_PATTERN,
            "service_code": params.CODE_LIST_PATTERN,
            "service_request_id": params.ID_LIST_PATTERN,
        }[name]
        value = response.wsgi_request.GET[name]
        assert not params.matches(pattern, value)


@pytest.mark.parametrize("method", ["QUERY", "PUT", "DELETE"])
@pytest.mark.parametrize("name", ["discovery", "services", "requests/1", "tokens/1"])
def test_an_undeclared_method_is_a_405_with_allow_not_a_csrf_403(
    world: Any, method: str, name: str
) -> None:
    response = Client(enforce_csrf_checks=True).generic(method, f"{BASE}{name}.json")
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert json.loads(response.content)[0]["code"] == 405
