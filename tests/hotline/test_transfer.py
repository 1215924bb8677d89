"""An emergency handed over to 110 / 119 / 120 (12345–110 linkage): a step of the transition
table by agents and supervisors, with the receiving service, its reference and the time,
logged as a ``transfer`` event and shown on the timeline; through the service, the API's
action dispatch and the order page. Refusals change nothing."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.urls import reverse

from onestop.core.errors import Conflict, PermissionDenied, ValidationFailed
from onestop.hotline import services, transitions
from onestop.hotline.models import WorkOrder, WorkOrderEvent
from tests.factories import login as client_for

PS = "371121-public-security"


def test_the_table_names_the_step() -> None:
    sources = {t.source for t in transitions.TABLE if t.action == "transfer"}
    assert sources == {"new", "dispatched", "signed", "in_progress", "returned"}
    for t in transitions.TABLE:
        if t.action == "transfer":
            assert (t.target, t.roles) == ("transferred", ("agent", "supervisor"))


def test_an_agent_hands_an_order_over_to_119(make: Any, world: Any, clock: Any) -> None:
    order = services.ticket_dispatch(actor=world["agent"], order=make(), department=PS)
    done = services.ticket_transfer(
        actor=world["agent"], order=order, service="119", reference="HZ-2026-0042", note="Smoke"
    )
    assert (done.status, done.transfer_service, done.transfer_reference) == (
        "transferred",
        "119",
        "HZ-2026-0042",
    )
    assert done.transferred_at == clock.now
    event = done.events.get(kind="transfer")
    assert (event.from_status, event.to_status, event.reason) == (
        "dispatched",
        "transferred",
        "Smoke",
    )
    assert event.data["service"] == "119"
    assert event.data["reference"] == "HZ-2026-0042"
    assert event.label == "Handed over to an emergency service"
    assert event.transfer_text == "119 Fire and rescue, their reference HZ-2026-0042"
    # Finished for the hotline: no more steps, and the overdue sweep leaves it alone.
    with pytest.raises(Conflict) as refused:
        services.ticket_sign_for(actor=world["officer-ps"], order=done)
    assert "Handed over to an emergency service" in str(refused.value.message)
    clock.advance(days=30)
    assert services.escalate_overdue() == []


@pytest.mark.parametrize(
    ("service", "reference", "code"),
    [("999", "A1", "invalid_service"), ("", "A1", "invalid_service"), ("110", " ", "invalid_text")],
)
def test_bad_input_changes_nothing(
    make: Any, world: Any, service: str, reference: str, code: str
) -> None:
    order = make()
    with pytest.raises(ValidationFailed) as refused:
        services.ticket_transfer(
            actor=world["agent"], order=order, service=service, reference=reference
        )
    assert refused.value.code == code
    order.refresh_from_db()
    assert (order.status, order.transfer_service) == ("new", "")
    assert not WorkOrderEvent.objects.filter(kind="transfer").exists()


def test_the_time_of_the_hand_over_is_not_in_the_future(make: Any, world: Any, clock: Any) -> None:
    with pytest.raises(ValidationFailed):
        services.ticket_transfer(
            actor=world["agent"],
            order=make(),
            service="120",
            reference="R1",
            at=clock.now + datetime.timedelta(hours=1),
        )
    earlier = clock.now - datetime.timedelta(minutes=10)
    done = services.ticket_transfer(
        actor=world["agent"], order=make(), service="120", reference="R2", at=earlier
    )
    assert done.transferred_at == earlier


@pytest.mark.parametrize("who", ["officer-ps", "citizen", "agent-gy"])
def test_others_may_not(make: Any, world: Any, who: str) -> None:
    order = services.ticket_dispatch(actor=world["agent"], order=make(), department=PS)
    with pytest.raises(PermissionDenied):
        services.ticket_transfer(actor=world[who], order=order, service="110", reference="X")
    order.refresh_from_db()
    assert order.status == "dispatched"


def test_replied_and_finished_orders_are_not_handed_over(make: Any, world: Any) -> None:
    agent, ps = world["agent"], world["officer-ps"]
    order = services.ticket_dispatch(actor=agent, order=make(), department=PS)
    order = services.ticket_sign_for(actor=ps, order=order)
    order = services.ticket_start(actor=ps, order=order)
    order = services.ticket_reply(actor=ps, order=order, text="Done.")
    with pytest.raises(Conflict):
        services.ticket_transfer(actor=agent, order=order, service="110", reference="X")


def test_a_merged_duplicate_follows_its_master(make: Any, world: Any) -> None:
    agent = world["agent"]
    master, duplicate = make(), make(contact_phone="13911112222")
    services.ticket_merge(actor=agent, duplicate=duplicate, master=master)
    services.ticket_transfer(actor=agent, order=master, service="110", reference="P-7")
    duplicate.refresh_from_db()
    assert duplicate.status == "transferred"


def test_the_api_dispatches_the_step(make: Any, world: Any) -> None:
    order = make()
    client = client_for(world["supervisor"])
    url = f"/api/v1/hotline/tickets/{order.number}/transfer"
    missing = client.post(url, data=json.dumps({"reference": "X"}), content_type="application/json")
    assert missing.status_code == 400
    assert missing.json()["details"]["field"] == "service"
    answer = client.post(
        url,
        data=json.dumps({"service": "110", "reference": "JJ-1", "note": "Fight in the street"}),
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["status"] == "transferred"
    assert body["transfer"]["service"] == "110"
    assert body["transfer"]["reference"] == "JJ-1"
    assert body["events"][-1]["kind"] == "transfer"
    again = client.post(
        url,
        data=json.dumps({"service": "110", "reference": "JJ-2"}),
        content_type="application/json",
    )
    assert again.status_code == 409
    officer = client_for(world["officer-ps"])
    other = make()
    refused = officer.post(
        f"/api/v1/hotline/tickets/{other.number}/transfer",
        data=json.dumps({"service": "110", "reference": "X"}),
        content_type="application/json",
    )
    assert refused.status_code == 404  # outside the officer's scope: not revealed


def test_the_order_page_offers_it_and_shows_it_on_the_timeline(make: Any, world: Any) -> None:
    order = make()
    client = client_for(world["agent"])
    page = client.get(reverse("hotline:order", args=[order.number])).content.decode()
    assert 'id="transfer-form"' in page
    assert 'value="120"' in page
    sent = client.post(
        reverse("hotline:action", args=[order.number, "transfer"]),
        {"service": "120", "reference": "JZ-88"},
    )
    assert sent.status_code == 302
    page = client.get(sent["Location"]).content.decode()
    assert "120 Medical emergency, their reference JZ-88" in page
    assert 'id="transfer-form"' not in page
    assert WorkOrder.objects.get(pk=order.pk).status == "transferred"


def test_the_citizen_sees_the_hand_over_on_the_tracking_page(world: Any) -> None:
    from django.contrib.auth.models import AnonymousUser

    order = services.ticket_file(
        actor=AnonymousUser(),
        request_type="assistance",
        category="public-security.public-order",
        description="Smoke is coming out of the shop under my flat.",
        contact_phone="13500135000",
        idempotency_key="t-1",
    )
    services.ticket_transfer(actor=world["agent"], order=order, service="119", reference="HZ-9")
    page = client_for(None).get(
        reverse("hotline_portal:track", args=[order.number])
        + "?token="
        + services.tracking_token(order)
    )
    html = page.content.decode()
    assert "Handed over to an emergency service" in html
    assert "119 Fire and rescue, their reference HZ-9" in html
