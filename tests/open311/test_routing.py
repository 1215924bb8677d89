"""Open311 requests are routed by the worker right after intake: the POST writes the order
``new`` with one routing task (no model in the request, no `agency_responsible` yet, as
GeoReport v2 allows); the task dispatches a confident order as the system (audited with the
scores), and anything less waits for an agent."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult

from onestop.hotline import routing, tasks
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
    seen: list[tuple[str, str]] = []

    def classify_many(requests: list[tuple[str, str]]) -> list[dict[str, Any]]:
        seen.extend(requests)
        if answer.get("fail"):
            raise RuntimeError("model unavailable")
        return [answer for _ in requests]

    monkeypatch.setattr(routing, "classify_many", classify_many)
    answer["seen"] = seen
    return answer


def _post(**extra: Any) -> Any:
    return Client().post(URL, form(**extra))


def _order(response: Any) -> WorkOrder:
    assert response.status_code == 200, response.content
    return WorkOrder.objects.get(number=response.json()[0]["service_request_id"])


def _queued() -> list[Any]:
    return list(DBTaskResult.objects.filter(task_path=tasks.route_orders.module_path))


def _work() -> None:
    """The worker: run each queued routing task."""
    for row in _queued():
        tasks.route_orders.call(*row.args_kwargs["args"])


def _shown(order: WorkOrder) -> dict[str, Any]:
    response = Client().get(f"/open311/v2/requests/{order.number}.json")
    assert response.status_code == 200, response.content
    shown: dict[str, Any] = response.json()[0]
    return shown


def test_a_confident_request_is_dispatched_by_the_worker(world, routed):
    response = _post()
    order = _order(response)

    # The request ran no model: the order is new, with one routing task queued.
    assert routed["seen"] == []
    assert "agency_responsible" not in response.json()[0]
    assert (order.status, order.lead_department_id) == ("new", None)
    assert [row.args_kwargs["args"] for row in _queued()] == [[order.pk]]
    assert _shown(order)["agency_responsible"] is None

    _work()

    order.refresh_from_db()
    assert routed["seen"] == [("小区电梯坏了一周，物业不修。", "371121")]
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
    assert _shown(order)["agency_responsible"]


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
    _work()
    order.refresh_from_db()
    assert (order.status, order.lead_department_id) == ("new", None)
    assert list(order.events.values_list("kind", flat=True)) == ["create", "route"]


def test_off_when_the_setting_says_so(world, routed, settings):
    settings.HOTLINE_AUTO_DISPATCH = False
    order = _order(_post())
    assert order.status == "new"
    assert _queued() == []
    assert routed["seen"] == []


def test_a_retried_request_is_dispatched_once(world, routed):
    first = _order(Client().post(URL, form(), headers={"Idempotency-Key": "r-1"}))
    again = _order(Client().post(URL, form(), headers={"Idempotency-Key": "r-1"}))
    assert first.pk == again.pk
    assert len(_queued()) == 1
    _work()
    _work()  # the task run again (a retry) changes nothing
    assert again.events.filter(kind="dispatch").count() == 1
    assert len(routed["seen"]) == 1


def test_a_bad_request_is_not_routed(world, routed):
    response = _post(description="")
    assert response.status_code == 400
    assert _queued() == []
    assert routed["seen"] == []
    assert WorkOrder.objects.count() == 0
