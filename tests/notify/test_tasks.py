"""notify background work: the database worker delivers what `notification_send` queued."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from onestop.accounts.models import User
from onestop.notify import services, tasks
from onestop.notify.models import Notification


def test_the_worker_delivers_a_queued_sms(
    transactional_db: None, citizen: User, caplog: pytest.LogCaptureFixture
) -> None:
    # A real commit (the worker closes database connections, so no test transaction).
    with transaction.atomic():
        _in_app, sms = services.notification_send(
            template="case.submitted",
            context={"number": "371121-20261126-0007", "item": "出生医学证明"},
            recipient_user=citizen,
        )
    assert DBTaskResult.objects.filter(task_path=tasks.deliver.module_path).count() == 1
    with caplog.at_level(logging.INFO, logger="onestop.notify.sms"):
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == (Notification.Status.SENT, 1)
    [result] = DBTaskResult.objects.filter(task_path=tasks.deliver.module_path)
    assert (result.status, result.return_value) == ("SUCCESSFUL", "sent")
    assert "[case.submitted]" in caplog.text
    assert "371121-20261126-0007" not in caplog.text  # the message body is never logged


def test_a_rolled_back_caller_sends_nothing(
    citizen: User, django_capture_on_commit_callbacks: Any
) -> None:
    class Abort(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                services.notification_send(
                    template="hotline.received", context={"number": "A"}, recipient_user=citizen
                )
                raise Abort
        except Abort:
            pass
    assert callbacks == []
    assert Notification.objects.count() == 0
    assert DBTaskResult.objects.count() == 0
