"""Open311 requests are routed: a confident prediction dispatches the work order at once (by
the system, audited with the scores); anything less waits for an agent."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from onestop.hotline import routing
from onestop.hotline.models import WorkOrder
from tests.open311.conftest import SERVICE, form

URL = "/open311/v2/requests.json"
HOUSING = "371121-housing-urban-rural-development"


@pytest.fixture
def routed(settings: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Auto-dispatch on, with the model's answer under the test's control."""
    settings.HOTLINE_AUTO_DISPATCH = True
    answer: dict[str, Any] = {
        "categories": [{"code": SERVICE, "score": 0.93}],
        "departments": [
            {"code": HOUSING, "kind": "housing-urban-rural-development", "score": 0.88}
        ],
        "auto": True,
    }
    seen: list[dict[str, str]] = []

    def classify(*, text: str, region: str) -> dict[str, Any]:
        seen.append({"text": text, "region": region})
        if answer.get("fail"):
            raise RuntimeError("model unavailable")
        return answer

    monkeypatch.setattr(routing, "classify", classify)
    answer["seen"] = seen
    return answer


def _post(**extra: Any) -> Any:
    return Client().post(URL, form(**extra))


def _order(response: Any) -> WorkOrder:
    assert response.status_code == 200, response.content
    return WorkOrder.objects.get(number=response.json()[0]["service_request_id"])


def test_a_confident_request_is_dispatched_by_the_system(world, routed):
    order = _order(_post())

    assert routed["seen"] == [{"text": "小区电梯坏了一周，物业不修。", "region": "371121"}]
    assert (order.status, order.lead_department_id) == ("dispatched", HOUSING)
    assert order.resolve_by is not None
    event = order.events.get(kind="dispatch")
    assert event.actor is None
    assert event.data == {
        "department": HOUSING,
        "assisting": [],
        "auto": True,
        "category_score": 0.93,
        "department_score": 0.88,
    }
    shown = Client().get(f"/open311/v2/requests/{order.number}.json").json()[0]
    assert shown["agency_responsible"]


@pytest.mark.parametrize(
    "change",
    [
        {"auto": False},
        {"categories": [{"code": "utilities.water", "score": 0.95}]},  # not the service filed
        {"departments": []},
        {"fail": True},
    ],
)
def test_anything_less_waits_for_an_agent(world, routed, change):
    routed.update(change)
    order = _order(_post())
    assert (order.status, order.lead_department_id) == ("new", None)
    assert list(order.events.values_list("kind", flat=True)) == ["create"]


def test_off_when_the_setting_says_so(world, routed, settings):
    settings.HOTLINE_AUTO_DISPATCH = False
    order = _order(_post())
    assert order.status == "new"
    assert routed["seen"] == []


def test_a_retried_request_is_dispatched_once(world, routed):
    first = _order(Client().post(URL, form(), headers={"Idempotency-Key": "r-1"}))
    again = _order(Client().post(URL, form(), headers={"Idempotency-Key": "r-1"}))
    assert first.pk == again.pk
    assert again.events.filter(kind="dispatch").count() == 1


def test_a_bad_request_is_not_routed(world, routed):
    response = _post(description="")
    assert response.status_code == 400
    assert routed["seen"] == []
    assert WorkOrder.objects.count() == 0
