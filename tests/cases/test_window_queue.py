"""The walk-in queue at the clerk's console: the clerk sits at a window, calls the next number
to it, marks it absent or served (through `org`'s queue services, the queue being the service
centre's; the kiosk and the numbers are tested in tests/org/test_queue.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from onestop.accounts.models import User
from onestop.cases import selectors
from onestop.org.models import QueueTicket, ServiceCentre, Window
from tests.cases.factories_window import login, seed_org_and_accounts
from tests.factories import QueueTicketFactory


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def org(db: Any) -> dict[str, User]:
    return seed_org_and_accounts()


@pytest.fixture
def centre(org: dict[str, User]) -> ServiceCentre:
    return ServiceCentre.objects.get(slug="wulian-centre")


@pytest.fixture
def clerk_client(org: dict[str, User]) -> Client:
    return login(org["clerk"])


def test_clerk_sits_calls_and_marks_absent(centre: ServiceCentre, clerk_client: Client) -> None:
    seat = Window.objects.get(centre=centre, number="03")
    a1 = QueueTicketFactory(centre=centre)
    a2 = QueueTicketFactory(centre=centre)
    url = reverse("cases:window")
    assert clerk_client.get(url).status_code == 200
    response = clerk_client.post(url, {"action": "call"})
    assert response.status_code == 400  # no window chosen yet
    assert b"Choose the window you sit at first." in response.content
    clerk_client.post(url, {"action": "sit", "window": seat.pk})
    clerk_client.post(url, {"action": "call"})
    a1.refresh_from_db()
    assert a1.status == QueueTicket.Status.CALLED
    assert a1.window == seat
    page = clerk_client.get(url)
    assert b'id="called"' in page.content
    assert b"A002" in page.content
    assert b"Other business" in page.content  # what they came for, shown translated
    clerk_client.post(url, {"action": "absent", "ticket": a1.pk})
    a1.refresh_from_db()
    assert a1.status == QueueTicket.Status.ABSENT
    clerk_client.post(url, {"action": "call"})
    a2.refresh_from_db()
    assert a2.status == QueueTicket.Status.CALLED
    response = clerk_client.post(url, {"action": "served", "ticket": a2.pk}, follow=True)
    assert b"A002 served." in response.content
    a2.refresh_from_db()
    assert a2.status == QueueTicket.Status.SERVED
    response = clerk_client.post(url, {"action": "call"}, follow=True)
    assert b"Nobody is waiting." in response.content


def test_a_clerk_of_another_region_cannot_sit_or_see_the_queue(
    centre: ServiceCentre, org: dict[str, Any]
) -> None:
    seat = Window.objects.get(centre=centre, number="01")
    client = login(org["clerk-gy"])
    response = client.post(reverse("cases:window"), {"action": "sit", "window": seat.pk})
    assert response.status_code == 404
    assert seat not in selectors.windows_for_clerk(actor=org["clerk-gy"])
    ticket = QueueTicketFactory(centre=centre)
    for action in ("absent", "served"):
        response = client.post(reverse("cases:window"), {"action": action, "ticket": ticket.pk})
        assert response.status_code == 404
    ticket.refresh_from_db()
    assert ticket.status == QueueTicket.Status.WAITING


def test_citizens_have_no_console(org: dict[str, Any]) -> None:
    response = login(org["citizen"]).get(reverse("cases:window"))
    assert response.status_code == 403
