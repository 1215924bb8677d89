"""The citizen's own 12345 on the portal: filing signed in or not through the hotline's one
intake (channel ``portal``, routed by the worker), the photo checked by its content, the
idempotent resubmission, the anonymous rate limit, the tracking page (its signed code, or the
account that filed it), "my space", and the refusals that change nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from onestop.core.actors import SYSTEM
from onestop.core.errors import NotFound, PermissionDenied, ValidationFailed
from onestop.hotline import selectors, services
from onestop.hotline.models import Attachment, WorkOrder
from tests.factories import login as client_for

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PDF = b"%PDF-1.7\n" + b"0" * 32


def _file(actor: Any, **overrides: Any) -> WorkOrder:
    values: dict[str, Any] = {
        "actor": actor,
        "request_type": "complaint",
        "category": "public-security.public-order",
        "description": "The barbecue stall on Hongning Road is noisy until 2 a.m.",
        "contact_phone": "13900139000",
        "contact_name": "Wang",
        "address": "Hongning Road 8",
        "latitude": "35.75",
        "longitude": "119.2",
        "idempotency_key": "portal-key-1",
    }
    values.update(overrides)
    return services.ticket_file(**values)


@pytest.fixture
def anonymous() -> Any:
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


def test_an_anonymous_citizen_files_through_the_one_intake(world: Any, anonymous: Any) -> None:
    order = _file(anonymous, photo=("stall.png", PNG))
    assert (order.channel, order.status, order.created_by_id) == ("portal", "new", None)
    assert order.number.startswith("371121-")
    assert order.contact_phone_masked == "139****9000"
    create = order.events.get(kind="create")
    # Routed by the worker like an Open311 request; the receipt SMS is a task row too.
    assert create.data == {"channel": "portal", "category": order.category_id, "route": True}
    assert DBTaskResult.objects.filter(args_kwargs__args__0=order.pk).count() == 2
    photo = Attachment.objects.get(order=order)
    assert (photo.content_type, photo.uploaded_by) == ("image/png", None)
    # The tracking code opens this order and no other.
    token = services.tracking_token(order)
    assert selectors.ticket_track(actor=anonymous, number=order.number, token=token) == order
    for wrong in ("", token[:-2] + "xx", services.tracking_token(WorkOrder(number="x"))):
        with pytest.raises(NotFound):
            selectors.ticket_track(actor=anonymous, number=order.number, token=wrong)


def test_a_resubmission_returns_the_first_order_and_attaches_nothing_again(
    world: Any, anonymous: Any
) -> None:
    first = _file(anonymous, photo=("stall.png", PNG))
    again = _file(anonymous, photo=("stall.png", PNG))
    assert again.pk == first.pk
    assert getattr(again, "replayed", False)
    assert WorkOrder.objects.count() == 1
    assert Attachment.objects.count() == 1
    with pytest.raises(ValidationFailed) as refused:
        _file(anonymous, description="Something else entirely.")
    assert refused.value.code == "idempotency_key_reused"
    assert WorkOrder.objects.count() == 1


def test_a_signed_in_citizen_finds_it_in_my_space(world: Any) -> None:
    citizen = world["citizen"]
    order = _file(citizen)
    assert order.created_by == citizen
    assert list(selectors.my_orders(actor=citizen)) == [order]
    assert selectors.ticket_track(actor=citizen, number=order.number) == order
    # Somebody else, signed in or hotline staff, does not find it on the citizen's side.
    for other in (world["agent"], world["officer-ps"]):
        assert list(selectors.my_orders(actor=other)) == []
        with pytest.raises(NotFound):
            selectors.ticket_track(actor=other, number=order.number)


def test_an_order_taken_by_phone_has_no_tracking_page(
    make: Any, world: Any, anonymous: Any
) -> None:
    order = make()
    with pytest.raises(NotFound):
        selectors.ticket_track(
            actor=anonymous, number=order.number, token=services.tracking_token(order)
        )


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"request_type": "report"}, "invalid_request_type"),
        ({"request_type": "praise"}, "invalid_request_type"),
        ({"category": "public-security"}, "unknown_category"),  # a level-1 heading
        ({"category": "nope.nope"}, "unknown_category"),
        ({"description": "  "}, "invalid_text"),
        ({"contact_phone": "call me"}, "invalid_phone"),
        ({"latitude": "95"}, "invalid_location"),
        ({"photo": ("stall.png", b"just text, not a picture")}, "file_type"),
        ({"photo": ("scan.pdf", PDF)}, "file_type"),  # a document is not a photo
        ({"photo": ("stall.jpg", PNG)}, "file_type"),  # the name must match the content
        ({"photo": ("stall.png", b"")}, "file_empty"),
    ],
)
def test_bad_input_changes_nothing(
    world: Any, anonymous: Any, overrides: dict[str, Any], code: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        _file(anonymous, **overrides)
    assert refused.value.code == code
    assert not WorkOrder.objects.exists()
    assert not Attachment.objects.exists()


def test_the_node_itself_and_deactivated_accounts_file_nothing(world: Any) -> None:
    citizen = world["citizen"]
    citizen.is_active = False
    for actor in (SYSTEM, None, citizen):
        with pytest.raises(PermissionDenied):
            _file(actor)
    assert not WorkOrder.objects.exists()


# --- the pages ------------------------------------------------------------------------------


def _post(client: Any, **overrides: Any) -> Any:
    data: dict[str, Any] = {
        "request_type": "assistance",
        "category": "public-security.public-order",
        "description": "A tree fell across the lane behind the school.",
        "township": "",
        "address": "Behind No. 1 Middle School",
        "latitude": "35.76",
        "longitude": "119.21",
        "contact_name": "",
        "contact_phone": "13700137000",
        "idempotency_key": "page-key-1",
    }
    data.update(overrides)
    return client.post(reverse("hotline_portal:file"), data)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_form_draws_the_region_and_asks_for_the_location(world: Any, language: str) -> None:
    page = client_for(None, language=language).get(reverse("hotline_portal:file"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="region-map"' in html
    assert 'data-south="35.5"' in html
    assert "geolocation=(self)" in page["Permissions-Policy"]
    assert "http://" not in html.split('id="region-map"')[1].split("</svg>")[0]
    # Only the four kinds a citizen files.
    assert 'value="report"' not in html
    assert 'value="suggestion"' in html


def test_filing_without_an_account_leads_to_the_tracking_page(world: Any) -> None:
    client = client_for(None)
    sent = _post(client, photo=SimpleUploadedFile("tree.png", PNG, content_type="image/png"))
    assert sent.status_code == 302
    order = WorkOrder.objects.get()
    assert order.attachments.count() == 1
    token = services.tracking_token(order)
    assert sent["Location"].endswith(f"/12345/track/{order.number}/?token={token}")
    page = client.get(sent["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    assert order.number in html
    assert token in html
    assert "Request received" in html
    # A resubmitted form makes nothing new and leads to the same page.
    assert _post(client)["Location"] == sent["Location"]
    assert WorkOrder.objects.count() == 1
    # Without the code, or with another, the page is not found.
    url = reverse("hotline_portal:track", args=[order.number])
    assert client.get(url).status_code == 404
    assert client.get(url + "?token=abc").status_code == 404


def test_a_bad_form_says_why_and_changes_nothing(world: Any) -> None:
    page = _post(
        client_for(None),
        description="",
        contact_phone="x",
        photo=SimpleUploadedFile("tree.png", b"not a png", content_type="image/png"),
    )
    assert page.status_code == 400
    html = page.content.decode()
    assert "data-error-summary" in html
    assert "Describe your request." in html
    assert not WorkOrder.objects.exists()
    page = _post(
        client_for(None), photo=SimpleUploadedFile("tree.png", b"not a png", content_type="x")
    )
    assert page.status_code == 400
    assert "PNG or JPEG" in page.content.decode()
    assert not WorkOrder.objects.exists()


def test_anonymous_filing_is_rate_limited_signed_in_is_not(world: Any, settings: Any) -> None:
    from django.core.cache import cache

    cache.clear()
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "hotline_file": "2/m"}
    client = client_for(None)
    for n in range(2):
        assert _post(client, idempotency_key=f"rl-{n}").status_code == 302
    refused = _post(client, idempotency_key="rl-3")
    assert refused.status_code == 429
    assert refused["Retry-After"]
    assert WorkOrder.objects.count() == 2
    citizen = client_for(world["citizen"])
    for n in range(3):
        assert _post(citizen, idempotency_key=f"rl-c-{n}").status_code == 302
    cache.clear()


def test_my_space_lists_what_i_filed_signed_in(world: Any) -> None:
    citizen = client_for(world["citizen"])
    sent = _post(citizen)
    order = WorkOrder.objects.get()
    # The owner needs no code.
    assert sent["Location"].endswith(f"/12345/track/{order.number}/")
    assert citizen.get(sent["Location"]).status_code == 200
    mine = citizen.get(reverse("hotline_portal:mine")).content.decode()
    assert order.number in mine
    assert reverse("hotline_portal:mine") in citizen.get("/accounts/me/").content.decode()
    # Another citizen's space does not show it, and its page is not theirs.
    other = client_for(world["agent"])
    assert order.number not in other.get(reverse("hotline_portal:mine")).content.decode()
    assert other.get(sent["Location"]).status_code == 404
    assert client_for(None).get(reverse("hotline_portal:mine")).status_code == 302


def test_a_helper_files_for_the_person_under_a_hotline_delegation(world: Any) -> None:
    """帮办代办 on the 12345 portal: under a delegation naming ``hotline`` the helper files the
    request as the person's (theirs in my space, the helper recorded as agent on the order and
    its create event); under one without it, or revoked, the helper cannot file for them."""
    import datetime

    from django.utils import timezone

    from onestop.accounts import selectors as account_selectors
    from onestop.accounts import services as account_services
    from onestop.core import crypto
    from onestop.hotline.models import WorkOrderEvent
    from tests.factories import CitizenFactory, resident_id

    person = CitizenFactory(username="grandma", real_name="李桂兰", resident_id=resident_id())
    helper = CitizenFactory(username="grandson", real_name="李明", resident_id=resident_id())
    helper_id = crypto.decrypt_pii(helper.resident_id_enc)

    def grant(scopes: list[str]) -> Any:
        return account_services.delegation_grant(
            actor=person,
            helper_resident_id=helper_id,
            helper_name="李明",
            scopes=scopes,
            valid_until=timezone.localdate() + datetime.timedelta(days=30),
        )

    cases_only = grant(["cases"])
    acting = account_selectors.acting_as(actor=helper, delegation_id=cases_only.pk)
    with pytest.raises(PermissionDenied):
        _file(acting, idempotency_key="acting-out-of-scope")
    assert not WorkOrder.objects.exists()

    covered = grant(["hotline"])
    acting = account_selectors.acting_as(actor=helper, delegation_id=covered.pk)
    order = _file(acting, idempotency_key="acting-covered")
    assert (order.created_by_id, order.agent_id) == (person.pk, helper.pk)
    created = WorkOrderEvent.objects.get(order=order, kind="create")
    assert created.data["agent"] == helper.pk
    # the person's own request: theirs in my space and on the tracking page, which names
    # the helper to them
    assert list(selectors.my_orders(actor=person)) == [order]
    own = client_for(person)
    page = own.get(reverse("hotline_portal:track", args=[order.number]))
    assert page.status_code == 200
    assert "Filed for you by your helper 李明" in page.content.decode()
    # the helper acting under the covering delegation follows it too; on their own, not
    assert selectors.ticket_track(actor=acting, number=order.number).pk == order.pk
    with pytest.raises(NotFound):
        selectors.ticket_track(actor=helper, number=order.number)

    # through the page: the switch, the form, the request filed for the person
    browser = client_for(helper)
    browser.post("/accounts/acting/", {"delegation": str(covered.pk)})
    form = browser.get("/12345/").content.decode()
    assert 'id="portal-form"' in form
    assert 'id="portal-acting"' not in form
    assert 'id="portal-filing-for"' in form
    sent = browser.post(
        "/12345/",
        {
            "request_type": "consultation",
            "category": "public-security.public-order",
            "description": "Who do we ask about the noise at night?",
            "contact_phone": "13600136000",
            "idempotency_key": "acting-page",
        },
    )
    assert sent.status_code == 302, sent.content.decode()[:400]
    filed = WorkOrder.objects.exclude(pk=order.pk).get()
    assert (filed.created_by_id, filed.agent_id) == (person.pk, helper.pk)

    # revoked: the helper can no longer act for the person; the page is their own again
    account_services.delegation_revoke(actor=person, delegation=covered)
    with pytest.raises((PermissionDenied, NotFound)):
        account_selectors.acting_as(actor=helper, delegation_id=covered.pk)
    again = browser.get("/12345/")
    assert again.context["request"].user.pk == helper.pk
    assert 'id="portal-filing-for"' not in again.content.decode()
    assert WorkOrder.objects.count() == 2
