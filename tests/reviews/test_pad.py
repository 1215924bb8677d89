"""一次一评 on the rating screen at the window: a clerk pairs a tablet with their window (signed
out on it); the screen shows the visit the window has just accepted and takes one rating of
it, without sign-in; a second rating of the same visit, another window's visit, a forged or
expired pairing are refused and write nothing; the screen's poll answers 204 while the visit
is the same."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from onestop.accounts.models import User
from onestop.catalog.models import Scenario
from onestop.core.errors import Conflict, NotFound, PermissionDenied
from onestop.reviews import services as reviews
from onestop.reviews.models import Invitation, Rectification, Review
from tests.factories import login
from tests.reviews.conftest import visit_at_window


@pytest.fixture
def visit(clerk: User, restaurant: Scenario) -> Invitation:
    # The acceptance made the receipt, and with it the visit's invitation (一次一评).
    return visit_at_window(clerk, "pad-1")


def _pair(clerk: User, visit: Invitation) -> str:
    """The clerk opens the pairing page and makes this device the rating screen."""
    client = login(clerk)
    page = client.get("/reviews/pad/pair/")
    assert page.status_code == 200
    assert "/reviews/pad/?token=" in page.content.decode()
    paired = client.post("/reviews/pad/pair/", {"window": str(visit.window_id)})
    assert paired.status_code == 302
    assert paired["Location"].startswith("/reviews/pad/?token=")
    # The tablet is signed out: nobody at the window uses the clerk's session.
    assert client.get("/reviews/pad/pair/").status_code == 302
    return paired["Location"]


def test_the_screen_takes_one_rating_of_the_visit(clerk: User, visit: Invitation) -> None:
    url = _pair(clerk, visit)
    screen = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = screen.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="invitation"' in html
    assert str(visit.pk) in html
    assert "Very dissatisfied" in html

    # The screen asks whether the visit changed: not yet.
    assert screen.get(f"{url}&since={visit.pk}").status_code == 204

    # A bad rating without a reason is refused with the error summary; nothing written.
    refused = screen.post(url, {"invitation": str(visit.pk), "level": "2", "idempotency_key": "k"})
    assert refused.status_code == 400
    assert "There is a problem" in refused.content.decode()
    assert not Review.objects.exists()

    form = {
        "invitation": str(visit.pk),
        "level": "2",
        "indicators": ["waited_long"],
        "idempotency_key": "pad-k1",
    }
    assert screen.post(url, form).status_code == 302
    assert screen.post(url, form).status_code == 302  # a double tap: one review
    review = Review.objects.get()
    assert (review.event_kind, review.channel, review.level) == ("visit", "window", 2)
    assert review.department_id == visit.department_id
    assert review.author is None
    # A bad visit rating opens a rectification for the department, like any bad review.
    assert Rectification.objects.get().review == review

    # The screen now waits for the next visit; the same visit is not rated twice here.
    after = screen.get(url).content.decode()
    assert "Thank you" in after
    assert 'id="rate-form"' not in after
    again = screen.post(url, {**form, "level": "5", "indicators": [], "idempotency_key": "k2"})
    assert again.status_code == 400
    assert "already been rated" in again.content.decode()
    assert Review.objects.count() == 1


def test_the_screen_rates_only_its_windows_current_visit(clerk: User, visit: Invitation) -> None:
    token = reviews.pad_token(actor=clerk, window=visit.window)
    with pytest.raises(Conflict):
        reviews.pad_review_submit(token=token, invitation_id="not-this-one", level=5)
    # An hour later the visit is no longer on the screen.
    Invitation.objects.filter(pk=visit.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=1)
    )
    with pytest.raises(Conflict):
        reviews.pad_review_submit(token=token, invitation_id=str(visit.pk), level=5)
    assert "pad-waiting" in Client().get(reviews.pad_path(token)).content.decode()
    assert not Review.objects.exists()


def test_forged_or_expired_pairing_and_strangers(
    clerk: User, visit: Invitation, citizen: User, settings: Any
) -> None:
    token = reviews.pad_token(actor=clerk, window=visit.window)
    forged = Client().get(reviews.pad_path(token[:-2] + "zz"))
    assert forged.status_code == 404
    assert (
        "not paired"
        in Client(HTTP_ACCEPT_LANGUAGE="en").get(reviews.pad_path("x")).content.decode()
    )
    settings.REVIEWS_PAD_HOURS = 0
    with pytest.raises(NotFound):
        reviews.pad_window_id(token)
    with pytest.raises(PermissionDenied):
        reviews.pad_token(actor=citizen, window=visit.window)
    assert login(citizen).get("/reviews/pad/pair/").status_code == 403
    assert login(citizen).post("/reviews/pad/pair/", {"window": "1"}).status_code == 403


def test_a_clerk_pairs_only_the_windows_of_their_centre(clerk: User, visit: Invitation) -> None:
    from onestop.org.models import Region, ServiceCentre, Window

    other_region, _ = Region.objects.get_or_create(
        code="320707", defaults={"level": "district", "name_zh": "赣榆区"}
    )
    centre = ServiceCentre.objects.create(
        slug="elsewhere-centre", region=other_region, name_zh="别处中心", address_zh="别处"
    )
    elsewhere = Window.objects.create(centre=centre, number="01", name_zh="一号窗口")
    with pytest.raises(PermissionDenied):
        reviews.pad_token(actor=clerk, window=elsewhere)
    client = login(clerk)
    page = client.get("/reviews/pad/pair/").content.decode()
    assert f'value="{elsewhere.pk}"' not in page
    assert client.post("/reviews/pad/pair/", {"window": str(elsewhere.pk)}).status_code == 404
    # The refused clerk is still signed in on the device (nothing was paired).
    assert client.get("/reviews/pad/pair/").status_code == 200
