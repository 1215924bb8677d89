"""The hotline hands its messages to the real notify app after the commit."""

from __future__ import annotations

import pytest
from django_tasks_db.models import DBTaskResult

from onestop.core.errors import Conflict
from onestop.hotline import services, tasks
from onestop.notify.models import Notification

PS = "371121-public-security"


def _hotline_notifications():
    """The hotline's own messages (the world's accounts got their verification notices)."""
    return Notification.objects.filter(template__startswith="hotline.")


def test_receipt_and_reply_become_sms_notifications(
    world, make, django_capture_on_commit_callbacks
):
    ps = world["officer-ps"]
    with django_capture_on_commit_callbacks(execute=True):
        order = make()
    # The receipt is the worker's: one task row written with the order.
    [queued] = DBTaskResult.objects.filter(task_path=tasks.notify_citizens.module_path)
    assert _hotline_notifications().count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.notify_citizens.call(*queued.args_kwargs["args"]) == 1
    order = services.ticket_dispatch(actor=world["agent"], order=order, department=PS)
    order = services.ticket_sign_for(actor=ps, order=order)
    order = services.ticket_start(actor=ps, order=order)
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_reply(actor=ps, order=order, text="The shop now closes at 22:00.")

    sent = list(
        _hotline_notifications()
        .order_by("created_at")
        .values_list("template", "channel", "destination_masked")
    )
    assert sent == [
        ("hotline.received", "sms", "138****8000"),
        ("hotline.replied", "sms", "138****8000"),
    ]
    reply = Notification.objects.get(template="hotline.replied")
    assert order.number in reply.body
    assert "The shop now closes at 22:00." in reply.body


def test_a_refused_step_sends_nothing(world, make, django_capture_on_commit_callbacks):
    order = services.ticket_dispatch(actor=world["agent"], order=make(), department=PS)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Conflict),
    ):
        services.ticket_reply(actor=world["officer-ps"], order=order, text="Too early.")
    assert callbacks == []
    assert _hotline_notifications().count() == 0


def test_a_receipt_task_run_again_sends_one_receipt(
    world, make, django_capture_on_commit_callbacks
):
    """The receipt task may run twice (its worker killed after the messages were made and
    before the task was marked done: `core.workers` queues it again; the crash test's case):
    the caller gets one receipt, not two."""
    with django_capture_on_commit_callbacks(execute=True):
        order = make()
    [queued] = DBTaskResult.objects.filter(task_path=tasks.notify_citizens.module_path)
    args = queued.args_kwargs["args"]
    with django_capture_on_commit_callbacks(execute=True) as first:
        assert tasks.notify_citizens.call(*args) == 1
    with django_capture_on_commit_callbacks(execute=True) as second:
        assert tasks.notify_citizens.call(*args) == 1
    [receipt] = _hotline_notifications().filter(template="hotline.received")
    assert order.number in receipt.body
    assert receipt.dedupe_key == f"hotline:{order.pk}:hotline.received:{order.number}"
    assert (len(first), len(second)) == (1, 0)  # one delivery queued, by the first run only
