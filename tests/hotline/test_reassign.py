"""Supervisor reassignment outside arbitration (改派): the service, its audit, refusals that
change nothing, the supervisor console and the order page."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from onestop.core.errors import Conflict, PermissionDenied, ValidationFailed
from onestop.hotline import policies, selectors, services
from onestop.hotline.models import WorkOrder
from tests.factories import login as client_for
from tests.hotline.test_services import snapshot

PS = "371121-public-security"
HR = "371121-human-resources-social-security"
S = WorkOrder.Status


@pytest.fixture
def dispatched(make: Any, world: Any) -> WorkOrder:
    return services.ticket_dispatch(actor=world["agent"], order=make(), department=HR)


def test_supervisor_reassigns_a_signed_order_with_new_due_times(world, dispatched, clock):
    hr, sup = world["officer-hr"], world["supervisor"]
    order = services.ticket_sign_for(actor=hr, order=dispatched)
    order = services.ticket_start(actor=hr, order=order)
    first_due = order.resolve_by
    clock.advance(days=3)

    order = services.ticket_reassign(
        actor=sup, order=order, department=PS, reason="A noise complaint is for the police."
    )

    assert (order.status, order.lead_department_id) == (S.DISPATCHED, PS)
    assert order.signed_at is None
    assert order.dispatched_at == clock.now
    assert order.resolve_by > first_due
    event = order.events.get(kind="reassign")
    assert (event.from_status, event.to_status) == (S.IN_PROGRESS, S.DISPATCHED)
    assert event.actor == sup
    assert event.reason == "A noise complaint is for the police."
    assert event.data == {"from": HR, "department": PS, "assisting": []}
    assert event.department_id == PS
    # the new department takes it from there; the old one no longer may
    assert policies.can(world["officer-ps"], "sign_for", order)
    assert not policies.can(hr, "sign_for", order)
    services.ticket_sign_for(actor=world["officer-ps"], order=order)


@pytest.mark.parametrize("status", ["dispatched", "signed"])
def test_reassign_is_possible_from_every_open_status(world, dispatched, status):
    order = dispatched
    if status == "signed":
        order = services.ticket_sign_for(actor=world["officer-hr"], order=order)
    order = services.ticket_reassign(
        actor=world["supervisor"], order=order, department=PS, reason="Wrong department."
    )
    assert order.lead_department_id == PS


@pytest.mark.parametrize("who", ["officer-hr", "officer-ps", "agent", "citizen", "supervisor-gy"])
def test_only_a_supervisor_of_the_region_may_reassign(world, dispatched, who):
    if who == "supervisor-gy":
        from onestop.accounts import services as account_services
        from onestop.accounts.models import StaffRole

        world[who] = account_services.staff_create(
            actor=world["admin"],
            username=who,
            password="onestop-demo-2026",
            real_name=who,
            roles=[(StaffRole.Role.SUPERVISOR, "320707", None)],
        )
    before = snapshot(dispatched)
    with pytest.raises(PermissionDenied):
        services.ticket_reassign(actor=world[who], order=dispatched, department=PS, reason="Mine.")
    assert snapshot(dispatched) == before


def _closed(world: Any, order: WorkOrder) -> WorkOrder:
    hr = world["officer-hr"]
    order = services.ticket_start(actor=hr, order=services.ticket_sign_for(actor=hr, order=order))
    order = services.ticket_reply(actor=hr, order=order, text="Paid.")
    return services.ticket_callback(
        actor=world["agent"], order=order, satisfied=True, resolved=True
    )


@pytest.mark.parametrize("state", ["new", "returned", "replied", "closed", "answered"])
def test_reassign_is_refused_outside_open_statuses(world, make, dispatched, state):
    hr = world["officer-hr"]
    order: WorkOrder
    if state == "new":
        order = make()
    elif state == "returned":
        order = services.ticket_return(actor=hr, order=dispatched, reason="Not ours.")
    elif state == "replied":
        order = services.ticket_start(
            actor=hr, order=services.ticket_sign_for(actor=hr, order=dispatched)
        )
        order = services.ticket_reply(actor=hr, order=order, text="Paid.")
    elif state == "closed":
        order = _closed(world, dispatched)
    else:
        order = services.ticket_answer_on_spot(
            actor=world["agent"],
            order=make(request_type="consultation", category="labor.wage-arrears"),
            text="Call the labour inspectors.",
        )
    before = snapshot(order)
    with pytest.raises(Conflict) as error:
        services.ticket_reassign(
            actor=world["supervisor"], order=order, department=PS, reason="Move it."
        )
    assert error.value.code == "illegal_transition"
    assert snapshot(order) == before


@pytest.mark.parametrize(
    ("department", "reason", "code"),
    [
        (PS, "", "invalid_text"),
        (PS, "x" * 501, "invalid_text"),
        ("", "Move it.", "department_required"),
        (HR, "Move it.", "same_department"),
        ("no-such-department", "Move it.", "unknown_department"),
        ("320707-public-security", "Move it.", "unknown_department"),
    ],
)
def test_bad_reassignment_is_refused_and_nothing_changes(
    world, dispatched, department, reason, code
):
    before = snapshot(dispatched)
    with pytest.raises(ValidationFailed) as error:
        services.ticket_reassign(
            actor=world["supervisor"], order=dispatched, department=department, reason=reason
        )
    assert error.value.code == code
    assert snapshot(dispatched) == before


def test_a_merged_duplicate_is_not_reassigned_on_its_own(world, make, dispatched):
    duplicate = services.ticket_merge(actor=world["agent"], duplicate=make(), master=dispatched)
    with pytest.raises(Conflict):
        services.ticket_reassign(
            actor=world["supervisor"], order=duplicate, department=PS, reason="Move it."
        )
    master = services.ticket_reassign(
        actor=world["supervisor"], order=dispatched, department=PS, reason="Move it."
    )
    duplicate.refresh_from_db()
    assert duplicate.lead_department_id == master.lead_department_id == PS


# --- pages ------------------------------------------------------------------------------------


def test_supervisor_console_reassigns_by_number(world, dispatched):
    client = client_for(world["supervisor"])
    page = client.get(reverse("hotline:supervisor")).content.decode()
    assert 'for="reassign-number"' in page
    assert 'action="/hotline/supervisor/reassign"' in page or "supervisor/reassign" in page

    response = client.post(
        reverse("hotline:supervisor_reassign"),
        {"number": dispatched.number, "department": PS, "reason": "Police matter."},
        follow=True,
    )

    assert response.status_code == 200
    assert f"Work order {dispatched.number} was reassigned." in response.content.decode()
    order = selectors.ticket_get(actor=world["supervisor"], number=dispatched.number)
    assert order.lead_department_id == PS
    assert order.events.get(kind="reassign").reason == "Police matter."


@pytest.mark.parametrize(
    ("form", "status", "text"),
    [
        ({"department": PS, "reason": ""}, 400, "must not be empty"),
        ({"department": HR, "reason": "Move."}, 400, "already with this department"),
        ({"number": "371121-20000101-000001", "department": PS, "reason": "Move."}, 404, ""),
    ],
)
def test_supervisor_console_refusals_show_the_error(world, dispatched, form, status, text):
    before = snapshot(dispatched)
    response = client_for(world["supervisor"]).post(
        reverse("hotline:supervisor_reassign"), {"number": dispatched.number, **form}
    )
    assert response.status_code == status
    page = response.content.decode()
    assert "usa-alert--error" in page
    assert text in page
    assert snapshot(dispatched) == before


def test_supervisor_console_reassign_is_for_supervisors(world, dispatched):
    before = snapshot(dispatched)
    for who in ("agent", "officer-hr"):
        response = client_for(world[who]).post(
            reverse("hotline:supervisor_reassign"),
            {"number": dispatched.number, "department": PS, "reason": "Mine."},
        )
        assert response.status_code == 403
    assert snapshot(dispatched) == before


def test_order_page_offers_reassignment_to_supervisors_only(world, dispatched):
    url = reverse("hotline:order", args=[dispatched.number])
    assert 'id="reassign-department"' in client_for(world["supervisor"]).get(url).content.decode()
    for who in ("agent", "officer-hr"):
        assert "reassign-department" not in client_for(world[who]).get(url).content.decode()

    response = client_for(world["officer-hr"]).post(
        reverse("hotline:action", args=[dispatched.number, "reassign"]),
        {"department": PS, "reason": "Not ours."},
    )
    assert response.status_code == 403

    response = client_for(world["supervisor"]).post(
        reverse("hotline:action", args=[dispatched.number, "reassign"]),
        {"department": PS, "reason": "Police matter."},
        follow=True,
    )
    assert "The work order was reassigned to another department." in response.content.decode()
    assert WorkOrder.objects.get(pk=dispatched.pk).lead_department_id == PS


def test_closed_order_page_has_no_reassignment_and_a_post_is_409(world, dispatched):
    order = _closed(world, dispatched)
    client = client_for(world["supervisor"])
    page = client.get(reverse("hotline:order", args=[order.number])).content.decode()
    assert "reassign-department" not in page
    before = snapshot(order)
    response = client.post(
        reverse("hotline:action", args=[order.number, "reassign"]),
        {"department": PS, "reason": "Move it."},
    )
    assert response.status_code == 409
    assert snapshot(order) == before


def test_reassignment_confirms_the_department_for_training(world, dispatched):
    services.ticket_reassign(
        actor=world["supervisor"], order=dispatched, department=PS, reason="Police matter."
    )
    assert list(selectors.confirmed_dispatches().values_list("number", flat=True)) == [
        dispatched.number
    ]


def test_reassign_through_the_api(world, dispatched):
    import json

    def post(user: Any, body: dict[str, Any]) -> Any:
        return client_for(user).post(
            f"/api/v1/hotline/tickets/{dispatched.number}/reassign",
            data=json.dumps(body),
            content_type="application/json",
        )

    assert post(world["officer-hr"], {"department": PS, "reason": "x"}).status_code == 403
    missing = post(world["supervisor"], {"reason": "Police matter."})
    assert (missing.status_code, missing.json()["code"]) == (400, "missing_field")
    response = post(world["supervisor"], {"department": PS, "reason": "Police matter."})
    assert response.status_code == 200
    assert response.json()["status"] == "dispatched"
    assert WorkOrder.objects.get(pk=dispatched.pk).lead_department_id == PS
