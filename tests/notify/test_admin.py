"""notify admin: delivery status with the destination masked, and re-sending failed ones."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django_tasks_db.models import DBTaskResult

from onestop.accounts.models import User
from onestop.notify import services, tasks
from onestop.notify.models import Notification
from tests.notify.conftest import PHONE, Gateway


def _failed_sms(citizen: User, gateway: Gateway) -> Notification:
    [sms] = services.notification_send(
        template="hotline.received",
        context={"number": "A-1"},
        recipient_user=citizen,
        channels=("sms",),
    )
    gateway.answers = [(400, {})]
    services.notification_deliver(notification_id=str(sms.pk))
    sms.refresh_from_db()
    return sms


def test_change_page_shows_the_masked_phone_only(
    citizen: User, admin_client: Client, gateway: Gateway
) -> None:
    sms = _failed_sms(citizen, gateway)
    page = admin_client.get(f"/admin/notify/notification/{sms.pk}/change/").content.decode()
    assert "138****5678" in page
    assert "SMS gateway answered HTTP 400" in page
    assert PHONE not in page
    assert sms.destination_enc not in page


def test_resend_action_queues_failed_notifications(
    citizen: User,
    admin_client: Client,
    gateway: Gateway,
    django_capture_on_commit_callbacks: Any,
) -> None:
    sms = _failed_sms(citizen, gateway)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/notify/notification/",
            {"action": "resend", "_selected_action": [str(sms.pk)]},
        )
    assert response.status_code == 302
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == (Notification.Status.QUEUED, 0)
    [queued] = DBTaskResult.objects.filter(task_path=tasks.deliver.module_path)
    assert queued.args_kwargs["args"] == [str(sms.pk)]
