"""notify selectors: a person sees their own in-app notifications only."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from onestop.accounts.models import User
from onestop.core.errors import NotFound
from onestop.notify import selectors, services
from onestop.notify.models import Notification

# These tests match the English msgids of the domain errors.
pytestmark = pytest.mark.usefixtures("english")


def _send(user: User, number: str, **kwargs: Any) -> list[Notification]:
    return services.notification_send(
        template="hotline.received", context={"number": number}, recipient_user=user, **kwargs
    )


def test_list_is_the_actors_in_app_notifications_newest_first(
    citizen: User, other: User, django_assert_num_queries: Any
) -> None:
    [first, _sms] = _send(citizen, "A-1")
    [second] = _send(citizen, "A-2", channels=("in_app",))
    _send(other, "B-1")
    with django_assert_num_queries(1):
        mine = list(selectors.notification_list(actor=citizen))
    assert [n.pk for n in mine] == [second.pk, first.pk]
    assert [n.pk for n in selectors.notification_list(actor=other)] == [
        Notification.objects.get(recipient=other, channel="in_app").pk
    ]


def test_anonymous_sees_nothing(citizen: User) -> None:
    _send(citizen, "A-1")
    assert list(selectors.notification_list(actor=AnonymousUser())) == []
    assert selectors.notification_unread_count(actor=AnonymousUser()) == 0


def test_unread_count(citizen: User) -> None:
    [first, _sms] = _send(citizen, "A-1")
    _send(citizen, "A-2", channels=("in_app",))
    assert selectors.notification_unread_count(actor=citizen) == 2
    services.notification_mark_read(actor=citizen, notification=first)
    assert selectors.notification_unread_count(actor=citizen) == 1


def test_get_own(citizen: User) -> None:
    [in_app, _sms] = _send(citizen, "A-1")
    assert selectors.notification_get(actor=citizen, notification_id=in_app.pk) == in_app


@pytest.mark.parametrize("case", ["other_user", "sms", "bad_id", "unknown"])
def test_get_anything_else_is_not_found(citizen: User, other: User, case: str) -> None:
    [in_app, sms] = _send(citizen, "A-1")
    actor, target = {
        "other_user": (other, in_app.pk),
        "sms": (citizen, sms.pk),
        "bad_id": (citizen, "not-a-uuid"),
        "unknown": (citizen, "00000000-0000-4000-8000-000000000000"),
    }[case]
    with pytest.raises(NotFound) as e:
        selectors.notification_get(actor=actor, notification_id=target)
    assert str(e.value.message) == "There is no such notification."
