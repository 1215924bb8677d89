"""The routing worker: intake queues one task; the worker routes the orders waiting in one
batch and dispatches the confident ones as the system, exactly once, leaving anything else
(an order an agent dispatched meanwhile, a doubtful prediction, a failure) to the agents."""

from __future__ import annotations

from typing import Any

import pytest
from django_tasks_db.models import DBTaskResult

from onestop.hotline import routing, services, tasks
from onestop.hotline.models import WorkOrder

S = WorkOrder.Status
PS = "371121-public-security"
HR = "371121-human-resources-social-security"
CATEGORY = "public-security.public-order"


@pytest.fixture
def model(settings: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Auto-dispatch on, with the model's answer under the test's control; `batches` records
    each call (the (text, region) pairs routed together)."""
    settings.HOTLINE_AUTO_DISPATCH = True
    state: dict[str, Any] = {
        "answer": {
            "categories": [{"code": CATEGORY, "score": 0.9}],
            "departments": [{"code": PS, "kind": "public-security", "score": 0.8}],
            "auto": True,
        },
        "batches": [],
        "fail": False,
    }

    def classify_many(requests: list[tuple[str, str]]) -> list[dict[str, Any]]:
        state["batches"].append(list(requests))
        if state["fail"]:
            raise RuntimeError("model unavailable")
        return [state["answer"] for _ in requests]

    monkeypatch.setattr(routing, "classify_many", classify_many)
    return state


def run_queued() -> list[list[str]]:
    """Run every queued routing task, as the worker would; what each returned."""
    rows = DBTaskResult.objects.filter(task_path=tasks.route_orders.module_path).order_by(
        "enqueued_at"
    )
    return [tasks.route_orders.call(*row.args_kwargs["args"]) for row in rows]


def test_the_worker_dispatches_a_confident_order_as_the_system(make, model):
    order = make(route=True)
    assert order.status == S.NEW

    assert run_queued() == [[order.number]]

    order.refresh_from_db()
    assert (order.status, order.lead_department_id) == (S.DISPATCHED, PS)
    assert order.resolve_by is not None
    dispatch = order.events.get(kind="dispatch")
    assert dispatch.actor is None
    assert (dispatch.from_status, dispatch.to_status) == (S.NEW, S.DISPATCHED)
    assert dispatch.data == {
        "department": PS,
        "assisting": [],
        "auto": True,
        "category_score": 0.9,
        "department_score": 0.8,
    }
    assert model["batches"] == [[(order.description, "371121")]]


def test_a_retried_task_does_not_dispatch_twice(make, model):
    order = make(route=True)
    assert tasks.route_orders.call(order.pk) == [order.number]
    assert tasks.route_orders.call(order.pk) == []

    assert order.events.filter(kind="dispatch").count() == 1
    assert len(model["batches"]) == 1  # the second run found nothing waiting


def test_one_task_routes_the_orders_waiting_in_one_batch(make, model):
    first, second = make(route=True), make(route=True, description="Loud music at night.")

    assert run_queued() == [[first.number, second.number], []]
    assert model["batches"] == [[(first.description, "371121"), ("Loud music at night.", "371121")]]
    assert WorkOrder.objects.filter(status=S.DISPATCHED).count() == 2


def test_an_order_an_agent_dispatched_first_is_left_alone(make, model, world):
    order = make(route=True)
    services.ticket_dispatch(actor=world["agent"], order=order, department=HR)

    assert run_queued() == [[]]

    order.refresh_from_db()
    assert (order.status, order.lead_department_id) == (S.DISPATCHED, HR)
    [dispatch] = order.events.filter(kind="dispatch")
    assert dispatch.actor == world["agent"]
    assert model["batches"] == []


def test_a_doubtful_prediction_waits_for_an_agent(make, model):
    model["answer"] = {**model["answer"], "auto": False}
    order = make(route=True)

    assert run_queued() == [[]]

    order.refresh_from_db()
    assert order.status == S.NEW
    assert list(order.events.values_list("kind", flat=True)) == ["create", "route"]
    assert order.events.get(kind="route").data == {"auto": False}
    assert tasks.route_orders.call(order.pk) == []  # looked at once
    assert len(model["batches"]) == 1


def test_a_routing_failure_leaves_the_order_new_for_an_agent(make, model, world):
    model["fail"] = True
    order = make(route=True)

    assert run_queued() == [[]]

    order.refresh_from_db()
    assert (order.status, order.lead_department_id) == (S.NEW, None)
    assert order.events.get(kind="route").data == {"auto": False, "error": "RuntimeError"}
    # Nothing is lost: the agent dispatches it as any other new order.
    services.ticket_dispatch(actor=world["agent"], order=order, department=PS)
    order.refresh_from_db()
    assert order.status == S.DISPATCHED


def test_a_department_outside_the_region_is_not_dispatched(make, model):
    model["answer"] = {
        **model["answer"],
        "departments": [{"code": "320707-public-security", "kind": "public-security", "score": 1}],
    }
    order = make(route=True)

    assert run_queued() == [[]]

    order.refresh_from_db()
    assert (order.status, order.lead_department_id) == (S.NEW, None)
    assert order.events.get(kind="route").data["error"] == "unknown_department"


def test_switched_off_after_intake_routes_nothing(make, model, settings):
    order = make(route=True)
    settings.HOTLINE_AUTO_DISPATCH = False

    assert run_queued() == [[]]

    order.refresh_from_db()
    assert order.status == S.NEW
    assert order.events.get(kind="route").data == {"auto": False, "error": "off"}
    assert model["batches"] == []
