"""Hotline consoles: who may open which page, the desk (suggestions, create, dispatch, answer
on the call, idempotent resubmit), the department queue, the order page's actions, and domain
errors shown on the page with their status while nothing changes."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from onestop.accounts.models import User
from onestop.hotline import routing, selectors, services
from onestop.hotline.models import WorkOrder
from tests.factories import login as client_for

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PS = "371121-public-security"
HR = "371121-human-resources-social-security"


def fake_classify(*, text: str, region: str) -> dict[str, Any]:
    """Routing by keyword: wages go to human resources, everything else to public security
    (the views are under test here, not the routing model)."""
    if "工资" in text:
        category, kind = "labor.wage-arrears", "human-resources-social-security"
    else:
        category, kind = "public-security.public-order", "public-security"
    return {
        "categories": [{"code": category, "score": 0.87}],
        "departments": [{"code": f"{region}-{kind}", "kind": kind, "score": 0.93}],
        "auto": True,
    }


@pytest.fixture(autouse=True)
def fake_routing(monkeypatch: pytest.MonkeyPatch) -> None:
    from onestop.knowledge import selectors as knowledge

    def answer(*, q: str, lang: str = "zh-hans", region: str | None = None) -> Any:
        if "身份证" not in q:
            return None
        citation = knowledge.Citation(
            kind="article",
            ref="id-card",
            title="补办身份证",
            source="公安局",
            url="/knowledge/id-card/",
        )
        return knowledge.Answer(text="带户口簿到派出所补办。", citations=[citation], confidence=0.9)

    monkeypatch.setattr(knowledge, "answer", answer)
    monkeypatch.setattr(routing, "classify", fake_classify)


def desk_form(**overrides: str) -> dict[str, str]:
    values = {
        "channel": "phone",
        "request_type": "complaint",
        "category": "labor.wage-arrears",
        "description": "公司拖欠我三个月工资",
        "contact_name": "王先生",
        "contact_phone": "13800138000",
        "address": "五莲县洪凝街道",
        "township": "洪凝街道",
        "department": HR,
        "idempotency_key": "desk-key-1",
        "action": "create",
    }
    values.update(overrides)
    return values


# --- who may open what ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "allowed", "denied"),
    [
        ("hotline:desk", ["agent", "supervisor", "admin"], ["officer-ps", "citizen", "clerk"]),
        ("hotline:department", ["officer-ps", "officer-hr", "admin"], ["agent", "citizen"]),
        ("hotline:supervisor", ["supervisor", "admin"], ["agent", "officer-ps", "citizen"]),
    ],
)
def test_each_page_for_each_role(
    world: dict[str, User], url: str, allowed: list[str], denied: list[str]
) -> None:
    for username in allowed:
        assert client_for(world[username]).get(reverse(url)).status_code == 200, username
    for username in denied:
        response = client_for(world[username]).get(reverse(url))
        assert response.status_code == 403, username
        assert b"usa-alert--error" in response.content
    anonymous = client_for(None).get(reverse(url))
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")


def test_order_page_is_scoped(world: dict[str, User], make: Callable[..., WorkOrder]) -> None:
    order = make()
    services.ticket_dispatch(actor=world["agent"], order=order, department=PS)
    url = reverse("hotline:order", args=[order.number])

    assert client_for(world["agent"]).get(url).status_code == 200
    assert client_for(world["officer-ps"]).get(url).status_code == 200
    assert client_for(world["officer-hr"]).get(url).status_code == 404
    assert client_for(world["citizen"]).get(url).status_code == 404


def test_contact_phone_masked_unless_allowed(
    world: dict[str, User], make: Callable[..., WorkOrder]
) -> None:
    order = make()
    services.ticket_dispatch(actor=world["agent"], order=order, department=PS)
    url = reverse("hotline:order", args=[order.number])

    as_officer = client_for(world["officer-ps"]).get(url).content.decode()
    as_supervisor = client_for(world["supervisor"]).get(url).content.decode()

    assert '<span id="order-phone">13800138000</span>' in as_officer
    assert "13800138000" not in as_supervisor
    assert f'<span id="order-phone">{order.contact_phone_masked}</span>' in as_supervisor


# --- the desk ---------------------------------------------------------------------------------


def test_desk_suggest_renders_answer_category_department_and_duplicates(
    world: dict[str, User], make: Callable[..., WorkOrder]
) -> None:
    earlier = make(category="labor.wage-arrears", township="洪凝街道")
    client = client_for(world["agent"])

    wages = client.post(
        reverse("hotline:desk_suggest"),
        {"text": "老板拖欠工资", "request_type": "complaint", "township": "洪凝街道"},
    )
    question = client.post(reverse("hotline:desk_suggest"), {"text": "身份证丢了怎么补办"})

    body = wages.content.decode()
    assert wages.status_code == 200
    assert "87% confidence" in body
    assert "93% confidence" in body
    assert f'value="labor.wage-arrears|{HR}"' in body
    assert "data-accept" in body
    assert earlier.number in body
    assert "Answer and close on the call" not in body
    asked = question.content.decode()
    assert 'hx-post="/hotline/desk/answer"' in asked
    assert "身份证丢了" not in asked.split('hx-post="/hotline/desk/answer"')[0].rsplit("<", 1)[-1]
    assert 'hx-trigger="load"' in asked
    answered = client.post(reverse("hotline:desk_answer"), {"text": "身份证丢了怎么补办"})
    answer = answered.content.decode()
    assert answered.status_code == 200
    assert "带户口簿到派出所补办。" in answer
    assert 'href="/knowledge/id-card/"' in answer
    assert 'name="action" value="answer"' in answer
    assert (
        "no sure answer"
        in client.post(reverse("hotline:desk_answer"), {"text": "天气"}).content.decode()
    )


def test_desk_suggest_is_for_hotline_staff(world: dict[str, User]) -> None:
    officer = client_for(world["officer-ps"])
    response = officer.post(reverse("hotline:desk_suggest"), {"text": "x"})
    answer = officer.post(reverse("hotline:desk_answer"), {"text": "x"})

    assert response.status_code == 403
    assert answer.status_code == 403


def test_desk_creates_and_dispatches_and_a_resubmit_changes_nothing(
    world: dict[str, User], sent: list[dict[str, Any]]
) -> None:
    client = client_for(world["agent"])

    first = client.post(reverse("hotline:desk"), desk_form())
    again = client.post(reverse("hotline:desk"), desk_form())

    orders = list(selectors.ticket_list(actor=world["agent"]))
    assert len(orders) == 1
    order = orders[0]
    assert order.status == WorkOrder.Status.DISPATCHED
    assert order.lead_department_id == HR
    assert order.township == "洪凝街道"
    assert first.status_code == 302
    assert first["Location"] == reverse("hotline:desk") + "?created=" + order.number
    assert again["Location"] == first["Location"]
    assert [e.kind for e in order.events.all()] == ["create", "dispatch"]
    page = client.get(first["Location"]).content.decode()
    assert f"Work order {order.number} was created." in page


def test_desk_answers_a_consultation_on_the_call(world: dict[str, User]) -> None:
    client = client_for(world["agent"])

    response = client.post(
        reverse("hotline:desk"),
        desk_form(
            request_type="consultation",
            category="public-security.household-registration",
            description="身份证丢了怎么补办",
            department="",
            action="answer",
            answer_text="带户口簿到派出所补办。",
        ),
    )

    order = selectors.ticket_list(actor=world["agent"]).get()
    assert response.status_code == 302
    assert order.status == WorkOrder.Status.ANSWERED
    assert order.reply_text == "带户口簿到派出所补办。"


def test_desk_accept_without_javascript_fills_the_form(world: dict[str, User]) -> None:
    response = client_for(world["agent"]).post(
        reverse("hotline:desk"),
        desk_form(category="", department="", accept=f"labor.wage-arrears|{HR}"),
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert '<option value="labor.wage-arrears" selected>' in body
    assert f'<option value="{HR}" selected>' in body
    assert list(selectors.ticket_list(actor=world["agent"])) == []


def test_desk_invalid_input_shows_the_error_and_creates_nothing(world: dict[str, User]) -> None:
    response = client_for(world["agent"]).post(
        reverse("hotline:desk"), desk_form(contact_phone="12")
    )

    assert response.status_code == 400
    assert "Enter the caller&#x27;s phone number, 7 to 15 digits." in response.content.decode()
    assert list(selectors.ticket_list(actor=world["agent"])) == []


def test_desk_dispatch_failure_rolls_the_intake_back(world: dict[str, User]) -> None:
    response = client_for(world["agent"]).post(
        reverse("hotline:desk"), desk_form(department="999999-nowhere")
    )

    assert response.status_code == 400
    assert list(selectors.ticket_list(actor=world["agent"])) == []


def test_desk_form_fields_all_have_labels(world: dict[str, User]) -> None:
    body = client_for(world["agent"]).get(reverse("hotline:desk")).content.decode()

    ids = re.findall(r'<(?:input|select|textarea)(?![^>]*type="hidden")[^>]*\bid="([^"]+)"', body)
    labelled = set(re.findall(r'<label[^>]*\bfor="([^"]+)"', body))
    assert len(ids) == 9
    assert set(ids) <= labelled
    # The live panel is refreshed by the description and by every field the duplicate search
    # uses, so what it says before creation is what the created order page says after.
    trigger = re.search(r'id="suggestions"[^>]*hx-trigger="([^"]+)"', body, re.S)
    assert trigger is not None
    for field in ("f-description", "f-category", "f-township", "f-request-type"):
        assert f"from:#{field}" in trigger.group(1)
    assert 'name="idempotency_key" value="' in body
    assert "Alt+Shift+1" in body


# --- department console and order page ---------------------------------------------------------


def test_department_queue_is_scoped_and_labels_due_time(
    world: dict[str, User], make: Callable[..., WorkOrder], clock: Any
) -> None:
    clock.advance(days=-30)
    late = make()
    services.ticket_dispatch(actor=world["agent"], order=late, department=PS)
    clock.advance(days=30)
    fresh = make()
    services.ticket_dispatch(actor=world["agent"], order=fresh, department=PS)
    theirs = make(category="labor.wage-arrears")
    services.ticket_dispatch(actor=world["agent"], order=theirs, department=HR)

    body = client_for(world["officer-ps"]).get(reverse("hotline:department")).content.decode()

    assert late.number in body
    assert fresh.number in body
    assert theirs.number not in body
    assert body.index(late.number) < body.index(fresh.number)
    assert 'class="os-due-row--overdue"' in body
    assert "Overdue" in body


def test_order_lifecycle_through_the_pages(
    world: dict[str, User], make: Callable[..., WorkOrder], sent: list[dict[str, Any]]
) -> None:
    order = make()
    services.ticket_dispatch(actor=world["agent"], order=order, department=PS)
    ps, hr = client_for(world["officer-ps"]), client_for(world["officer-hr"])
    supervisor = client_for(world["supervisor"])

    def act(client: Client, action: str, **data: Any) -> Any:
        return client.post(reverse("hotline:action", args=[order.number, action]), data)

    page = ps.get(reverse("hotline:order", args=[order.number])).content.decode()
    assert "Sign for" in page
    assert "Return to the hotline" in page
    assert "Record the callback" not in page
    assert act(ps, "return", reason="Not ours: a wage dispute.").status_code == 302
    console = supervisor.get(reverse("hotline:supervisor")).content.decode()
    assert order.number in console
    assert "Reason for returning: </strong>Not ours: a wage dispute." in console
    response = act(supervisor, "arbitrate", decision="uphold", department=HR, next="supervisor")
    assert response["Location"] == reverse("hotline:supervisor")
    assert act(hr, "sign_for").status_code == 302
    assert act(hr, "start").status_code == 302
    upload = SimpleUploadedFile("photo.png", PNG, content_type="image/png")
    assert act(hr, "reply", text="Wages paid on Friday.", files=upload).status_code == 302
    assert act(supervisor, "callback", satisfied="yes", resolved="yes").status_code == 302

    done = selectors.ticket_get(actor=world["supervisor"], number=order.number)
    assert done.status == WorkOrder.Status.CLOSED
    assert done.lead_department_id == HR
    assert [a.name for a in done.attachments.all()] == ["photo.png"]
    kinds = [e.kind for e in done.events.all()]
    assert kinds == [
        "create",
        "dispatch",
        "return",
        "arbitrate_uphold",
        "sign_for",
        "start",
        "attach",
        "reply",
        "callback",
    ]
    timeline = supervisor.get(reverse("hotline:order", args=[order.number])).content.decode()
    assert "Not ours: a wage dispute." in timeline


def test_illegal_action_shows_409_and_changes_nothing(
    world: dict[str, User], make: Callable[..., WorkOrder]
) -> None:
    order = make()
    services.ticket_dispatch(actor=world["agent"], order=order, department=PS)
    services.ticket_sign_for(actor=world["officer-ps"], order=order)
    before = selectors.ticket_get(actor=world["agent"], number=order.number)
    events = before.events.count()

    response = client_for(world["officer-ps"]).post(
        reverse("hotline:action", args=[order.number, "sign_for"])
    )

    after = selectors.ticket_get(actor=world["agent"], number=order.number)
    assert response.status_code == 409
    assert "cannot be signed for" in response.content.decode()
    assert 'class="usa-alert usa-alert--error' in response.content.decode()
    assert (after.status, after.signed_at, after.events.count()) == (
        before.status,
        before.signed_at,
        events,
    )


def test_forbidden_action_shows_403_and_changes_nothing(
    world: dict[str, User], make: Callable[..., WorkOrder]
) -> None:
    order = make()
    services.ticket_dispatch(actor=world["agent"], order=order, department=PS)

    response = client_for(world["agent"]).post(
        reverse("hotline:action", args=[order.number, "sign_for"])
    )

    after = selectors.ticket_get(actor=world["agent"], number=order.number)
    assert response.status_code == 403
    assert "You may not act on work order" in response.content.decode()
    assert after.status == WorkOrder.Status.DISPATCHED
    assert after.events.count() == 2


def test_return_without_reason_is_400_and_changes_nothing(
    world: dict[str, User], make: Callable[..., WorkOrder]
) -> None:
    order = make()
    services.ticket_dispatch(actor=world["agent"], order=order, department=PS)

    response = client_for(world["officer-ps"]).post(
        reverse("hotline:action", args=[order.number, "return"]), {"reason": " "}
    )

    assert response.status_code == 400
    assert selectors.ticket_get(actor=world["agent"], number=order.number).status == "dispatched"


def test_posts_need_the_csrf_token(world: dict[str, User], make: Callable[..., WorkOrder]) -> None:
    order = make()
    services.ticket_dispatch(actor=world["agent"], order=order, department=PS)
    client = Client(enforce_csrf_checks=True, headers={"accept-language": "en"})
    client.force_login(world["officer-ps"])

    response = client.post(reverse("hotline:action", args=[order.number, "sign_for"]))
    desk = Client(enforce_csrf_checks=True, headers={"accept-language": "en"})
    desk.force_login(world["agent"])
    created = desk.post(reverse("hotline:desk"), desk_form())

    assert response.status_code == 403
    assert created.status_code == 403
    assert selectors.ticket_get(actor=world["agent"], number=order.number).status == "dispatched"
    assert selectors.ticket_list(actor=world["agent"]).count() == 1


def test_supervisor_decides_an_extension(
    world: dict[str, User], make: Callable[..., WorkOrder]
) -> None:
    order = make()
    services.ticket_dispatch(actor=world["agent"], order=order, department=PS)
    services.ticket_sign_for(actor=world["officer-ps"], order=order)
    ps, supervisor = client_for(world["officer-ps"]), client_for(world["supervisor"])
    due = selectors.ticket_get(actor=world["agent"], number=order.number).resolve_by

    ps.post(
        reverse("hotline:action", args=[order.number, "extension_request"]),
        {"days": "3", "reason": "Needs a site visit."},
    )
    console = supervisor.get(reverse("hotline:supervisor")).content.decode()
    response = supervisor.post(
        reverse("hotline:action", args=[order.number, "extension_decide"]),
        {"decision": "approve", "next": "supervisor"},
    )

    after = selectors.ticket_get(actor=world["agent"], number=order.number)
    assert order.number in console
    assert "3 working days" in console
    assert response["Location"] == reverse("hotline:supervisor")
    assert after.extension_days is None
    assert after.resolve_by is not None
    assert due is not None
    assert after.resolve_by > due


def test_merge_from_the_desk_after_creation(
    world: dict[str, User], make: Callable[..., WorkOrder]
) -> None:
    master = make(category="labor.wage-arrears", township="洪凝街道")
    client = client_for(world["agent"])
    created = client.post(reverse("hotline:desk"), desk_form(department=""))
    number = created["Location"].rsplit("=", 1)[1]

    page = client.get(created["Location"]).content.decode()
    merged = client.post(
        reverse("hotline:action", args=[number, "merge"]), {"master": master.number, "next": "desk"}
    )

    duplicate = selectors.ticket_get(actor=world["agent"], number=number)
    assert f"Merge into {master.number}" in page
    assert merged["Location"] == reverse("hotline:desk")
    assert duplicate.merged_into_id == master.pk


def test_desk_suggestions_take_the_callers_words_by_post_only(world: dict[str, User]) -> None:
    """The description never travels in a URL (access logs, proxies): GET is refused."""
    client = client_for(world["agent"])
    assert client.get(reverse("hotline:desk_suggest"), {"text": "老板拖欠工资"}).status_code == 405
    assert client.get(reverse("hotline:desk_answer"), {"text": "身份证丢了"}).status_code == 405
    desk = client.get(reverse("hotline:desk")).content.decode()
    assert 'hx-post="/hotline/desk/suggest"' in desk
    assert "hx-get" not in desk
