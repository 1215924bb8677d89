"""The hotline API: sign-in, intake with idempotency keys, scoped lists and details, every
lifecycle action, and bad input that changes nothing."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from onestop.hotline import services
from onestop.hotline.models import Attachment, WorkOrder, WorkOrderEvent
from onestop.sharing.models import AccessRecord
from tests.factories import login as client_for

# These tests match the English msgids of the domain errors.
pytestmark = pytest.mark.usefixtures("english")

BASE = "/api/v1/hotline"
PS = "371121-public-security"
HR = "371121-human-resources-social-security"
BODY = {
    "channel": "web",
    "request_type": "complaint",
    "category": "public-security.public-order",
    "description": "The barbecue downstairs is noisy until 2 a.m. every night.",
    "contact_name": "Li",
    "contact_phone": "13800138000",
    "latitude": 35.75,
    "longitude": 119.21,
}


def post(client: Client, path: str, body: dict[str, Any], **headers: str) -> Any:
    return client.post(
        BASE + path, data=json.dumps(body), content_type="application/json", headers=headers
    )


def state() -> tuple[list[tuple[str, str, str | None]], int]:
    orders = list(WorkOrder.objects.values_list("number", "status", "lead_department_id"))
    return orders, WorkOrderEvent.objects.count()


def test_unauthenticated_requests_get_401_in_the_error_shape(world):
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="en")
    for response in (
        anonymous.get(BASE + "/tickets"),
        anonymous.get(BASE + "/tickets/371121-20260101-000001"),
        post(anonymous, "/tickets", BODY),
    ):
        assert response.status_code == 401
        assert response.json()["code"] == "unauthenticated"
        assert response.json()["message"] == "Sign in as hotline or department staff first."
    assert WorkOrder.objects.count() == 0


def test_create_with_idempotency_key_returns_the_same_order(world):
    agent = client_for(world["agent"])
    first = post(agent, "/tickets", BODY, **{"Idempotency-Key": "web-7f3a"})
    again = post(agent, "/tickets", BODY, **{"Idempotency-Key": "web-7f3a"})

    assert first.status_code == 201
    assert again.status_code == 201
    assert first.json()["number"] == again.json()["number"]
    assert first.json()["status"] == "new"
    assert first.json()["contact_phone"] == "138****8000"
    assert first.json()["events"][0]["kind"] == "create"
    assert WorkOrder.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"description": ""}, 422, "invalid"),  # not blank, in the document
        ({"description": "   "}, 422, "invalid"),
        ({"description": "x" * 20_000}, 422, "invalid"),  # at most 2000, in the document
        ({"channel": "fax"}, 422, "invalid"),
        ({"contact_phone": "12-34"}, 422, "invalid"),
        ({"category": "no-such-category"}, 400, "unknown_category"),
        ({"latitude": "95.0"}, 422, "invalid"),  # bounds in the document
        ({"longitude": "181"}, 422, "invalid"),
        ({"contact_phone": None}, 422, "invalid"),
        # A point in the sea east of Shanghai: valid coordinates, not this hotline's region.
        ({"latitude": 31.0, "longitude": 123.5}, 400, "location_outside_region"),
    ],
)
def test_bad_intake_is_refused_and_nothing_is_written(world, change, status, code):
    body = {**BODY, **change}
    if change.get("contact_phone", "") is None:
        del body["contact_phone"]
    response = post(client_for(world["agent"]), "/tickets", body)
    assert response.status_code == status
    assert response.json()["code"] == code
    assert state() == ([], 0)


def test_every_action_through_the_api(world, make):
    agent, sup = client_for(world["agent"]), client_for(world["supervisor"])
    ps, hr = client_for(world["officer-ps"]), client_for(world["officer-hr"])
    number = make().number
    steps = [
        (agent, "dispatch", {"department": HR}, "dispatched"),
        (hr, "sign_for", {}, "signed"),
        (hr, "return", {"reason": "Noise is a police matter."}, "returned"),
        (sup, "arbitrate", {"uphold": True, "department": PS}, "dispatched"),
        (ps, "sign_for", {}, "signed"),
        (ps, "extension_request", {"working_days": 2, "reason": "Site visit."}, "signed"),
        (sup, "extension_decide", {"approve": True}, "signed"),
        (sup, "escalate", {"reason": "Many calls."}, "signed"),
        (ps, "start", {}, "in_progress"),
        (ps, "reply", {"text": "Talked to the owner."}, "replied"),
        (agent, "callback", {"satisfied": False, "resolved": False}, "dispatched"),
        (ps, "sign_for", {}, "signed"),
        (ps, "start", {}, "in_progress"),
        (ps, "reply", {"text": "Closes at 22:00 now."}, "replied"),
        (
            agent,
            "callback",
            {"satisfied": True, "resolved": True, "note": "Thanks.", "rating": {"level": 5}},
            "closed",
        ),
    ]
    for client, action, body, expected in steps:
        response = post(client, f"/tickets/{number}/{action}", body)
        assert response.status_code == 200, (action, response.json())
        assert response.json()["status"] == expected, action
    detail = agent.get(f"{BASE}/tickets/{number}").json()
    assert detail["reply_text"] == "Closes at 22:00 now."
    assert [e["kind"] for e in detail["events"]][-3:] == ["start", "reply", "callback"]
    # the rating heard at the call-back came with the step (好差评), recorded as the agent's
    from onestop.reviews.models import Review

    heard = Review.objects.get(event_ref=number)
    assert (heard.level, heard.heard_at_callback) == (5, True)


def test_answer_on_spot_and_merge_through_the_api(world, make):
    agent = client_for(world["agent"])
    question = make(request_type="consultation")
    response = post(agent, f"/tickets/{question.number}/answer_on_spot", {"text": "Bring ID."})
    assert (response.status_code, response.json()["status"]) == (200, "answered")
    master, duplicate = make(), make(contact_phone="13900000002")
    response = post(agent, f"/tickets/{duplicate.number}/merge", {"master": master.number})
    assert response.status_code == 200
    assert response.json()["merged_into"] == master.number


def test_illegal_transition_is_409_and_changes_nothing(world, make):
    number = make().number
    before = state()
    response = post(client_for(world["agent"]), f"/tickets/{number}/callback", {
        "satisfied": True, "resolved": True,
    })  # fmt: skip
    assert response.status_code == 409
    assert response.json() == {
        "code": "illegal_transition",
        "message": "A work order that is “Accepted” cannot be called back.",
        "details": {"status": "new", "action": "callback_satisfied"},
    }
    assert state() == before


def test_other_department_is_403_or_404_and_changes_nothing(world, make):
    order = services.ticket_dispatch(
        actor=world["agent"], order=make(), department=PS, assisting=[HR]
    )
    before = state()
    # an assisting department sees the order but may not move it
    response = post(client_for(world["officer-hr"]), f"/tickets/{order.number}/sign_for", {})
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    # an unrelated department does not learn that the order exists
    response = post(client_for(world["officer-water"]), f"/tickets/{order.number}/sign_for", {})
    assert response.status_code == 404
    assert state() == before


def test_unknown_action_and_missing_fields(world, make):
    agent = client_for(world["agent"])
    number = make().number
    before = state()
    assert post(agent, f"/tickets/{number}/teleport", {}).status_code == 404
    response = post(agent, f"/tickets/{number}/dispatch", {})
    assert (response.status_code, response.json()["code"]) == (400, "missing_field")
    response = post(agent, f"/tickets/{number}/dispatch", {"department": "371121-nowhere"})
    assert (response.status_code, response.json()["code"]) == (400, "unknown_department")
    assert state() == before


def test_lists_are_scoped(world, make, django_assert_max_num_queries):
    ps_order = services.ticket_dispatch(actor=world["agent"], order=make(), department=PS)
    hr_order = services.ticket_dispatch(
        actor=world["agent"], order=make(category="labor.wage-arrears"), department=HR
    )
    new_order = make()

    def numbers(user: Any, query: str = "") -> list[str]:
        response = client_for(user).get(f"{BASE}/tickets{query}")
        assert response.status_code == 200
        return [item["number"] for item in response.json()["items"]]

    assert numbers(world["agent"]) == [new_order.number, hr_order.number, ps_order.number]
    assert numbers(world["officer-ps"]) == [ps_order.number]
    assert numbers(world["officer-hr"]) == [hr_order.number]
    assert numbers(world["officer-water"]) == []
    assert numbers(world["agent-gy"]) == []
    assert numbers(world["agent"], "?status=new") == [new_order.number]
    supervisor = client_for(world["supervisor"])
    with django_assert_max_num_queries(7):
        assert supervisor.get(f"{BASE}/tickets").json()["count"] == 3


def test_detail_reveals_the_phone_to_those_who_call_and_records_it(world, make):
    order = services.ticket_dispatch(
        actor=world["agent"], order=make(), department=PS, assisting=[HR]
    )
    url = f"{BASE}/tickets/{order.number}"
    assert client_for(world["officer-ps"]).get(url).json()["contact_phone"] == "13800138000"
    assert client_for(world["agent"]).get(url).json()["contact_phone"] == "13800138000"
    assert client_for(world["officer-hr"]).get(url).json()["contact_phone"] == "138****8000"
    assert client_for(world["supervisor"]).get(url).json()["contact_phone"] == "138****8000"
    assert client_for(world["officer-water"]).get(url).status_code == 404
    records = AccessRecord.objects.filter(dataset="hotline.contact").order_by("at")
    assert [(r.actor.username, r.purpose) for r in records] == [
        ("officer-ps", "application-processing"),
        ("agent", "application-processing"),
    ]
    assert {r.subject_index for r in records} == {order.contact_index}


def test_attachment_upload_checks_the_content(world, make, settings):
    order = make()
    agent = client_for(world["agent"])
    url = f"{BASE}/tickets/{order.number}/attachments"
    fake = SimpleUploadedFile("photo.png", b"hello, I am text", content_type="image/png")
    response = agent.post(url, {"file": fake})
    assert (response.status_code, response.json()["code"]) == (400, "file_type")
    assert Attachment.objects.count() == 0
    png = SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 8)
    response = agent.post(url, {"file": png})
    assert response.status_code == 201
    assert response.json()["content_type"] == "image/png"
    assert Attachment.objects.count() == 1


def test_the_api_and_the_order_page_take_steps_from_one_table(world, make):
    """`hotline.actions` is the one table: the API's body and the page's form fill the same
    `StepInput`, and both refuse a name that is not in it the same way."""
    from django.urls import reverse

    from onestop.hotline import actions
    from onestop.hotline.schemas import TicketActionIn

    assert set(TicketActionIn.model_fields) == {
        f.name for f in dataclasses.fields(actions.StepInput)
    }
    agent = client_for(world["agent"])
    number = make().number
    before = state()
    api_answer = post(agent, f"/tickets/{number}/teleport", {})
    assert (api_answer.status_code, api_answer.json()["code"]) == (404, "unknown_action")
    assert api_answer.json()["message"] == "There is no work-order action teleport."
    page_answer = agent.post(reverse("hotline:action", args=[number, "teleport"]))
    assert page_answer.status_code == 404
    assert "There is no work-order action teleport." in page_answer.content.decode()
    assert state() == before
    # The same step through the page: the table's sentence is the page's message.
    page_answer = agent.post(
        reverse("hotline:action", args=[number, "dispatch"]), {"department": PS}, follow=True
    )
    assert page_answer.status_code == 200
    assert "The work order was dispatched." in page_answer.content.decode()
    assert WorkOrder.objects.get(number=number).lead_department_id == PS


def _second_agent(world: Any) -> Any:
    from onestop.accounts import services as account_services
    from onestop.accounts.models import StaffRole

    return account_services.staff_create(
        actor=world["admin"],
        username="agent-2",
        password="agent-2-password-2026",
        real_name="agent-2",
        roles=[(StaffRole.Role.HOTLINE_AGENT, "371121", None)],
    )


def test_an_idempotency_key_reused_with_another_body_is_a_422_and_changes_nothing(world):
    agent = client_for(world["agent"])
    first = post(agent, "/tickets", BODY, **{"Idempotency-Key": "web-7f3a"})
    before = state()

    again = post(
        agent,
        "/tickets",
        {**BODY, "description": "Someone else's problem."},
        **{"Idempotency-Key": "web-7f3a"},
    )

    assert first.status_code == 201
    assert again.status_code == 422
    assert again.json()["code"] == "idempotency_key_reused"
    assert state() == before


def test_idempotency_keys_are_scoped_to_the_caller(world):
    """Another agent's same key is another order: the first order is not handed to them."""
    first = post(client_for(world["agent"]), "/tickets", BODY, **{"Idempotency-Key": "k-1"})
    other = post(client_for(_second_agent(world)), "/tickets", BODY, **{"Idempotency-Key": "k-1"})

    assert first.status_code == other.status_code == 201
    assert first.json()["number"] != other.json()["number"]
    assert WorkOrder.objects.count() == 2


@pytest.mark.parametrize("param", ["limit", "offset"])
@pytest.mark.parametrize("value", [str(2**63), "100000000", "-1"])
def test_list_bounds_are_a_422_in_the_error_shape(world, param, value):
    if param == "offset" and value == "100000000":
        value = "100001"
    response = client_for(world["agent"]).get(f"{BASE}/tickets?{param}={value}")

    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
