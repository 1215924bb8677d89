"""notify services: creating, delivering, retrying, reading and re-sending notifications."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from onestop.accounts.models import User
from onestop.core import crypto
from onestop.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from onestop.notify import channels, services, tasks, templates
from onestop.notify.models import Notification
from tests.notify.conftest import PHONE, Gateway

# These tests match the English msgids of the domain errors.
pytestmark = pytest.mark.usefixtures("english")

CONTEXT = {"number": "371121-20261126-0001"}
Status = Notification.Status


def _queued_tasks() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=tasks.deliver.module_path))


def _send(citizen: User, **kwargs: Any) -> list[Notification]:
    return services.notification_send(
        template="hotline.received", context=CONTEXT, recipient_user=citizen, **kwargs
    )


def test_send_creates_one_row_per_channel_and_queues_delivery_after_commit(
    citizen: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        in_app, sms = _send(citizen)
        assert _queued_tasks() == []  # nothing is queued before the caller commits

    assert len(callbacks) == 1
    for callback in callbacks:
        callback()
    assert Notification.objects.count() == 2
    assert (in_app.channel, in_app.status, in_app.attempts) == ("in_app", Status.DELIVERED, 1)
    assert in_app.sent_at is not None
    assert in_app.destination_enc == ""
    assert (sms.channel, sms.status, sms.attempts) == ("sms", Status.QUEUED, 0)
    assert sms.destination_masked == "138****5678"
    assert PHONE not in sms.destination_enc
    assert crypto.decrypt_pii(sms.destination_enc) == PHONE
    assert sms.language == "zh-hans"
    assert sms.subject == "12345 已受理您的诉求"
    assert sms.body == ("您的诉求已受理，工单编号 371121-20261126-0001。我们将按时限办理并答复您。")
    [queued] = _queued_tasks()
    assert queued.args_kwargs == {"args": [str(sms.pk)], "kwargs": {}}


def test_send_renders_in_english_when_that_is_the_language(citizen: User, settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"
    [n] = _send(citizen, channels=("in_app",))
    assert (n.language, n.subject) == ("en", "12345 has received your request")
    assert n.body == (
        "We have received your request; its number is 371121-20261126-0001. We will handle it "
        "within the time limit and reply to you."
    )


def test_send_uses_the_given_phone_and_email(citizen: User) -> None:
    sms, email = _send(
        citizen,
        recipient_phone="139 0000 2222",
        recipient_email="zhang.wei@example.cn",
        channels=("sms", "email"),
    )
    assert crypto.decrypt_pii(sms.destination_enc) == "13900002222"
    assert crypto.decrypt_pii(email.destination_enc) == "zhang.wei@example.cn"
    assert email.destination_masked == "z***@example.cn"


def test_log_email_writes_the_template_and_the_masked_address_only(
    citizen: User, caplog: pytest.LogCaptureFixture
) -> None:
    [email] = _send(citizen, recipient_email="zhang.wei@example.cn", channels=("email",))
    with caplog.at_level(logging.INFO, logger="onestop.notify.email"):
        assert tasks.deliver.call(str(email.pk)) == "sent"
    [record] = [r for r in caplog.records if r.name == "onestop.notify.email"]
    assert record.getMessage() == "E-mail to z***@example.cn [hotline.received]"
    assert "zhang.wei" not in caplog.text
    assert email.subject not in caplog.text
    assert "371121-20261126-0001" not in caplog.text


def test_send_without_a_user_by_phone_only(db: None) -> None:
    [sms] = services.notification_send(
        template="hotline.callback",
        context=CONTEXT,
        recipient_phone="13700001234",
        channels=("sms",),
    )
    assert (sms.recipient, sms.destination_masked) == (None, "137****1234")


def test_dedupe_key_makes_a_retried_send_create_nothing_twice(
    citizen: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = _send(citizen, dedupe_key="ticket-1:received")
    with django_capture_on_commit_callbacks(execute=True):
        again = _send(citizen, dedupe_key="ticket-1:received")
    assert [n.pk for n in again] == [n.pk for n in first]
    assert Notification.objects.count() == 2
    assert len(_queued_tasks()) == 1
    # A new channel under the same key is still created, once.
    with django_capture_on_commit_callbacks(execute=True):
        more = _send(
            citizen,
            recipient_email="a@example.cn",
            channels=("in_app", "email"),
            dedupe_key="ticket-1:received",
        )
    assert more[0].pk == first[0].pk
    assert more[1].channel == "email"
    assert Notification.objects.count() == 3
    assert len(_queued_tasks()) == 2


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"template": "no.such"}, "unknown_template"),
        ({"context": {}}, "missing_context"),
        ({"channels": ("fax",)}, "unknown_channel"),
        ({"channels": ()}, "no_channel"),
        ({"recipient_user": None, "recipient_phone": PHONE}, "no_recipient"),
        ({"recipient_phone": "call me"}, "invalid_phone"),
        ({"channels": ("in_app", "email")}, "no_email"),
        ({"channels": ("email",), "recipient_email": "not-an-address"}, "invalid_email"),
    ],
)
def test_bad_input_creates_nothing(
    citizen: User, kwargs: dict[str, Any], code: str, django_capture_on_commit_callbacks: Any
) -> None:
    arguments: dict[str, Any] = {
        "template": "hotline.received",
        "context": CONTEXT,
        "recipient_user": citizen,
        **kwargs,
    }
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationFailed) as e:
        services.notification_send(**arguments)
    assert e.value.code == code
    assert Notification.objects.count() == 0
    assert _queued_tasks() == []


def test_sms_needs_a_phone(other: User) -> None:
    other.phone = ""
    with pytest.raises(ValidationFailed) as e:
        _send(other)
    assert (e.value.code, str(e.value.message)) == ("no_phone", "An SMS needs a phone number.")
    assert Notification.objects.count() == 0


def test_missing_context_names_the_fields(citizen: User) -> None:
    with pytest.raises(ValidationFailed) as e:
        services.notification_send(
            template="case.decided", context={"number": "1"}, recipient_user=citizen
        )
    assert e.value.details == {"missing": ["decision", "item"]}
    assert str(e.value.message) == (
        "The notification template “case.decided” needs these values: decision, item."
    )


def test_every_required_template_is_registered() -> None:
    assert {
        "hotline.received",
        "hotline.replied",
        "hotline.callback",
        "case.submitted",
        "case.supplement_requested",
        "case.decided",
        "case.delivered",
    } <= set(templates.keys())


def test_log_sms_writes_the_template_and_the_masked_phone_only(
    citizen: User, caplog: pytest.LogCaptureFixture
) -> None:
    _in_app, sms = _send(citizen)
    with caplog.at_level(logging.INFO, logger="onestop.notify.sms"):
        assert tasks.deliver.call(str(sms.pk)) == "sent"
    [record] = [r for r in caplog.records if r.name == "onestop.notify.sms"]
    assert record.getMessage() == "SMS to 138****5678 [hotline.received]"
    assert PHONE not in caplog.text
    assert "371121-20261126-0001" not in caplog.text  # the body is never logged
    sms.refresh_from_db()
    assert (sms.status, sms.attempts, sms.last_error) == (Status.SENT, 1, "")
    assert sms.sent_at is not None


def test_delivering_twice_sends_once(citizen: User, caplog: pytest.LogCaptureFixture) -> None:
    _in_app, sms = _send(citizen)
    with caplog.at_level(logging.INFO, logger="onestop.notify.sms"):
        services.notification_deliver(notification_id=str(sms.pk))
        assert services.notification_deliver(notification_id=str(sms.pk)) == "sent"
    assert len([r for r in caplog.records if r.name == "onestop.notify.sms"]) == 1
    sms.refresh_from_db()
    assert sms.attempts == 1


def test_email_through_django_mail(citizen: User, settings: Any) -> None:
    settings.NOTIFY_EMAIL_BACKEND = "onestop.notify.channels.DjangoEmailBackend"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    [email] = _send(citizen, recipient_email="zhang.wei@example.cn", channels=("email",))
    assert services.notification_deliver(notification_id=str(email.pk)) == "sent"
    [message] = mail.outbox
    assert message.to == ["zhang.wei@example.cn"]
    assert message.subject == "12345 已受理您的诉求"
    assert message.body == email.body


def test_http_sms_posts_to_the_gateway(citizen: User, gateway: Gateway) -> None:
    _in_app, sms = _send(citizen)
    assert services.notification_deliver(notification_id=str(sms.pk)) == "sent"
    [request] = gateway.requests
    assert request["path"] == "/sms/send"
    assert request["headers"]["Authorization"] == "Bearer test-token"
    assert request["json"] == {"to": PHONE, "text": sms.body, "id": str(sms.pk)}
    sms.refresh_from_db()
    assert (sms.status, sms.provider_ref, sms.attempts) == (Status.SENT, "gw-1", 1)


def test_http_sms_500_is_retried_with_backoff_then_fails_and_keeps_the_error(
    citizen: User, gateway: Gateway, django_capture_on_commit_callbacks: Any
) -> None:
    _in_app, sms = _send(citizen)
    gateway.answers = [(500, {}), (503, {}), (500, {})]
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notification_deliver(notification_id=str(sms.pk)) == "queued"
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == (Status.QUEUED, 1)
    assert sms.last_error == "SMS gateway answered HTTP 500"
    [retry] = _queued_tasks()
    assert retry.args_kwargs["args"] == [str(sms.pk)]
    assert before + timedelta(seconds=60) <= retry.run_after
    assert retry.run_after <= timezone.now() + timedelta(seconds=60)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.notification_deliver(notification_id=str(sms.pk)) == "queued"
    assert len(_queued_tasks()) == 2
    assert max(t.run_after for t in _queued_tasks()) >= before + timedelta(seconds=300)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.notification_deliver(notification_id=str(sms.pk)) == "failed"
    sms.refresh_from_db()
    assert (sms.status, sms.attempts, sms.sent_at) == (Status.FAILED, 3, None)
    assert sms.last_error == "SMS gateway answered HTTP 500"
    assert len(gateway.requests) == 3
    assert len(_queued_tasks()) == 2  # no fourth attempt


def test_http_sms_4xx_fails_at_once(citizen: User, gateway: Gateway) -> None:
    _in_app, sms = _send(citizen)
    gateway.answers = [(400, {"error": "bad number"})]
    assert services.notification_deliver(notification_id=str(sms.pk)) == "failed"
    sms.refresh_from_db()
    assert (sms.status, sms.attempts, sms.last_error) == (
        Status.FAILED,
        1,
        "SMS gateway answered HTTP 400",
    )
    assert _queued_tasks() == []


def test_unreachable_gateway_is_transient(citizen: User, settings: Any) -> None:
    settings.NOTIFY_SMS_BACKEND = "onestop.notify.channels.HttpSMSBackend"
    settings.NOTIFY_SMS_URL = "http://127.0.0.1:9/sms"  # discard port: nothing listens
    _in_app, sms = _send(citizen)
    assert services.notification_deliver(notification_id=str(sms.pk)) == "queued"
    sms.refresh_from_db()
    assert sms.last_error.startswith("SMS gateway unreachable:")


class _Broken:
    def send(self, notification: Notification) -> channels.DeliveryResult:
        raise RuntimeError("adapter bug")


def test_an_adapter_that_raises_keeps_the_notification(
    citizen: User, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.NOTIFY_SMS_BACKEND = "tests.notify.test_services._Broken"
    _in_app, sms = _send(citizen)
    with caplog.at_level(logging.ERROR, logger="onestop.notify.services"):
        assert services.notification_deliver(notification_id=str(sms.pk)) == "queued"
    sms.refresh_from_db()
    assert (sms.status, sms.attempts, sms.last_error) == (
        Status.QUEUED,
        1,
        "RuntimeError: adapter bug",
    )


def _failed(citizen: User, gateway: Gateway) -> Notification:
    _in_app, sms = _send(citizen)
    gateway.answers = [(400, {})]
    services.notification_deliver(notification_id=str(sms.pk))
    sms.refresh_from_db()
    return sms


def test_administrator_resends_a_failed_notification(
    citizen: User, administrator: User, gateway: Gateway, django_capture_on_commit_callbacks: Any
) -> None:
    sms = _failed(citizen, gateway)
    with django_capture_on_commit_callbacks(execute=True):
        services.notification_resend(actor=administrator, notification=sms)
    sms.refresh_from_db()
    assert (sms.status, sms.attempts, sms.last_error) == (
        Status.QUEUED,
        0,
        "SMS gateway answered HTTP 400",
    )
    [queued] = _queued_tasks()
    assert queued.args_kwargs["args"] == [str(sms.pk)]
    assert services.notification_deliver(notification_id=str(sms.pk)) == "sent"


def test_a_citizen_cannot_resend(citizen: User, gateway: Gateway) -> None:
    sms = _failed(citizen, gateway)
    with pytest.raises(PermissionDenied):
        services.notification_resend(actor=citizen, notification=sms)
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == (Status.FAILED, 1)
    assert _queued_tasks() == []


def test_only_failed_notifications_are_resent(citizen: User, administrator: User) -> None:
    in_app, _sms = _send(citizen)
    with pytest.raises(Conflict):
        services.notification_resend(actor=administrator, notification=in_app)
    in_app.refresh_from_db()
    assert in_app.status == Status.DELIVERED
    assert _queued_tasks() == []


def test_mark_read(citizen: User) -> None:
    in_app, _sms = _send(citizen)
    services.notification_mark_read(actor=citizen, notification=in_app)
    in_app.refresh_from_db()
    assert in_app.status == Status.READ
    first_read = in_app.read_at
    assert first_read is not None
    services.notification_mark_read(actor=citizen, notification=in_app)
    in_app.refresh_from_db()
    assert in_app.read_at == first_read


@pytest.mark.parametrize("whose", ["other", "sms"])
def test_nobody_else_marks_read(citizen: User, other: User, whose: str) -> None:
    in_app, sms = _send(citizen)
    actor, target = (other, in_app) if whose == "other" else (citizen, sms)
    with pytest.raises(NotFound):
        services.notification_mark_read(actor=actor, notification=target)
    target.refresh_from_db()
    assert target.read_at is None
    assert target.status != Status.READ


def test_a_concurrent_send_with_the_same_key_keeps_the_first(
    citizen: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = _send(citizen, dedupe_key="race")
    # There is no check before the insert (two calls checking at once would both pass it):
    # the unique constraint skips the second call's rows and it returns the winner's.
    with django_capture_on_commit_callbacks(execute=True):
        again = _send(citizen, dedupe_key="race")
    assert [n.pk for n in again] == [n.pk for n in first]
    assert Notification.objects.count() == 2
    assert len(_queued_tasks()) == 1


def test_context_keys_a_template_does_not_use_are_ignored(db: None) -> None:
    [sms] = services.notification_send(
        template="hotline.callback",
        context={"number": "371121-20261126-0003", "satisfied": False},
        recipient_phone="13700001234",
        channels=("sms",),
    )
    assert sms.body == (
        "我们已就您的诉求 371121-20261126-0003 进行回访，感谢您的评价。如您不满意，诉求已重新交办。"
    )
