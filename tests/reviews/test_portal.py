"""The citizen's own 12345 request, rated on the portal once the department replies: in "my
space" for the account that filed it, through the tracking page's link for a request filed
without one; and the rating heard at the call-back, entered by the agent on the order page.
All through `reviews.services` (one review per event, versions)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from onestop.core.errors import NotFound
from onestop.hotline import services as hotline
from onestop.notify.models import Notification
from onestop.reviews import selectors, services
from onestop.reviews.models import Channel, Invitation, Rectification, Review
from tests.factories import login as client_for
from tests.hotline import conftest as hotline_world

world = hotline_world.world
make = hotline_world.make

PS = "371121-public-security"


def _portal(actor: Any, key: str = "k1") -> Any:
    return hotline.ticket_file(
        actor=actor,
        request_type="complaint",
        category="public-security.public-order",
        description="Karaoke next door every night until 1 a.m.",
        contact_phone="13600136000",
        idempotency_key=key,
    )


def _replied(order: Any, world: dict[str, Any]) -> Any:
    agent, ps = world["agent"], world["officer-ps"]
    order = hotline.ticket_dispatch(actor=agent, order=order, department=PS)
    order = hotline.ticket_sign_for(actor=ps, order=order)
    order = hotline.ticket_start(actor=ps, order=order)
    return hotline.ticket_reply(actor=ps, order=order, text="The owner was warned and fined.")


def test_an_anonymous_request_is_rated_from_its_tracking_page(world: Any) -> None:
    order = _portal(AnonymousUser())
    assert not Invitation.objects.exists()  # nothing to rate before the reply
    order = _replied(order, world)
    invitation = Invitation.objects.get(event_ref=order.number)
    assert (invitation.channel, invitation.reviewer, invitation.department_id) == (
        Channel.PORTAL,
        None,
        PS,
    )
    assert invitation.staff == world["officer-ps"]
    client = client_for(None)
    track = reverse("hotline_portal:track", args=[order.number])
    page = client.get(track + "?token=" + hotline.tracking_token(order)).content.decode()
    assert "The owner was warned and fined." in page
    link = services.rate_path(services.invitation_token(invitation))
    assert link.replace("&", "&amp;") in page or link in page
    rate = client.get(link)
    assert rate.status_code == 200
    sent = client.post(link, {"level": "2", "indicators": ["not_solved"], "idempotency_key": "r1"})
    assert sent.status_code == 302
    review = Review.objects.get()
    assert (review.channel, review.level, review.author, review.department_id) == (
        Channel.PORTAL,
        2,
        None,
        PS,
    )
    assert Rectification.objects.get().department_id == PS
    again = client.get(track + "?token=" + hotline.tracking_token(order)).content.decode()
    assert "Dissatisfied" in again


def test_a_signed_in_request_is_rated_in_my_space(world: Any) -> None:
    citizen = world["citizen"]
    order = _replied(_portal(citizen), world)
    invitation = Invitation.objects.get(event_ref=order.number)
    assert (invitation.channel, invitation.reviewer) == (Channel.ONLINE, citizen)
    assert Notification.objects.filter(template="reviews.invited", channel="in_app").exists()
    assert [s.invitation for s in selectors.my_invitations(actor=citizen)] == [invitation]
    client = client_for(citizen)
    page = client.get(reverse("hotline_portal:track", args=[order.number])).content.decode()
    assert reverse("reviews:my_review", args=[invitation.pk]) in page
    review = services.review_submit(actor=citizen, invitation=invitation, level=5)
    assert (review.author, review.channel) == (citizen, Channel.ONLINE)
    # Another account cannot rate it.
    with pytest.raises(NotFound):
        services.review_submit(actor=world["agent"], invitation=invitation, level=1)


def test_a_second_reply_invites_nobody_again_and_phone_orders_are_not_invited(
    make: Any, world: Any
) -> None:
    order = _replied(_portal(AnonymousUser()), world)
    order = hotline.ticket_callback(
        actor=world["agent"], order=order, satisfied=False, resolved=False
    )
    ps = world["officer-ps"]
    order = hotline.ticket_sign_for(actor=ps, order=order)
    order = hotline.ticket_start(actor=ps, order=order)
    hotline.ticket_reply(actor=ps, order=order, text="Checked again.")
    assert Invitation.objects.filter(event_ref=order.number).count() == 1
    phone = _replied(make(), world)
    assert not Invitation.objects.filter(event_ref=phone.number).exists()


def test_the_agent_enters_the_rating_heard_at_the_call_back(make: Any, world: Any) -> None:
    agent = world["agent"]
    order = _replied(make(), world)
    order = hotline.ticket_callback(actor=agent, order=order, satisfied=True, resolved=True)
    callback = Invitation.objects.get(event_ref=order.number, channel=Channel.CALLBACK)
    url = reverse("hotline:order", args=[order.number])
    client = client_for(agent)
    page = client.get(url).content.decode()
    assert 'id="callback-rate-form"' in page
    action = reverse("reviews:callback_rate", args=[callback.pk])
    # A bad level without a reason: refused, nothing recorded.
    refused = client.post(action, {"level": "1", "idempotency_key": "cb-1"}, follow=True)
    assert "choose at least one reason" in refused.content.decode()
    assert not Review.objects.exists()
    done = client.post(action, {"level": "4", "idempotency_key": "cb-2"})
    assert done["Location"].startswith(url)
    client.post(action, {"level": "4", "idempotency_key": "cb-2"})  # resubmitted: one review
    review = Review.objects.get()
    assert (review.channel, review.level, review.author) == (Channel.CALLBACK, 4, None)
    assert "Satisfied" in client.get(url).content.decode()
    # The department's officer neither sees the form nor may post it.
    officer = client_for(world["officer-ps"])
    assert 'id="callback-rate-form"' not in officer.get(url).content.decode()
    assert officer.post(action, {"level": "5", "idempotency_key": "cb-3"}).status_code == 404
    assert Review.objects.count() == 1


def test_a_portal_request_merged_into_another_is_invited_with_its_master(
    make: Any, world: Any
) -> None:
    mine = _portal(AnonymousUser())
    master = make()
    hotline.ticket_merge(actor=world["agent"], duplicate=mine, master=master)
    _replied(master, world)
    invitation = Invitation.objects.get(event_ref=mine.number)
    assert (invitation.channel, invitation.department_id) == (Channel.PORTAL, PS)
    assert not Invitation.objects.filter(event_ref=master.number).exists()  # taken by phone


def test_the_rating_is_taken_in_the_call_back_and_the_order_closes_after(
    make: Any, world: Any
) -> None:
    """Walk #15.2: one call-back form records the rating heard on the phone first, then
    closes the order; bad input there changes nothing (the order stays replied)."""
    agent = world["agent"]
    order = _replied(make(), world)
    url = reverse("hotline:order", args=[order.number])
    client = client_for(agent)
    page = client.get(url).content.decode()
    assert 'id="callback-rating-fields"' in page
    assert 'name="rating-level"' in page
    callback = reverse("hotline:action", args=[order.number, "callback"])
    base = {"satisfied": "yes", "resolved": "yes", "note": ""}
    # A bad level without a reason: refused, the order still replied, nothing recorded.
    refused = client.post(callback, {**base, "rating-level": "1"})
    assert refused.status_code == 400
    assert "choose at least one reason" in refused.content.decode()
    # A rating with "not satisfied (reopen)": refused as well.
    reopen = client.post(callback, {**base, "satisfied": "no", "rating-level": "4"})
    assert reopen.status_code == 400
    order.refresh_from_db()
    assert (order.status, Review.objects.count(), Invitation.objects.count()) == ("replied", 0, 0)

    done = client.post(
        callback,
        {**base, "rating-level": "2", "rating-indicators": ["not_solved"], "rating-text": "Slow"},
    )
    assert done.status_code == 302
    order.refresh_from_db()
    review = Review.objects.get()
    assert order.status == "closed"
    assert (review.channel, review.level, review.indicators, review.author) == (
        Channel.CALLBACK,
        2,
        ["not_solved"],
        None,
    )
    assert review.created_at <= order.closed_at  # recorded before the order closed
    assert Rectification.objects.get().department_id == PS
    # The SMS invitation still goes out on closing; the call-back's is the one rated.
    assert set(Invitation.objects.values_list("channel", flat=True)) == {
        Channel.CALLBACK,
        Channel.SMS,
    }
    assert 'id="callback-rating-current"' in client.get(url).content.decode()


def test_a_call_back_without_a_rating_closes_and_records_none(make: Any, world: Any) -> None:
    order = _replied(make(), world)
    client = client_for(world["agent"])
    callback = reverse("hotline:action", args=[order.number, "callback"])
    client.post(callback, {"satisfied": "yes", "resolved": "yes", "rating-level": ""})
    order.refresh_from_db()
    assert (order.status, Review.objects.count()) == ("closed", 0)


def test_my_space_says_the_agent_recorded_the_call_back_rating(world: Any) -> None:
    """Walk #15.1: the rating heard at the call-back is not "your rating" in my space."""
    citizen, agent = world["citizen"], world["agent"]
    order = _replied(_portal(citizen), world)
    online = Invitation.objects.get(event_ref=order.number, channel=Channel.ONLINE)
    hotline.ticket_callback(
        actor=agent, order=order, satisfied=True, resolved=True, rating={"level": "4"}
    )
    client = client_for(citizen)
    page = client.get(reverse("reviews:my_review", args=[online.pk])).content.decode()
    assert "Rating recorded at the 12345 call-back" in page
    assert 'id="rating-by-agent"' in page
    assert ">Your rating<" not in page
    listing = client.get(reverse("reviews:my_reviews")).content.decode()
    assert "recorded by the 12345 agent at the call-back" in listing
    track = client.get(reverse("hotline_portal:track", args=[order.number])).content.decode()
    assert 'id="track-rating-by-agent"' in track
    # Once the citizen rates it themselves, it is theirs again.
    services.review_submit(actor=citizen, invitation=online, level=5)
    page = client.get(reverse("reviews:my_review", args=[online.pk])).content.decode()
    assert 'id="rating-by-agent"' not in page
