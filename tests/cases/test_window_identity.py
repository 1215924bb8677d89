"""Identity at the window: a clerk who checked the ID card verifies the walk-in's account in
person (L3, recorded with the clerk and the centre), or hands an account someone else
registered with that ID number over to the holder of the card."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import translation

from onestop.accounts.models import AssuranceEvent, User
from onestop.notify.models import Notification
from onestop.org.models import ServiceCentre, Window
from onestop.sharing.models import AccessRecord
from tests.cases.factories_window import login, seed_org_and_accounts
from tests.factories import CitizenFactory

OWNER_ID = "371121199810090531"
NEW_PASSWORD = "a-new-password-for-the-owner"


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def world(db: Any) -> dict[str, User]:
    return seed_org_and_accounts()


@pytest.fixture
def centre(world: dict[str, User]) -> ServiceCentre:
    return ServiceCentre.objects.get(slug="wulian-centre")


@pytest.fixture
def clerk_client(world: dict[str, User], centre: ServiceCentre) -> Client:
    client = login(User.objects.get(username="clerk"))
    seat = Window.objects.get(centre=centre, number="03")
    client.post(reverse("cases:window"), {"action": "sit", "window": seat.pk})
    return client


def _look_up(client: Client, rid: str = OWNER_ID) -> str:
    response = client.post(reverse("cases:window"), {"action": "lookup", "resident_id": rid})
    assert response.status_code == 302
    return client.get(reverse("cases:window")).content.decode()


def test_the_console_offers_to_verify_an_unverified_account(clerk_client: Client) -> None:
    CitizenFactory(resident_id=OWNER_ID, level=1)

    html = _look_up(clerk_client)

    assert "Identity assurance level: Registered (password)" in html
    assert 'id="verify-form"' in html
    assert 'id="takeover-form"' in html


def test_a_clerk_verifies_the_walk_in_in_person(
    clerk_client: Client, centre: ServiceCentre
) -> None:
    user = CitizenFactory(resident_id=OWNER_ID, level=1)
    _look_up(clerk_client)

    refused = clerk_client.post(reverse("cases:window"), {"action": "verify"})
    assert refused.status_code == 400
    assert b"Confirm that you checked the ID card." in refused.content
    user.refresh_from_db()
    assert user.real_name_level == User.AssuranceLevel.L1

    response = clerk_client.post(reverse("cases:window"), {"action": "verify", "checked": "yes"})

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.real_name_level == User.AssuranceLevel.L3
    event = AssuranceEvent.objects.get(user=user)
    assert event.actor == User.objects.get(username="clerk")
    assert event.centre == centre
    assert event.method == AssuranceEvent.Method.WINDOW
    assert Notification.objects.filter(
        recipient=user, template="accounts.assurance_raised"
    ).exists()
    html = clerk_client.get(reverse("cases:window")).content.decode()
    assert "Identity assurance level: Verified in person" in html
    assert 'id="verify-form"' not in html


def test_verifying_needs_a_seat(world: dict[str, User]) -> None:
    user = CitizenFactory(resident_id=OWNER_ID, level=1)
    client = login(User.objects.get(username="clerk"))
    _look_up(client)

    response = client.post(reverse("cases:window"), {"action": "verify", "checked": "yes"})

    assert response.status_code == 400
    user.refresh_from_db()
    assert user.real_name_level == User.AssuranceLevel.L1
    assert not AssuranceEvent.objects.filter(user=user).exists()


def test_the_holder_of_the_id_card_takes_the_account_over(clerk_client: Client) -> None:
    squatter = CitizenFactory(resident_id=OWNER_ID, level=1, phone="13900000000")
    squatter_client = login(squatter)
    assert squatter_client.get(reverse("accounts:me")).status_code == 200
    sessions = Session.objects.count()
    _look_up(clerk_client)

    response = clerk_client.post(
        reverse("cases:window"),
        {
            "action": "takeover",
            "resident_id": OWNER_ID,
            "real_name": "周杰",
            "password": NEW_PASSWORD,
            "phone": "13811112222",
            "checked": "yes",
        },
    )

    assert response.status_code == 302
    account = User.objects.get(pk=squatter.pk)
    assert account.real_name == "周杰"
    assert account.phone == "13811112222"
    assert account.real_name_level == User.AssuranceLevel.L3
    assert account.check_password(NEW_PASSWORD)
    # The squatter's session has ended; the owner signs in with the new password.
    assert Session.objects.count() == sessions - 1
    assert squatter_client.get(reverse("accounts:me")).status_code == 302
    owner = Client()
    signed_in = owner.post(
        reverse("accounts:login"), {"username": account.username, "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 302
    assert owner.get(reverse("accounts:me")).status_code == 200
    event = AssuranceEvent.objects.get(user=account)
    assert (event.method, event.level_from, event.level_to) == ("takeover", 1, 3)
    assert event.actor == User.objects.get(username="clerk")
    assert Notification.objects.filter(
        recipient=account, template="accounts.account_taken_over"
    ).exists()
    assert AccessRecord.objects.filter(
        subject_index=account.resident_id_index, basis="account takeover by the verified owner"
    ).exists()


def test_a_takeover_with_another_id_number_changes_nothing(clerk_client: Client) -> None:
    squatter = CitizenFactory(resident_id=OWNER_ID, level=1)
    password = squatter.password
    _look_up(clerk_client)

    response = clerk_client.post(
        reverse("cases:window"),
        {
            "action": "takeover",
            "resident_id": "37112119930315123X",
            "real_name": "周杰",
            "password": NEW_PASSWORD,
            "checked": "yes",
        },
    )

    assert response.status_code == 400
    assert b"This is not the resident ID of the walk-in you looked up." in response.content
    squatter.refresh_from_db()
    assert squatter.password == password
    assert squatter.real_name_level == User.AssuranceLevel.L1
    assert not AssuranceEvent.objects.filter(user=squatter).exists()
