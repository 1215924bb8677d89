"""notify, operated: stale notifications re-queued by the sweeper, one task claims a message,
the log adapters refused in production, and resending scoped to the administrator's region
(service and Django admin alike, views of a notification recorded)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from onestop.accounts.models import User
from onestop.core.errors import PermissionDenied
from onestop.notify import checks, services, tasks
from onestop.notify.models import Notification
from tests.factories import AdministratorFactory
from tests.notify.conftest import PASSWORD, Gateway

pytestmark = pytest.mark.usefixtures("english")

Status = Notification.Status
CONTEXT = {"number": "371121-20261126-0001"}


def _sms(citizen: User) -> Notification:
    [sms] = services.notification_send(
        template="hotline.received", context=CONTEXT, recipient_user=citizen, channels=("sms",)
    )
    return sms


def _deliver_tasks() -> int:
    return DBTaskResult.objects.filter(task_path=tasks.deliver.module_path).count()


def _age(notification: Notification, seconds: int) -> None:
    Notification.objects.filter(pk=notification.pk).update(
        status_at=timezone.now() - timedelta(seconds=seconds)
    )


def test_a_notification_whose_task_was_lost_is_queued_again(
    citizen: User, django_capture_on_commit_callbacks: Any
) -> None:
    sms = _sms(citizen)  # its task never enqueued: the commit callback did not run (a crash)
    _age(sms, services.stale_seconds() + 1)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.notifications_requeue_stale() == 1

    sms.refresh_from_db()
    assert sms.status == Status.QUEUED
    assert sms.status_at is not None
    assert timezone.now() - sms.status_at < timedelta(minutes=1)
    assert _deliver_tasks() == 1
    assert services.notification_deliver(notification_id=str(sms.pk)) == "sent"


def test_a_notification_left_sending_by_a_killed_worker_is_queued_again(
    citizen: User, django_capture_on_commit_callbacks: Any
) -> None:
    sms = _sms(citizen)
    Notification.objects.filter(pk=sms.pk).update(status=Status.SENDING, attempts=1)
    _age(sms, services.stale_seconds() + 1)

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.requeue_stale.call() == 1

    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == (Status.QUEUED, 1)
    assert _deliver_tasks() == 1


def test_recent_and_finished_notifications_are_left_alone(citizen: User) -> None:
    recent = _sms(citizen)
    _age(recent, 60)  # within its back-off
    done = _sms(citizen)
    services.notification_deliver(notification_id=str(done.pk))
    _age(done, services.stale_seconds() + 1)

    assert services.notifications_requeue_stale() == 0

    recent.refresh_from_db()
    done.refresh_from_db()
    assert (recent.status, done.status) == (Status.QUEUED, Status.SENT)


def test_a_second_task_for_a_notification_being_sent_sends_nothing(
    citizen: User, gateway: Gateway
) -> None:
    sms = _sms(citizen)
    Notification.objects.filter(pk=sms.pk).update(status=Status.SENDING, attempts=1)

    assert services.notification_deliver(notification_id=str(sms.pk)) == "sending"

    assert gateway.requests == []


def test_the_stale_timeout_outlasts_the_back_off(settings: Any) -> None:
    settings.NOTIFY_STALE_SECONDS = 10
    assert services.stale_seconds() > max(services.BACKOFF_SECONDS)


# --- production mode: no log adapters ----------------------------------------------------------


def test_production_refuses_the_log_adapters(settings: Any) -> None:
    settings.ONESTOP_ENV = "production"

    ids = sorted(m.id for m in checks.real_channels())

    assert ids == ["onestop.E121", "onestop.E123"]


def test_production_accepts_real_channels_and_wants_https(settings: Any) -> None:
    settings.ONESTOP_ENV = "production"
    settings.NOTIFY_SMS_BACKEND = checks.HTTP_SMS
    settings.NOTIFY_EMAIL_BACKEND = "onestop.notify.channels.DjangoEmailBackend"
    settings.NOTIFY_SMS_URL = "http://sms.example.gov.cn/send"
    assert [m.id for m in checks.real_channels()] == ["onestop.E122"]

    settings.NOTIFY_SMS_URL = "https://sms.example.gov.cn/send"
    assert checks.real_channels() == []


def test_development_mode_keeps_the_log_adapters(settings: Any) -> None:
    settings.ONESTOP_ENV = "development"
    assert checks.real_channels() == []


# --- resending: the administrator's own region only ----------------------------------------------


@pytest.fixture
def other_administrator(org: None) -> User:
    return AdministratorFactory(
        username="admin-gy", password=PASSWORD, real_name="吴涛", region_code="320707"
    )


def _failed(citizen: User, gateway: Gateway) -> Notification:
    sms = _sms(citizen)
    gateway.answers = [(400, {})]
    services.notification_deliver(notification_id=str(sms.pk))
    sms.refresh_from_db()
    assert sms.status == Status.FAILED
    return sms


def test_an_administrator_of_another_region_may_not_resend(
    citizen: User, other_administrator: User, administrator: User, gateway: Gateway
) -> None:
    sms = _failed(citizen, gateway)

    with pytest.raises(PermissionDenied):
        services.notification_resend(actor=other_administrator, notification=sms)

    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == (Status.FAILED, 1)
    assert _deliver_tasks() == 0
    services.notification_resend(actor=administrator, notification=sms)  # their own: yes
    sms.refresh_from_db()
    assert sms.status == Status.QUEUED


def test_the_recipients_region_decides(
    citizen: User, other_administrator: User, administrator: User, gateway: Gateway
) -> None:
    from onestop.org.models import Region

    User.objects.filter(pk=citizen.pk).update(region=Region.objects.get(code="320707"))
    citizen.refresh_from_db()
    sms = _failed(citizen, gateway)

    with pytest.raises(PermissionDenied):
        services.notification_resend(actor=administrator, notification=sms)
    services.notification_resend(actor=other_administrator, notification=sms)
    sms.refresh_from_db()
    assert sms.status == Status.QUEUED


def _admin_client(user: User) -> Client:
    """`user` signed in with the Django permissions a node operator grants administrators
    (a group in the admin): viewing and changing notifications."""
    from django.contrib.auth.models import Permission

    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="notify",
            codename__in=["view_notification", "change_notification"],
        )
    )
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_the_admin_lists_and_opens_only_the_administrators_regions_notifications(
    citizen: User, other_administrator: User, administrator: User
) -> None:
    from onestop.sharing.models import AccessRecord

    sms = _sms(citizen)
    url = f"/admin/notify/notification/{sms.pk}/change/"

    theirs = _admin_client(other_administrator)
    listing = theirs.get("/admin/notify/notification/")
    assert listing.status_code == 200
    assert str(sms.pk) not in listing.content.decode()
    assert theirs.get(url).status_code in (302, 404)  # "does not exist" in the admin
    assert AccessRecord.objects.count() == 0

    ours = _admin_client(administrator)
    assert str(sms.pk) in ours.get("/admin/notify/notification/").content.decode()
    assert ours.get(url).status_code == 200
    [record] = AccessRecord.objects.all()
    assert record.dataset == "notify.notification"
    assert record.subject_index == citizen.resident_id_index
