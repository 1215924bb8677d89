"""notify pages: /me/notifications/ and marking a notification read."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from onestop.accounts.models import User
from onestop.notify import services
from onestop.notify.models import Notification
from tests.factories import login as _client

LIST = "/me/notifications/"


def _send(user: User, number: str) -> Notification:
    [n] = services.notification_send(
        template="hotline.received",
        context={"number": number},
        recipient_user=user,
        channels=("in_app",),
    )
    return n


def _read_url(n: Notification) -> str:
    return f"/me/notifications/{n.pk}/read/"


def test_urls() -> None:
    assert reverse("notify:notification_list") == LIST


def test_login_required(db: None) -> None:
    response = Client().get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_list_shows_own_notifications_newest_first_unread_highlighted(
    citizen: User, other: User, django_assert_max_num_queries: Any
) -> None:
    older = _send(citizen, "371121-20261126-0001")
    newer = _send(citizen, "371121-20261126-0002")
    _send(other, "371121-20261126-0099")
    services.notification_mark_read(actor=citizen, notification=older)
    client = _client(citizen)
    with django_assert_max_num_queries(8):
        response = client.get(LIST)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>My notifications</h1>" in page
    assert "You have 1 unread notification." in page
    assert page.index("371121-20261126-0002") < page.index("371121-20261126-0001")
    assert "371121-20261126-0099" not in page
    assert page.count('<span class="usa-tag">Unread</span>') == 1
    assert _read_url(newer) in page
    assert _read_url(older) not in page
    assert 'name="csrfmiddlewaretoken"' in page


def test_empty_list(citizen: User) -> None:
    response = _client(citizen).get(LIST)
    assert "You have no notifications yet." in response.content.decode()


def test_mark_read(citizen: User) -> None:
    n = _send(citizen, "A-1")
    response = _client(citizen).post(_read_url(n))
    assert (response.status_code, response["Location"]) == (302, LIST)
    n.refresh_from_db()
    assert n.status == Notification.Status.READ
    assert n.read_at is not None


def test_mark_read_needs_post(citizen: User) -> None:
    n = _send(citizen, "A-1")
    assert _client(citizen).get(_read_url(n)).status_code == 405
    n.refresh_from_db()
    assert n.status == Notification.Status.DELIVERED


def test_mark_read_needs_csrf(citizen: User) -> None:
    n = _send(citizen, "A-1")
    assert _client(citizen, enforce_csrf_checks=True).post(_read_url(n)).status_code == 403
    n.refresh_from_db()
    assert n.status == Notification.Status.DELIVERED


def test_another_user_cannot_mark_read(citizen: User, other: User) -> None:
    n = _send(citizen, "A-1")
    assert _client(other).post(_read_url(n)).status_code == 404
    n.refresh_from_db()
    assert (n.status, n.read_at) == (Notification.Status.DELIVERED, None)


def test_each_message_is_shown_in_the_language_of_the_page(citizen: User) -> None:
    """A message is stored as sent, in the recipient's language (Chinese: the account chose
    none), and rendered in the other language too: the page shows the one it is displayed in,
    marked with its language."""
    from onestop.notify.templates import Bilingual

    [n] = services.notification_send(
        template="case.decided",
        context={
            "number": "371121-20261207-00003",
            "item": Bilingual(zh="出生医学证明办理", en="Birth medical certificate"),
            "decision": Bilingual(zh="准予办理", en="approved"),
        },
        recipient_user=citizen,
        channels=("in_app",),
    )
    assert n.language == "zh-hans"
    assert n.subject == "办件已作出决定"
    assert n.body == "您的办件 371121-20261207-00003（出生医学证明办理）已作出决定：准予办理。"
    english = _client(citizen, language="en").get(LIST).content.decode()
    assert '<span lang="en">A decision on your application</span>' in english
    assert (
        '<p lang="en">A decision has been made on your application 371121-20261207-00003 '
        "(Birth medical certificate): approved.</p>"
    ) in english
    assert n.body not in english
    chinese = _client(citizen, language="zh-hans").get(LIST).content.decode()
    assert f'<p lang="zh-Hans">{n.body}</p>' in chinese
    assert "Birth medical certificate" not in chinese


def test_a_message_sent_before_both_languages_were_kept_shows_as_stored(citizen: User) -> None:
    """A row without the other language (sent before it was kept) is shown as it was sent,
    marked with the language it is in."""
    n = _send(citizen, "371121-20261126-0007")
    Notification.objects.filter(pk=n.pk).update(texts={})
    english = _client(citizen, language="en").get(LIST).content.decode()
    assert f'<p lang="zh-Hans">{n.body}</p>' in english
