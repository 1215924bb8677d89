"""Work-order services: numbers, every lifecycle step, the full life, refusals that change
nothing, idempotent intake, merging, time limits, escalation and attachments."""

from __future__ import annotations

import datetime
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.forms.models import model_to_dict
from django_tasks_db.models import DBTaskResult

from onestop.core import calendar, crypto
from onestop.core.errors import Conflict, PermissionDenied, ValidationFailed
from onestop.hotline import services, tasks
from onestop.hotline.models import Attachment, WorkOrder, WorkOrderEvent

SH = ZoneInfo("Asia/Shanghai")
PS = "371121-public-security"
HR = "371121-human-resources-social-security"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
S = WorkOrder.Status


def snapshot(order: WorkOrder) -> dict[str, Any]:
    fresh = WorkOrder.objects.get(pk=order.pk)
    data = model_to_dict(fresh)
    data["assisting_departments"] = sorted(d.pk for d in data["assisting_departments"])
    data["updated_at"] = fresh.updated_at
    data["events"] = list(fresh.events.values_list("kind", flat=True))
    return data


def kinds(order: WorkOrder) -> list[str]:
    return list(WorkOrderEvent.objects.filter(order=order).values_list("kind", flat=True))


# --- numbers and intake -----------------------------------------------------------------------


def test_numbers_are_per_day_sequences_in_the_node_time_zone(make, clock):
    clock.set(datetime.datetime(2026, 5, 6, 23, 30, tzinfo=SH))
    first = [make().number for _ in range(3)]
    clock.set(datetime.datetime(2026, 5, 7, 0, 10, tzinfo=SH))
    second = [make().number for _ in range(2)]

    assert first == ["371121-20260506-000001", "371121-20260506-000002", "371121-20260506-000003"]
    assert second == ["371121-20260507-000001", "371121-20260507-000002"]
    assert all(re.fullmatch(r"\d{6}-\d{8}-\d{6}", n) for n in first + second)
    assert WorkOrder.objects.values("number").distinct().count() == 5


def test_create_stores_the_phone_encrypted_and_masked_and_audits(make, world, sent):
    order = make(latitude="35.75", longitude="119.2")

    assert order.status == S.NEW
    assert order.contact_phone_masked == "138****8000"
    assert "13800138000" not in order.contact_phone_enc
    assert crypto.decrypt_pii(order.contact_phone_enc) == "13800138000"
    assert str(order.latitude) == "35.750000"
    assert kinds(order) == ["create"]
    assert order.events.get().actor == world["agent"]


def test_receipt_is_handed_to_the_worker_with_the_order(make, sent):
    """The intake writes one task row in its own transaction; the worker sends the SMS, with
    the order's number read when it is sent (the intake numbers the order last)."""
    order = make()
    [queued] = DBTaskResult.objects.filter(task_path=tasks.notify_citizens.module_path)
    assert sent == []
    assert queued.args_kwargs["args"] == [order.pk, "hotline.received", {}]

    assert tasks.notify_citizens.call(*queued.args_kwargs["args"]) == 1
    assert sent == [
        {
            "template": "hotline.received",
            "context": {"number": order.number},
            "recipient_phone": "13800138000",
            # a task run again after a crash sends no second receipt (tests/hotline/test_notify.py)
            "dedupe_key": f"hotline:{order.pk}:hotline.received:{order.number}",
        }
    ]


def test_a_refused_intake_queues_no_receipt(make):
    with pytest.raises(ValidationFailed):
        make(contact_phone="12ab")
    assert not DBTaskResult.objects.filter(task_path=tasks.notify_citizens.module_path).exists()


def test_an_intake_asking_for_routing_is_new_with_one_routing_task(make):
    order = make(route=True)

    assert (order.status, order.lead_department_id) == (S.NEW, None)
    assert kinds(order) == ["create"]
    assert order.events.get().data["route"] is True
    [queued] = DBTaskResult.objects.filter(task_path=tasks.route_orders.module_path)
    assert queued.args_kwargs["args"] == [order.pk]


def test_an_intake_without_routing_queues_none(make, settings):
    make()
    settings.HOTLINE_AUTO_DISPATCH = False
    make(route=True)
    assert not DBTaskResult.objects.filter(task_path=tasks.route_orders.module_path).exists()


def test_retried_create_with_the_same_key_returns_the_same_order(make):
    from onestop.hotline.services import IdempotencyKeyReused

    first = make(idempotency_key="call-42")
    again = make(idempotency_key="call-42")  # the same request retried
    assert again.pk == first.pk
    # the same key with another body is another request: refused, nothing written (issue #13)
    with pytest.raises(IdempotencyKeyReused):
        make(idempotency_key="call-42", description="a different text")

    assert WorkOrder.objects.count() == 1
    assert WorkOrderEvent.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"description": ""}, "invalid_text"),
        ({"description": "   "}, "invalid_text"),
        ({"description": "x" * 2001}, "invalid_text"),
        ({"description": "长" * 20000}, "invalid_text"),
        ({"category": "no-such-thing"}, "unknown_category"),
        ({"latitude": "91"}, "invalid_location"),
        ({"longitude": "-180.5"}, "invalid_location"),
        ({"latitude": "north"}, "invalid_location"),
        ({"contact_phone": "12ab"}, "invalid_phone"),
        ({"channel": "fax"}, "invalid_channel"),
        ({"request_type": "gossip"}, "invalid_request_type"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(make, overrides, code):
    with pytest.raises(ValidationFailed) as error:
        make(**overrides)
    assert error.value.code == code
    assert WorkOrder.objects.count() == 0
    assert WorkOrderEvent.objects.count() == 0


def test_description_of_exactly_2000_characters_is_accepted(make):
    assert len(make(description="x" * 2000).description) == 2000


def test_only_hotline_staff_of_the_region_accept_requests(make, world):
    for name in ("officer-ps", "citizen", "agent-gy"):
        with pytest.raises(PermissionDenied):
            make(actor=world[name])
    assert WorkOrder.objects.count() == 0


# --- the full life ----------------------------------------------------------------------------


def test_full_life(make, world, clock, sent, django_capture_on_commit_callbacks):
    agent, sup = world["agent"], world["supervisor"]
    ps, hr = world["officer-ps"], world["officer-hr"]
    order = make()
    order = services.ticket_dispatch(actor=agent, order=order, department=HR)
    assert (order.status, order.lead_department_id) == (S.DISPATCHED, HR)
    order = services.ticket_sign_for(actor=hr, order=order)
    assert order.status == S.SIGNED
    clock.advance(minutes=30)
    order = services.ticket_return(actor=hr, order=order, reason="Noise is a police matter.")
    assert order.status == S.RETURNED
    order = services.ticket_arbitrate(actor=sup, order=order, uphold=True, department=PS)
    assert (order.status, order.lead_department_id, order.signed_at) == (S.DISPATCHED, PS, None)
    order = services.ticket_sign_for(actor=ps, order=order)
    order = services.ticket_start(actor=ps, order=order)
    assert order.status == S.IN_PROGRESS
    order = services.ticket_reply(actor=ps, order=order, text="We spoke to the owner.")
    assert (order.status, order.reply_text) == (S.REPLIED, "We spoke to the owner.")
    clock.advance(days=1)
    order = services.ticket_callback(
        actor=agent, order=order, satisfied=False, resolved=False, note="Still noisy."
    )
    assert (order.status, order.lead_department_id, order.reopen_count) == (S.DISPATCHED, PS, 1)
    assert order.dispatched_at == clock.now
    order = services.ticket_sign_for(actor=ps, order=order)
    order = services.ticket_start(actor=ps, order=order)
    with django_capture_on_commit_callbacks(execute=True):
        order = services.ticket_reply(actor=ps, order=order, text="The shop now closes at 22:00.")
    assert sent[-1]["template"] == "hotline.replied"
    assert sent[-1]["context"]["reply"] == "The shop now closes at 22:00."
    order = services.ticket_callback(actor=agent, order=order, satisfied=True, resolved=True)
    assert order.status == S.CLOSED
    assert (order.callback_satisfied, order.callback_resolved) == (True, True)
    assert order.closed_at == clock.now
    assert kinds(order) == [
        "create", "dispatch", "sign_for", "return", "arbitrate_uphold", "sign_for", "start",
        "reply", "reopen", "sign_for", "start", "reply", "callback",
    ]  # fmt: skip
    trail = list(order.events.values_list("from_status", "to_status"))
    assert trail[3] == (S.SIGNED, S.RETURNED)
    assert trail[8] == (S.REPLIED, S.DISPATCHED)
    assert order.events.get(kind="return").reason == "Noise is a police matter."
    assert order.events.get(kind="return").department_id == HR


def test_answer_on_spot_closes_a_consultation(make, world):
    order = make(request_type="consultation", category="government-services.approval-services")
    done = services.ticket_answer_on_spot(actor=world["agent"], order=order, text="Bring your ID.")
    assert (done.status, done.reply_text) == (S.ANSWERED, "Bring your ID.")
    assert done.closed_at is not None
    assert kinds(done) == ["create", "answer_on_spot"]


def test_a_complaint_cannot_be_answered_on_the_call(make, world):
    order = make()
    before = snapshot(order)
    with pytest.raises(Conflict):
        services.ticket_answer_on_spot(actor=world["agent"], order=order, text="No.")
    assert snapshot(order) == before


def test_dispatch_with_co_handling_departments(make, world):
    order = services.ticket_dispatch(
        actor=world["supervisor"], order=make(), department=PS, assisting=[HR, PS, HR]
    )
    assert sorted(order.assisting_departments.values_list("code", flat=True)) == [HR]
    assert order.events.get(kind="dispatch").data == {"department": PS, "assisting": [HR]}


def test_arbitration_rejecting_a_return_keeps_the_department(make, world):
    order = services.ticket_dispatch(actor=world["agent"], order=make(), department=PS)
    resolve_by = order.resolve_by
    order = services.ticket_return(actor=world["officer-ps"], order=order, reason="Not ours.")
    order = services.ticket_arbitrate(
        actor=world["supervisor"], order=order, uphold=False, reason="It is yours."
    )
    assert (order.status, order.lead_department_id, order.resolve_by) == (
        S.DISPATCHED,
        PS,
        resolve_by,
    )
    assert order.events.get(kind="arbitrate_reject").data == {
        "decision": "reject",
        "department": PS,
    }


def test_upholding_a_return_needs_another_department(make, world):
    order = services.ticket_dispatch(actor=world["agent"], order=make(), department=PS)
    order = services.ticket_return(actor=world["officer-ps"], order=order, reason="Not ours.")
    before = snapshot(order)
    for department in (None, PS, "371121-nowhere"):
        with pytest.raises(ValidationFailed):
            services.ticket_arbitrate(
                actor=world["supervisor"], order=order, uphold=True, department=department
            )
    assert snapshot(order) == before


def test_return_needs_a_reason_and_the_window(make, world, clock, settings):
    order = services.ticket_dispatch(actor=world["agent"], order=make(), department=PS)
    before = snapshot(order)
    with pytest.raises(ValidationFailed):
        services.ticket_return(actor=world["officer-ps"], order=order, reason="  ")
    clock.advance(hours=2, seconds=1)
    with pytest.raises(Conflict) as error:
        services.ticket_return(actor=world["officer-ps"], order=order, reason="Not ours.")
    assert error.value.code == "return_window_passed"
    assert snapshot(order) == before
    settings.HOTLINE_RETURN_WINDOW_HOURS = 4
    assert (
        services.ticket_return(actor=world["officer-ps"], order=order, reason="Not ours.").status
        == S.RETURNED
    )


# --- refusals change nothing ------------------------------------------------------------------


def test_illegal_transitions_are_conflicts_and_change_nothing(make, world):
    order = make()
    ps, agent, sup = world["officer-ps"], world["agent"], world["supervisor"]
    before = snapshot(order)
    for call in (
        lambda: services.ticket_callback(actor=agent, order=order, satisfied=True, resolved=True),
        lambda: services.ticket_arbitrate(actor=sup, order=order, uphold=False),
        lambda: services.ticket_escalate(actor=sup, order=order),
    ):
        with pytest.raises(Conflict) as error:
            call()
        assert error.value.code == "illegal_transition"
    assert snapshot(order) == before

    order = services.ticket_dispatch(actor=agent, order=order, department=PS)
    before = snapshot(order)
    for call in (
        lambda: services.ticket_start(actor=ps, order=order),
        lambda: services.ticket_reply(actor=ps, order=order, text="Done."),
        lambda: services.ticket_dispatch(actor=agent, order=order, department=HR),
    ):
        with pytest.raises(Conflict):
            call()
    assert snapshot(order) == before


def test_conflict_message_names_the_status_and_the_action(make, world):
    order = make()
    with pytest.raises(Conflict) as error:
        services.ticket_callback(actor=world["agent"], order=order, satisfied=True, resolved=True)
    assert str(error.value.message) == "A work order that is “Accepted” cannot be called back."
    assert error.value.details == {"status": "new", "action": "callback_satisfied"}


def test_officers_of_another_department_are_refused_and_nothing_changes(make, world):
    order = services.ticket_dispatch(
        actor=world["agent"], order=make(), department=PS, assisting=[HR]
    )
    before = snapshot(order)
    for name in ("officer-water", "officer-hr", "officer-gy", "citizen"):
        with pytest.raises(PermissionDenied):
            services.ticket_sign_for(actor=world[name], order=order)
        with pytest.raises(PermissionDenied):
            services.ticket_return(actor=world[name], order=order, reason="Not ours.")
    with pytest.raises(PermissionDenied):
        services.ticket_arbitrate(actor=world["officer-ps"], order=order, uphold=False)
    with pytest.raises(PermissionDenied):
        services.ticket_dispatch(actor=world["agent-gy"], order=order, department=PS)
    assert snapshot(order) == before


# --- extension and escalation -----------------------------------------------------------------


def _load_october_2026() -> None:
    holidays = [datetime.date(2026, 10, d) for d in range(1, 8)]
    calendar.calendar_year_load(
        year=2026,
        source="test notice",
        days=[
            *(calendar.DayEntry(d, calendar.HOLIDAY, "National Day") for d in holidays),
            calendar.DayEntry(datetime.date(2026, 10, 10), calendar.WORKDAY, "National Day"),
        ],
    )


def test_working_day_class_skips_holidays_and_counts_adjusted_workdays(make, world, clock):
    _load_october_2026()
    clock.set(datetime.datetime(2026, 9, 30, 10, 0, tzinfo=SH))
    # public-order: class "general", respond 24 h (= 1 working day), resolve "5wd"
    order = services.ticket_dispatch(actor=world["agent"], order=make(), department=PS)
    # working days after 30 Sep: 8 Oct, 9 Oct, 10 Oct (Saturday, worked), 12 Oct, 13 Oct
    assert order.respond_by == datetime.datetime(2026, 10, 8, 23, 59, 59, tzinfo=SH)
    assert order.resolve_by == datetime.datetime(2026, 10, 13, 23, 59, 59, tzinfo=SH)


def test_hours_class_runs_on_the_wall_clock_through_holidays(make, world, clock):
    _load_october_2026()
    clock.set(datetime.datetime(2026, 10, 1, 22, 0, tzinfo=SH))
    # water: class "utility-urgent", respond 2 h, resolve "24h"
    order = make(category="utilities.water", request_type="assistance")
    order = services.ticket_dispatch(actor=world["agent"], order=order, department=PS)
    assert order.respond_by == datetime.datetime(2026, 10, 2, 0, 0, tzinfo=SH)
    assert order.resolve_by == datetime.datetime(2026, 10, 2, 22, 0, tzinfo=SH)


def test_approved_extension_moves_the_resolution_time(make, world, clock):
    _load_october_2026()
    clock.set(datetime.datetime(2026, 9, 30, 10, 0, tzinfo=SH))
    order = services.ticket_dispatch(actor=world["agent"], order=make(), department=PS)
    order = services.ticket_sign_for(actor=world["officer-ps"], order=order)
    order = services.ticket_extension_request(
        actor=world["officer-ps"], order=order, working_days=2, reason="Need a site visit."
    )
    assert order.extension_days == 2
    with pytest.raises(Conflict):
        services.ticket_extension_request(
            actor=world["officer-ps"], order=order, working_days=1, reason="Again."
        )
    with pytest.raises(PermissionDenied):
        services.ticket_extension_decide(actor=world["officer-ps"], order=order, approve=True)
    order = services.ticket_extension_decide(actor=world["supervisor"], order=order, approve=True)
    assert order.resolve_by == datetime.datetime(2026, 10, 15, 23, 59, 59, tzinfo=SH)
    assert order.extension_days is None
    assert kinds(order)[-2:] == ["extension_request", "extension_decide"]


def test_refused_extension_keeps_the_resolution_time(make, world):
    order = services.ticket_dispatch(actor=world["agent"], order=make(), department=PS)
    order = services.ticket_sign_for(actor=world["officer-ps"], order=order)
    resolve_by = order.resolve_by
    order = services.ticket_extension_request(
        actor=world["officer-ps"], order=order, working_days=3, reason="Busy."
    )
    order = services.ticket_extension_decide(actor=world["supervisor"], order=order, approve=False)
    assert (order.resolve_by, order.extension_days) == (resolve_by, None)
    with pytest.raises(Conflict):
        services.ticket_extension_decide(actor=world["supervisor"], order=order, approve=True)


def test_overdue_orders_are_escalated_once_by_the_task(make, world, clock):
    late = services.ticket_dispatch(actor=world["agent"], order=make(), department=PS)
    on_time = make(category="labor.wage-arrears")
    clock.advance(hours=1)
    on_time = services.ticket_dispatch(actor=world["agent"], order=on_time, department=HR)
    replied = services.ticket_dispatch(actor=world["agent"], order=make(), department=PS)
    replied = services.ticket_sign_for(actor=world["officer-ps"], order=replied)
    replied = services.ticket_start(actor=world["officer-ps"], order=replied)
    replied = services.ticket_reply(actor=world["officer-ps"], order=replied, text="Done.")
    moment = late.resolve_by + datetime.timedelta(seconds=1)
    assert on_time.resolve_by > moment
    clock.set(moment)

    assert tasks.escalate_overdue.call() == [late.number]
    assert tasks.escalate_overdue.call() == []
    late.refresh_from_db()
    assert late.escalated_at == moment
    event = late.events.get(kind="escalate")
    assert (event.actor, event.reason) == (None, "Overdue.")
    assert kinds(on_time)[-1] == "dispatch"
    assert kinds(replied)[-1] == "reply"


def test_supervisor_escalates_by_hand_and_agents_may_not(make, world):
    order = services.ticket_dispatch(actor=world["agent"], order=make(), department=PS)
    with pytest.raises(PermissionDenied):
        services.ticket_escalate(actor=world["agent"], order=order)
    order = services.ticket_escalate(actor=world["supervisor"], order=order, reason="Urgent.")
    assert order.escalated_at is not None
    with pytest.raises(Conflict):
        services.ticket_escalate(actor=world["supervisor"], order=order)


# --- merging ----------------------------------------------------------------------------------


def test_merged_orders_follow_the_master_and_hear_its_reply(
    make, world, sent, django_capture_on_commit_callbacks
):
    agent, ps = world["agent"], world["officer-ps"]
    master = services.ticket_dispatch(actor=agent, order=make(), department=PS)
    second = make(contact_phone="13900000002", contact_name="Wang")
    third = make(contact_phone="13900000003")
    services.ticket_merge(actor=agent, duplicate=third, master=second)
    second = services.ticket_merge(actor=world["supervisor"], duplicate=second, master=master)

    assert second.merged_into == master
    assert WorkOrder.objects.get(pk=third.pk).merged_into == master
    assert second.status == S.DISPATCHED
    assert second.lead_department_id == PS
    assert [r["number"] for r in services.ticket_recipients(second)] == [
        master.number,
        second.number,
        third.number,
    ]
    assert [r["phone"] for r in services.ticket_recipients(master)] == [
        "13800138000",
        "13900000002",
        "13900000003",
    ]
    with pytest.raises(Conflict) as error:
        services.ticket_sign_for(actor=ps, order=second)
    assert error.value.code == "merged"

    master = services.ticket_sign_for(actor=ps, order=master)
    master = services.ticket_start(actor=ps, order=master)
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_reply(actor=ps, order=master, text="Fixed.")
    assert sorted((m["recipient_phone"], m["context"]["number"]) for m in sent) == [
        ("13800138000", master.number),
        ("13900000002", second.number),
        ("13900000003", third.number),
    ]
    assert all(m["template"] == "hotline.replied" for m in sent)
    assert set(WorkOrder.objects.values_list("status", flat=True)) == {S.REPLIED}
    assert set(WorkOrder.objects.values_list("reply_text", flat=True)) == {"Fixed."}


def test_merge_refusals_change_nothing(make, world):
    agent = world["agent"]
    a, b = make(), make()
    closed = services.ticket_answer_on_spot(
        actor=agent,
        order=make(request_type="consultation"),
        text="Answered.",
    )
    before = (snapshot(a), snapshot(b))
    with pytest.raises(Conflict):
        services.ticket_merge(actor=agent, duplicate=a, master=a)
    with pytest.raises(Conflict):
        services.ticket_merge(actor=agent, duplicate=a, master=closed)
    with pytest.raises(PermissionDenied):
        services.ticket_merge(actor=world["officer-ps"], duplicate=a, master=b)
    assert (snapshot(a), snapshot(b)) == before


# --- attachments ------------------------------------------------------------------------------


def test_attachments_are_checked_by_content(make, world):
    order = make()
    attachment = services.attachment_add(
        actor=world["agent"], order=order, name="photo.png", data=PNG
    )
    assert (attachment.content_type, attachment.size) == ("image/png", len(PNG))
    assert len(attachment.sha256) == 64
    assert attachment.file.read() == PNG
    pdf = services.attachment_add(
        actor=world["agent"], order=order, name="letter.PDF", data=b"%PDF-1.7\n%%EOF"
    )
    assert pdf.content_type == "application/pdf"

    for name, data in (
        ("fake.png", b"just some text, not a picture"),
        ("photo.jpg", PNG),
        ("script.html", b"%PDF-<script>"),
        ("empty.png", b""),
    ):
        with pytest.raises(ValidationFailed):
            services.attachment_add(actor=world["agent"], order=order, name=name, data=data)
    with pytest.raises(ValidationFailed) as error:
        services.attachment_add(
            actor=world["agent"],
            order=order,
            name="big.pdf",
            data=b"%PDF-" + b"0" * (10 * 1024 * 1024),
        )
    assert error.value.code == "file_too_large"
    with pytest.raises(PermissionDenied):
        services.attachment_add(actor=world["officer-water"], order=order, name="a.png", data=PNG)
    assert Attachment.objects.count() == 2
    assert kinds(order) == ["create", "attach", "attach"]


def test_every_refused_step_says_so_in_a_whole_sentence(make, world):
    from onestop.hotline import transitions

    order = make()
    for action in transitions.ACTIONS:
        if (order.status, action) in transitions.TRANSITIONS:
            continue
        with pytest.raises(Conflict) as error:
            transitions.transition_for(order.status, action)
        text = str(error.value.message)
        assert text.startswith("A work order that is “Accepted” cannot ")
        assert text.endswith(".")
        assert "take this step" not in text, action
        assert "%(" not in text
    with pytest.raises(Conflict) as error:
        transitions.transition_for("closed", "reassign")
    assert str(error.value.message) == "A work order that is “Closed” cannot be reassigned."
