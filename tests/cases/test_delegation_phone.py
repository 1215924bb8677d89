"""Assisted handling recorded at a centre: the helper at the window finds the person by phone
number (a blind index, the look-up recorded) or resident ID, records the person's consent
(scope, expiry); it shows in both people's "my account" and the person revokes it. A shared,
unknown or malformed phone number finds nobody and records no delegation."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone, translation

from onestop.accounts import selectors as accounts_selectors
from onestop.accounts import services as accounts_services
from onestop.accounts.models import Delegation, User
from onestop.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from onestop.org import selectors as org_selectors
from onestop.sharing.models import AccessRecord
from tests.factories import CitizenFactory, login, resident_id

PHONE = "13700001111"


@pytest.fixture
def grandma(cases_world: dict[str, User]) -> User:
    return CitizenFactory(
        username="grandma", real_name="王秀英", resident_id=resident_id(), phone=PHONE
    )


def until(days: int = 30) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def record(clerk: User, **kw: Any) -> Delegation:
    centre = org_selectors.centre_list(region="371121").first()
    assert centre is not None
    return accounts_services.delegation_record(
        actor=clerk,
        centre=centre,
        scopes=kw.pop("scopes", ["cases"]),
        valid_until=kw.pop("valid_until", until(30)),
        consent_note=kw.pop("consent_note", "In person, ID card checked"),
        **kw,
    )


def test_the_centres_helper_finds_the_person_by_phone_and_records_the_consent(
    clerk: User, grandma: User
) -> None:
    assert grandma.phone_index == accounts_services.phone_index(PHONE)
    assert grandma.phone_index != grandma.resident_id_index
    delegation = record(clerk, person_phone=" 137-0000-1111 ", scopes=["cases", "reviews"])
    assert delegation.principal_id == grandma.pk
    assert delegation.delegate_id == clerk.pk  # the centre's helper themself
    assert (delegation.scopes, delegation.valid_until) == (["cases", "reviews"], until(30))
    # the look-up is an access to the person's data, in her data tracker
    looked_up = AccessRecord.objects.get(
        actor=clerk, dataset="accounts.profile", subject_index=grandma.resident_id_index
    )
    assert looked_up.basis == "staff look-up by phone number"
    # in both people's my space; the person revokes it
    assert [d.pk for d in accounts_selectors.delegations_given(actor=grandma)] == [delegation.pk]
    held = accounts_selectors.delegations_held(actor=clerk, valid_only=True)
    assert delegation.pk in [d.pk for d in held]
    with translation.override("en"):
        mine = login(grandma).get("/accounts/me/", HTTP_ACCEPT_LANGUAGE="en")
        theirs = login(clerk).get("/accounts/me/", HTTP_ACCEPT_LANGUAGE="en")
    assert delegation.delegate_name in mine.content.decode()
    assert "王秀英" in theirs.content.decode()
    accounts_services.delegation_revoke(actor=grandma, delegation=delegation)
    assert not accounts_selectors.delegations_held(actor=clerk, valid_only=True)


def test_a_shared_unknown_or_bad_phone_finds_nobody_and_records_nothing(
    clerk: User, grandma: User
) -> None:
    CitizenFactory(username="twin-1", resident_id=resident_id(), phone="13900002222")
    CitizenFactory(username="twin-2", resident_id=resident_id(), phone="13900002222")
    with pytest.raises(Conflict) as shared:
        record(clerk, person_phone="13900002222")
    assert shared.value.code == "phone_shared"
    with pytest.raises(NotFound):
        record(clerk, person_phone="13100000000")
    for bad in ("abc", "123"):
        with pytest.raises(ValidationFailed):
            record(clerk, person_phone=bad)
    with pytest.raises(ValidationFailed) as nobody:
        record(clerk)
    assert nobody.value.code == "invalid_person"
    assert not Delegation.objects.exists()
    # every look-up that reached the index is recorded, found or not
    assert (
        AccessRecord.objects.filter(actor=clerk, basis="staff look-up by phone number").count() == 2
    )
    # only staff look people up
    with pytest.raises(PermissionDenied):
        accounts_services.user_find_by_phone(actor=grandma, phone=PHONE)


def test_the_window_page_records_by_phone_and_shows_errors_on_the_phone_field(
    clerk: User, grandma: User
) -> None:
    desk = login(clerk)
    page = desk.get("/accounts/delegations/record/")
    assert 'id="person_phone"' in page.content.decode()
    form = {
        "centre": page.context["centres"][0].slug,
        "person_phone": "13100000000",
        "scopes": ["cases"],
        "valid_until": until(7).isoformat(),
        "consent_note": "In person",
    }
    with translation.override("en"):
        missing = desk.post("/accounts/delegations/record/", form, HTTP_ACCEPT_LANGUAGE="en")
    assert missing.status_code == 200
    assert "person_phone-error" in missing.content.decode()
    assert "Nobody with this phone number has an account." in missing.content.decode()
    assert not Delegation.objects.exists()
    done = desk.post("/accounts/delegations/record/", {**form, "person_phone": PHONE})
    assert done.status_code == 302
    assert Delegation.objects.get().principal_id == grandma.pk
