"""The walk-in queue: numbers per centre and day, safe under concurrent takes; the clerk's
console calls the next number to the window they sit at, or marks it absent."""

from __future__ import annotations

import datetime
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from onestop.accounts.models import User
from onestop.cases import selectors, services
from onestop.cases.models import QueueTicket
from onestop.org.models import ServiceCentre, Window
from tests.cases.factories_window import login, seed_org_and_accounts


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


def test_numbers_run_per_centre_and_day(centre: ServiceCentre) -> None:
    other = ServiceCentre.objects.exclude(pk=centre.pk).first()
    assert other is not None
    numbers = [services.ticket_take(centre=centre).number for _ in range(3)]
    assert numbers == ["A001", "A002", "A003"]
    assert services.ticket_take(centre=other).number == "A001"
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    assert services.ticket_take(centre=centre, day=tomorrow).number == "A001"


@pytest.mark.django_db(transaction=True)
def test_concurrent_takes_get_distinct_numbers() -> None:
    """Kiosks taking at the same moment: the unique constraint and the retry give every
    walk-in its own number, with no gap."""
    from onestop.org.seed import seed_org

    seed_org()
    kiosk = ServiceCentre.objects.get(slug="wulian-centre")
    results: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def take() -> None:
        try:
            barrier.wait()
            results.append(services.ticket_take(centre=kiosk).number)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=take) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(results) == [f"A{n:03d}" for n in range(1, 7)]


def test_a_taken_number_is_skipped_not_reused(centre: ServiceCentre) -> None:
    """A number taken between reading the last one and inserting (the race) makes the
    insert fail on the constraint; the take reads again and gets the next number."""
    first = services.ticket_take(centre=centre)
    # Another kiosk inserted seq 2 directly (as if concurrently): the next take skips it.
    QueueTicket.objects.create(centre=centre, day=first.day, seq=2, number="A002")
    assert services.ticket_take(centre=centre).number == "A003"


def test_kiosk_gives_a_number_without_login(centre: ServiceCentre) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = client.get(reverse("cases:queue_take"), {"centre": centre.slug})
    assert page.status_code == 200
    response = client.post(
        reverse("cases:queue_take"), {"centre": centre.slug, "purpose": "other:"}
    )
    assert response.status_code == 302  # POST/redirect/GET
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b"A001" in page.content
    assert b"Other business" in page.content  # shown translated, not stored translated
    assert QueueTicket.objects.get().purpose == ""
    again = client.get(response["Location"])  # a reload takes no second number
    assert b"A001" in again.content
    assert QueueTicket.objects.count() == 1
    assert client.get(reverse("cases:queue_ticket", args=["forged"])).status_code == 404
    bad = client.post(reverse("cases:queue_take"), {"centre": centre.slug, "purpose": "item:nope"})
    assert bad.status_code == 400
    assert b"Choose what you came for." in bad.content
    assert QueueTicket.objects.count() == 1


def test_clerk_sits_calls_and_marks_absent(centre: ServiceCentre, clerk_client: Client) -> None:
    seat = Window.objects.get(centre=centre, number="03")
    a1 = services.ticket_take(centre=centre)
    a2 = services.ticket_take(centre=centre)
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
    clerk_client.post(url, {"action": "absent", "ticket": a1.pk})
    a1.refresh_from_db()
    assert a1.status == QueueTicket.Status.ABSENT
    clerk_client.post(url, {"action": "call"})
    a2.refresh_from_db()
    assert a2.status == QueueTicket.Status.CALLED
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
    ticket = services.ticket_take(centre=centre)
    response = client.post(reverse("cases:window"), {"action": "absent", "ticket": ticket.pk})
    assert response.status_code == 404
    ticket.refresh_from_db()
    assert ticket.status == QueueTicket.Status.WAITING


def test_citizens_have_no_console(org: dict[str, Any]) -> None:
    response = login(org["citizen"]).get(reverse("cases:window"))
    assert response.status_code == 403
