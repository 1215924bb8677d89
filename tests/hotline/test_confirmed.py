"""Retraining from confirmed dispatches: which work orders count as confirmed, that
`hotline_train` learns from them on top of the synthetic history, and that a confirmed order
changes what the model predicts for a new text."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command

from onestop.hotline import routing, selectors, services
from onestop.hotline.models import WorkOrder

PS = "371121-public-security"
HR = "371121-human-resources-social-security"
WATER = "371121-water-supply"


def _dispatched(make: Any, world: Any, department: str = PS, **kw: Any) -> WorkOrder:
    return services.ticket_dispatch(actor=world["agent"], order=make(**kw), department=department)


def test_confirmed_are_the_orders_their_department_kept(make, world, clock):
    agent, sup, ps, hr = (
        world["agent"],
        world["supervisor"],
        world["officer-ps"],
        world["officer-hr"],
    )
    clock.advance(hours=-3)  # dispatched three hours ago: the 2-hour return window is over
    kept = _dispatched(make, world)
    kept_signed = services.ticket_sign_for(actor=ps, order=_dispatched(make, world))
    clock.advance(hours=1)
    returned = services.ticket_return(actor=ps, order=_dispatched(make, world), reason="No.")
    clock.advance(hours=2)

    fresh = _dispatched(make, world)  # may still come back: not confirmed yet
    fresh_signed = services.ticket_sign_for(actor=ps, order=_dispatched(make, world))
    in_progress = services.ticket_start(
        actor=ps, order=services.ticket_sign_for(actor=ps, order=_dispatched(make, world))
    )
    upheld = services.ticket_arbitrate(
        actor=sup,
        order=services.ticket_return(actor=hr, order=_dispatched(make, world, HR), reason="PS."),
        uphold=True,
        department=PS,
    )
    rejected = services.ticket_arbitrate(
        actor=sup,
        order=services.ticket_return(actor=ps, order=_dispatched(make, world), reason="No."),
        uphold=False,
    )
    closed = services.ticket_callback(
        actor=agent,
        order=services.ticket_reply(actor=ps, order=in_progress, text="Done."),
        satisfied=True,
        resolved=True,
    )
    new = make()
    answered = services.ticket_answer_on_spot(
        actor=agent,
        order=make(request_type="consultation", category="government-services.approval-services"),
        text="Bring your ID.",
    )
    master = _dispatched(make, world)
    duplicate = services.ticket_merge(actor=agent, duplicate=make(), master=master)
    clock.advance(hours=3)
    master_kept = master  # dispatched more than two hours ago by now
    reopened = services.ticket_callback(
        actor=agent,
        order=services.ticket_reply(
            actor=ps,
            order=services.ticket_start(
                actor=ps, order=services.ticket_sign_for(actor=ps, order=_dispatched(make, world))
            ),
            text="Done.",
        ),
        satisfied=False,
        resolved=False,
    )  # dispatched again just now, to the same department

    found = selectors.confirmed_dispatches(now=clock.now)
    numbers = set(found.values_list("number", flat=True))
    assert numbers == {
        kept.number,
        kept_signed.number,
        fresh.number,  # the window passed meanwhile
        fresh_signed.number,
        upheld.number,
        rejected.number,
        closed.number,
        master_kept.number,
    }
    for order in (returned, new, answered, duplicate, reopened):
        assert order.number not in numbers


def test_confirmed_examples_label_with_the_department_that_kept_the_order(make, world, clock):
    upheld = services.ticket_arbitrate(
        actor=world["supervisor"],
        order=services.ticket_return(
            actor=world["officer-hr"],
            order=_dispatched(make, world, HR, description="楼下烧烤店每天吵到凌晨两点"),
            reason="This is for the police.",
        ),
        uphold=True,
        department=PS,
    )
    _dispatched(make, world, description="刚派出的工单")  # inside the return window

    assert routing.confirmed_examples() == [
        {
            "text": "楼下烧烤店每天吵到凌晨两点",
            "category": upheld.category_id,
            "kind": "public-security",
            "region": "371121",
            "source": "confirmed",  # a realistic request: the model keeps it as a neighbour
        }
    ]


def test_train_command_learns_history_plus_confirmed_dispatches(
    make, world, monkeypatch: pytest.MonkeyPatch
) -> None:
    order = services.ticket_start(
        actor=world["officer-water"],
        order=services.ticket_sign_for(
            actor=world["officer-water"],
            order=_dispatched(
                make, world, WATER, category="utilities.water", description="三号楼水管爆了"
            ),
        ),
    )
    seen: list[list[Any]] = []

    def capture(examples: Any) -> Any:
        seen.append(list(examples))
        raise SystemExit(0)  # stop before the (slow) fit: the examples are what we check

    monkeypatch.setattr(routing, "train", capture)
    # The threshold's calibration (a training of its own on all but a held-out fifth) is
    # tested in test_routing_setup.py; here the final training's examples are checked.
    monkeypatch.setattr(routing, "calibrate", lambda sources: (0, {"threshold": 0.6}))
    with pytest.raises(SystemExit):
        call_command("hotline_train", stdout=io.StringIO())

    examples = seen[0]
    history = routing.history_examples()
    assert examples[: len(history)] == history
    confirmed = {"text": "三号楼水管爆了", "category": order.category_id, "kind": "water-supply"}
    assert {**confirmed, "region": "371121", "source": "confirmed"} in examples
    assert len(examples) == (
        len(history) + len(routing.handwritten_examples()) + 1 + len(routing.cold_start_examples())
    )


def test_a_confirmed_order_changes_the_prediction_for_a_new_text(make, world, clock):
    text = "鸭嘴兽雕塑又歪了，快来看看"
    base = routing.cold_start_examples()
    before = routing.train(base)
    kinds = {k: f"371121-{k}" for k in before.kind_clf.classes_}
    first = before.predict(text, "371121", departments=kinds)
    assert first["categories"][0]["code"] != "utilities.gas"
    assert first["departments"][0]["kind"] != "gas-supply"

    clock.advance(hours=-3)
    gas = "371121-gas-supply"
    for n in range(3):
        order = make(category="utilities.gas", description=f"鸭嘴兽雕塑歪了第{n + 1}次，燃气管被压")
        services.ticket_dispatch(actor=world["agent"], order=order, department=gas)
    clock.advance(hours=3)

    confirmed = routing.confirmed_examples()
    assert len(confirmed) == 3
    after = routing.train([*base, *confirmed])
    second = after.predict(text, "371121", departments=kinds)
    assert second["categories"][0]["code"] == "utilities.gas"
    assert second["departments"][0]["kind"] == "gas-supply"
