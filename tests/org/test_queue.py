"""The walk-in queue of a service centre: numbers per centre and day from the one allocator,
safe under concurrent takes; the kiosk (no login); what a walk-in may come for, as `catalog`
offers it through `org.purposes`; who may call and serve (`org.policies`)."""

from __future__ import annotations

import datetime
import threading
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from onestop.accounts.models import StaffRole, User
from onestop.core.actors import SYSTEM
from onestop.core.errors import NotFound, ValidationFailed
from onestop.core.models import DayCounter
from onestop.core.permissions import Permission
from onestop.org import policies, purposes, selectors, services
from onestop.org.models import QueueTicket, ServiceCentre, Window
from tests.factories import OTHER_REGION, QueueTicketFactory, StaffFactory


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def centre(org: None) -> ServiceCentre:
    return ServiceCentre.objects.get(slug="wulian-centre")


def test_numbers_run_per_centre_and_day_from_the_one_allocator(centre: ServiceCentre) -> None:
    other = ServiceCentre.objects.exclude(pk=centre.pk).first()
    assert other is not None
    numbers = [QueueTicketFactory(centre=centre).number for _ in range(3)]
    assert numbers == ["A001", "A002", "A003"]
    assert QueueTicketFactory(centre=other).number == "A001"
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    assert QueueTicketFactory(centre=centre, day=tomorrow).number == "A001"
    counter = DayCounter.objects.get(
        series=services.ticket_series(centre), region=centre.region_id, day=timezone.localdate()
    )
    assert counter.last == 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_takes_get_distinct_numbers() -> None:
    """Kiosks taking at the same moment: the allocator's row lock gives every walk-in its own
    number, with no gap."""
    from onestop.org.seed import seed_org

    seed_org()

    seed_org(region=OTHER_REGION)
    kiosk = ServiceCentre.objects.get(slug="wulian-centre")
    results: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def take() -> None:
        try:
            barrier.wait()
            results.append(services.ticket_take(actor=AnonymousUser(), centre=kiosk).number)
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
    """A number the allocator did not give out (a row written otherwise, e.g. before the
    counter knew the day) makes the insert fail on the constraint; the take skips it."""
    first = QueueTicketFactory(centre=centre)
    QueueTicket.objects.create(centre=centre, day=first.day, seq=2, number="A002")
    assert QueueTicketFactory(centre=centre).number == "A003"


def test_nobody_takes_a_number_as_none(centre: ServiceCentre) -> None:
    with pytest.raises(Exception, match="may not take"):
        services.ticket_take(actor=None, centre=centre)
    assert not QueueTicket.objects.exists()


def test_kiosk_gives_a_number_without_login(centre: ServiceCentre) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = client.get(reverse("org:queue_take"), {"centre": centre.slug})
    assert page.status_code == 200
    assert reverse("org:queue_take") == "/queue/"  # the URL people know
    response = client.post(reverse("org:queue_take"), {"centre": centre.slug, "purpose": "other:"})
    assert response.status_code == 302  # POST/redirect/GET
    assert response["Location"].startswith("/queue/ticket/")
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b"A001" in page.content
    assert b"Other business" in page.content  # shown translated, not stored translated
    ticket = QueueTicket.objects.get()
    assert (ticket.purpose, ticket.purpose_ref) == ("", "")
    again = client.get(response["Location"])  # a reload takes no second number
    assert b"A001" in again.content
    assert QueueTicket.objects.count() == 1
    assert client.get(reverse("org:queue_ticket", args=["forged"])).status_code == 404
    for bad_purpose in ("item:nope", "", "scenario:"):
        bad = client.post(
            reverse("org:queue_take"), {"centre": centre.slug, "purpose": bad_purpose}
        )
        assert bad.status_code == 400
        assert b"Choose what you came for." in bad.content
    assert QueueTicket.objects.count() == 1
    no_centre = client.post(reverse("org:queue_take"), {"centre": "nowhere", "purpose": "other:"})
    assert no_centre.status_code == 400
    assert QueueTicket.objects.count() == 1


@pytest.mark.usefixtures("catalogue")
def test_the_kiosk_offers_the_catalogue_of_the_centres_region(centre: ServiceCentre) -> None:
    from onestop.catalog import selectors as catalog_selectors

    choices = purposes.purpose_choices(region=centre.region_id)
    kinds = [p.kind for p in choices]
    assert kinds == sorted(kinds, key=lambda k: k != purposes.SCENARIO)  # scenarios first
    item = catalog_selectors.item_list(region=centre.region_id).order_by("-popularity").first()
    assert item is not None
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(reverse("org:queue_take"), {"centre": centre.slug})
    html = page.content.decode()
    # The bundles, then the most frequent items first (not the whole catalogue), one per name.
    assert f'value="item:{item.code}"' in html
    assert html.count('name="purpose"') < 30
    items = [p for p in choices if p.kind == purposes.ITEM]
    assert len({p.name_zh for p in items}) == len(items)
    assert [p.popularity for p in items] == sorted((p.popularity for p in items), reverse=True)
    # Anything else by a search.
    rare = items[-1]
    found = Client(HTTP_ACCEPT_LANGUAGE="en").get(
        reverse("org:queue_take"), {"centre": centre.slug, "q": rare.name_zh[:4]}
    )
    assert f'value="{rare.ref}"' in found.content.decode()
    assert 'id="queue-length"' in html
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(
        reverse("org:queue_take"), {"centre": centre.slug, "purpose": f"item:{item.code}"}
    )
    assert response.status_code == 302
    ticket = QueueTicket.objects.get()
    assert ticket.purpose_ref == f"item:{item.code}"
    assert ticket.department_id == item.implementing_department_id
    assert item.name_en.encode() in client.get(response["Location"]).content
    # Another region's item is not handled here: refused, nothing taken.
    foreign = catalog_selectors.item_list(region="320707").first()
    assert foreign is not None
    with pytest.raises(ValidationFailed):
        QueueTicketFactory(centre=centre, purpose_ref=f"item:{foreign.code}")
    assert QueueTicket.objects.count() == 1


def test_without_a_registered_source_only_other_business_is_offered(
    centre: ServiceCentre, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(purposes, "_source", [])
    assert purposes.purpose_choices(region=centre.region_id) == []
    with pytest.raises(ValidationFailed):
        QueueTicketFactory(centre=centre, purpose_ref="item:anything")
    assert QueueTicketFactory(centre=centre).number == "A001"


def test_window_clerks_of_the_region_work_the_queue(
    centre: ServiceCentre, clerk_wulian: User, admin_ganyu: User
) -> None:
    ganyu_clerk = StaffFactory(
        actor=admin_ganyu,
        username="clerk-gy",
        roles=[(StaffRole.Role.WINDOW_CLERK, "320707", None)],
    )
    window = Window.objects.filter(centre=centre).first()
    assert window is not None
    ticket = QueueTicketFactory(centre=centre)
    for action in (Permission.QUEUE_VIEW, Permission.QUEUE_TICKET_CALL):
        assert policies.can(clerk_wulian, action, window)
        assert not policies.can(ganyu_clerk, action, window)
        assert not policies.can(SYSTEM, action, window)
        assert not policies.can(None, action, window)
    assert policies.can(clerk_wulian, Permission.QUEUE_TICKET_SERVE, ticket)
    assert not policies.can(ganyu_clerk, Permission.QUEUE_TICKET_SERVE, ticket)
    assert policies.can(AnonymousUser(), Permission.QUEUE_TICKET_TAKE, centre)
    assert not policies.can(None, Permission.QUEUE_TICKET_TAKE, centre)
    # Denied: not found, and nothing changed.
    with pytest.raises(NotFound):
        services.ticket_call_next(actor=ganyu_clerk, window=window)
    with pytest.raises(NotFound):
        services.ticket_serve(actor=ganyu_clerk, ticket_id=ticket.pk)
    with pytest.raises(NotFound):
        selectors.queue_waiting(actor=ganyu_clerk, centre=centre)
    ticket.refresh_from_db()
    assert ticket.status == QueueTicket.Status.WAITING


def test_a_ticket_goes_through_its_steps_once(centre: ServiceCentre, clerk_wulian: User) -> None:
    window = Window.objects.get(centre=centre, number="03")
    ticket = QueueTicketFactory(centre=centre)
    assert [t.pk for t in selectors.queue_waiting(actor=clerk_wulian, centre=centre)] == [ticket.pk]
    called = services.ticket_call_next(actor=clerk_wulian, window=window)
    assert called is not None
    assert (called.pk, called.status, called.window_id) == (ticket.pk, "called", window.pk)
    assert called.called_by == clerk_wulian
    assert list(selectors.queue_called(actor=clerk_wulian, window=window)) == [called]
    served = services.ticket_serve(actor=clerk_wulian, ticket_id=ticket.pk)
    assert served.status == QueueTicket.Status.SERVED
    with pytest.raises(ValidationFailed, match="already been served"):
        services.ticket_absent(actor=clerk_wulian, ticket_id=ticket.pk)
    # Serving again only adds the reference it lacked.
    again = services.ticket_serve(actor=clerk_wulian, ticket_id=ticket.pk, served_ref="case:x")
    assert (again.status, again.served_ref) == (QueueTicket.Status.SERVED, "case:x")
    assert again.served_at == served.served_at
    assert services.ticket_call_next(actor=clerk_wulian, window=window) is None


def test_the_ticket_page_says_how_many_wait_before(centre: ServiceCentre) -> None:
    QueueTicketFactory(centre=centre)
    QueueTicketFactory(centre=centre)
    third = QueueTicketFactory(centre=centre)
    assert selectors.tickets_ahead(ticket=third) == 2
    assert selectors.ticket_by_token(token=selectors.ticket_token(third)) == third
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(
        reverse("org:queue_ticket", args=[selectors.ticket_token(third)])
    )
    assert b"2 people are waiting before you." in page.content
    assert page["Cache-Control"] == "private, no-store"


def test_the_ticket_is_sent_by_sms_once_per_phone(centre: ServiceCentre) -> None:
    from onestop.notify.models import Notification

    ticket = QueueTicketFactory(centre=centre)
    token = selectors.ticket_token(ticket)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    url = reverse("org:queue_ticket_sms", args=[token])
    bad = client.post(url, {"phone": "not a phone"})
    assert bad.status_code == 400
    assert not Notification.objects.exists()
    for _attempt in range(2):
        response = client.post(url, {"phone": "13800138000", "kiosk": "1"})
        assert response.status_code == 302
        assert response["Location"].endswith("?kiosk=1")
    sms = Notification.objects.get()
    assert sms.channel == "sms"
    assert ticket.number in sms.body
    kiosk = client.get(response["Location"]).content.decode()
    assert "usa-header" not in kiosk  # kiosk mode: no site header
    assert 'id="ticket-bring"' in kiosk
    assert client.post(reverse("org:queue_ticket_sms", args=["forged"]), {}).status_code == 404


@pytest.mark.usefixtures("catalogue")
def test_a_bundles_ticket_says_the_papers_depend_on_the_situation(centre: ServiceCentre) -> None:
    """A bundle's "what to bring" lists the papers of all its items; which apply depends on the
    answers, and the ticket says so (an item's list is what that item needs)."""
    choices = purposes.purpose_choices(region=centre.region_id)
    bundle = next(p for p in choices if p.kind == purposes.SCENARIO)
    item = next(p for p in choices if p.kind == purposes.ITEM)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    shown = {}
    for purpose in (bundle, item):
        taken = client.post(
            reverse("org:queue_take"), {"centre": centre.slug, "purpose": purpose.ref}
        )
        assert taken.status_code == 302
        shown[purpose.kind] = client.get(taken["Location"]).content.decode()
    assert 'id="ticket-bring-depends"' in shown[purposes.SCENARIO]
    assert "depends on your situation" in shown[purposes.SCENARIO]
    assert 'id="ticket-bring-depends"' not in shown[purposes.ITEM]
