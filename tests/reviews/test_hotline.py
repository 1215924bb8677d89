"""A closed 12345 work order invites its caller to rate the handling: by SMS link (the token
names that one order) and at the call-back (the agent takes the rating). The review is tied to
the lead department and the officer who replied."""

from __future__ import annotations

from typing import Any

import pytest

from onestop.core.errors import NotFound
from onestop.hotline import services as hotline
from onestop.notify.models import Notification
from onestop.reviews import services
from onestop.reviews.models import Channel, Invitation, Rectification, Review
from tests.hotline import conftest as hotline_world

# The hotline world's fixtures, offered here under their own names.
world = hotline_world.world
make = hotline_world.make

PS = "371121-public-security"


def _closed(make: Any, world: dict[str, Any]) -> Any:
    agent, ps = world["agent"], world["officer-ps"]
    order = make()
    order = hotline.ticket_dispatch(actor=agent, order=order, department=PS)
    order = hotline.ticket_sign_for(actor=ps, order=order)
    order = hotline.ticket_start(actor=ps, order=order)
    order = hotline.ticket_reply(actor=ps, order=order, text="We spoke to the owner.")
    return hotline.ticket_callback(actor=agent, order=order, satisfied=True, resolved=True)


def test_a_closed_order_is_rated_by_link_and_at_the_call_back(make: Any, world: Any) -> None:
    order = _closed(make, world)
    invitations = {i.channel: i for i in Invitation.objects.filter(event_ref=order.number)}
    assert set(invitations) == {Channel.SMS, Channel.CALLBACK}
    sms = invitations[Channel.SMS]
    assert (sms.department_id, sms.staff) == (PS, world["officer-ps"])
    assert sms.reviewer_index == order.contact_index
    # The SMS carries the link with the token; nothing else names the token.
    text = Notification.objects.get(template="reviews.invited", channel="sms").body
    token = services.invitation_token(sms)
    assert token in text

    review = services.review_submit(actor=None, token=token, level=2, indicators=["not_solved"])
    assert (review.channel, review.version, review.author) == (Channel.SMS, 1, None)
    assert Rectification.objects.get().department_id == PS
    for forged in (token[:-3] + "abc", "x", str(sms.pk)):
        with pytest.raises(NotFound):
            services.review_submit(actor=None, token=forged, level=5)

    # The agent records what the caller says at the call-back: a new version of the same event.
    callback = invitations[Channel.CALLBACK]
    with pytest.raises(NotFound):
        services.review_submit(actor=world["officer-ps"], invitation=callback, level=5)
    again = services.review_submit(actor=world["agent"], invitation=callback, level=5)
    assert (again.version, again.channel) == (2, Channel.CALLBACK)
    assert Review.objects.filter(event_ref=order.number, current=True).get() == again
    assert Rectification.objects.get().status == Rectification.Status.WITHDRAWN


def test_a_callback_token_is_not_a_link(make: Any, world: Any) -> None:
    order = _closed(make, world)
    callback = Invitation.objects.get(event_ref=order.number, channel=Channel.CALLBACK)
    with pytest.raises(NotFound):
        services.review_submit(actor=None, token=services.invitation_token(callback), level=5)
    assert not Review.objects.exists()


def test_the_english_console_names_the_category_in_english(make: Any, world: Any) -> None:
    from django.utils import translation

    from tests.factories import login

    order = _closed(make, world)
    sms = Invitation.objects.get(event_ref=order.number, channel=Channel.SMS)
    assert sms.title == order.category.name_zh
    assert sms.title_en == order.category.name_en
    assert order.category.name_en
    assert order.category.name_en != order.category.name_zh
    services.review_submit(
        actor=None, token=services.invitation_token(sms), level=2, indicators=["not_solved"]
    )
    english = login(world["officer-ps"], language="en").get("/reviews/console/")
    assert english.status_code == 200
    body = english.content.decode()
    assert order.category.name_en in body
    assert order.category.name_zh not in body
    chinese = login(world["officer-ps"], language="zh-hans").get("/reviews/console/")
    assert order.category.name_zh in chinese.content.decode()
    with translation.override("en"):
        assert sms.shown_title == order.category.name_en
    with translation.override("zh-hans"):
        assert sms.shown_title == order.category.name_zh
