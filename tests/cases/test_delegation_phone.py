"""Assisted handling recorded at a centre: the helper at the window finds the person by phone
number (a blind index, the look-up recorded) or resident ID, records the person's consent
(scope, expiry); it shows in both people's "my account" and the person revokes it. A phone
several accounts share (a family's) shows them masked to choose the person present from, each
shown one recorded as an access; the choice is checked again on the server. An unknown or
malformed phone number finds nobody and records no delegation."""

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
FAMILY = "13600003333"  # the family's phone: grandmother and grandson
SHOWN = "staff look-up by phone number: shown as one of the accounts sharing it"


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
    assert len(shared.value.details["candidates"]) == 2  # to choose from: nobody chosen yet
    with pytest.raises(NotFound):
        record(clerk, person_phone="13100000000")
    for bad in ("abc", "123"):
        with pytest.raises(ValidationFailed):
            record(clerk, person_phone=bad)
    with pytest.raises(ValidationFailed) as nobody:
        record(clerk)
    assert nobody.value.code == "invalid_person"
    assert not Delegation.objects.exists()
    # every look-up that reached the index is recorded, found or not; the shared number's
    # accounts were shown, each an access of its own
    assert (
        AccessRecord.objects.filter(actor=clerk, basis="staff look-up by phone number").count() == 1
    )
    assert AccessRecord.objects.filter(actor=clerk, basis=SHOWN).count() == 2
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


def family_on_one_phone() -> dict[str, User]:
    """A grandmother (born 1950) and her grandson (born 2001) whose accounts share `FAMILY`
    (also the browser journey's family)."""
    return {
        "grandmother": CitizenFactory(
            username="nainai",
            real_name="李秀兰",
            resident_id=resident_id(region="370100", birth="19500101"),
            phone=FAMILY,
        ),
        "grandson": CitizenFactory(
            username="sunzi",
            real_name="李小明",
            resident_id=resident_id(birth="20010101"),
            phone=FAMILY,
        ),
    }


@pytest.fixture
def family(cases_world: dict[str, User]) -> dict[str, User]:
    return family_on_one_phone()


def _candidates(clerk: User) -> list[dict[str, Any]]:
    with pytest.raises(Conflict) as shared:
        record(clerk, person_phone=FAMILY)
    assert shared.value.code == "phone_shared"
    candidates: list[dict[str, Any]] = shared.value.details["candidates"]
    return candidates


def test_a_family_phone_shows_each_account_masked_and_the_clerk_picks_the_person_present(
    clerk: User, family: dict[str, User]
) -> None:
    grandmother, grandson = family["grandmother"], family["grandson"]
    with translation.override("en"), pytest.raises(Conflict) as shared:
        record(clerk, person_phone=FAMILY)
    assert str(shared.value.message) == (
        "Several accounts share this phone number: choose the person present, or look them up "
        "by resident ID."
    )
    candidates = shared.value.details["candidates"]
    # masked data only: name, resident ID as everywhere, year of birth; the oldest account first
    assert [{k: c[k] for k in ("name", "resident_id", "birth_year")} for c in candidates] == [
        {"name": "李*兰", "resident_id": grandmother.resident_id_masked, "birth_year": 1950},
        {"name": "李*明", "resident_id": grandson.resident_id_masked, "birth_year": 2001},
    ]
    assert all(set(c) == {"choice", "name", "resident_id", "birth_year"} for c in candidates)
    # the value posted back is an opaque digest: no account number, index or personal data
    for person, candidate in zip((grandmother, grandson), candidates, strict=True):
        choice = candidate["choice"]
        assert len(choice) == 32
        assert choice not in (person.resident_id_index, person.phone_index)
        assert choice.isalnum()
    text = repr(candidates)
    for secret in ("李秀兰", "李小明", FAMILY, "19500101", "20010101"):
        assert secret not in text
    # each account shown is an access to that person's data, in their data tracker
    shown = AccessRecord.objects.filter(actor=clerk, basis=SHOWN)
    assert sorted((r.subject_index, r.purpose, r.fields) for r in shown) == sorted(
        (
            p.resident_id_index,
            "verification",
            ["real_name_masked", "resident_id_masked", "birth_year"],
        )
        for p in (grandmother, grandson)
    )
    assert not Delegation.objects.exists()
    with translation.override("en"):
        tracker = login(grandmother).get("/me/data/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Your account shown to a window clerk, masked" in tracker.content.decode()

    # the grandson is at the window: the clerk picks him
    delegation = record(clerk, person_phone=FAMILY, person_choice=candidates[1]["choice"])
    assert delegation.principal_id == grandson.pk
    assert delegation.delegate_id == clerk.pk
    found = AccessRecord.objects.filter(
        actor=clerk, basis="staff look-up by phone number", subject_index=grandson.resident_id_index
    ).get()
    assert found.fields == ["real_name", "resident_id_masked", "phone"]
    assert not AccessRecord.objects.filter(
        basis="staff look-up by phone number", subject_index=grandmother.resident_id_index
    ).exists()


def test_a_choice_is_checked_again_and_a_wrong_one_changes_nothing(
    clerk: User, family: dict[str, User]
) -> None:
    from tests.factories import StaffFactory

    ours = _candidates(clerk)
    CitizenFactory(username="twin-1", resident_id=resident_id(), phone="13900002222")
    CitizenFactory(username="twin-2", resident_id=resident_id(), phone="13900002222")
    with pytest.raises(Conflict) as other_family:
        record(clerk, person_phone="13900002222")
    theirs = other_family.value.details["candidates"]
    colleague = StaffFactory(username="clerk-2", roles=[("window_clerk", "371121", None)])
    with pytest.raises(Conflict) as colleagues:
        record(colleague, person_phone=FAMILY)
    their_choice = colleagues.value.details["candidates"][0]["choice"]
    assert their_choice != ours[0]["choice"]  # bound to the clerk
    before = set(AccessRecord.objects.values_list("pk", flat=True))
    for forged in (
        theirs[0]["choice"],  # an account without this phone number
        their_choice,  # another clerk's choice
        "0" * 32,
        ours[0]["choice"][:-1],
        "张" * 32,  # not even ASCII
    ):
        with translation.override("en"), pytest.raises(ValidationFailed) as wrong:
            record(clerk, person_phone=FAMILY, person_choice=forged)
        assert wrong.value.code == "invalid_choice"
        assert str(wrong.value.message) == (
            "The person chosen does not have this phone number: choose again."
        )
    # a choice made for this number does not pick anybody under another number
    with pytest.raises(ValidationFailed):
        record(clerk, person_phone="13900002222", person_choice=ours[0]["choice"])
    assert not Delegation.objects.exists()
    # each try was a look-up, recorded; nobody's data was shown
    # each try was a look-up, recorded (the same one repeated within minutes is one record,
    # sharing's rule); nobody's data was shown
    tries = AccessRecord.objects.exclude(pk__in=before)
    assert sorted((r.basis, r.fields, r.subject_index) for r in tries) == sorted(
        ("staff look-up by phone number", [], accounts_services.phone_index(number))
        for number in (FAMILY, "13900002222")
    )


def test_only_a_window_clerk_sees_the_accounts_of_a_shared_phone(
    clerk: User, family: dict[str, User], users: dict[str, User]
) -> None:
    choice = _candidates(clerk)[0]["choice"]
    before = AccessRecord.objects.count()
    with pytest.raises(PermissionDenied):
        record(users["officer-ps"], person_phone=FAMILY, person_choice=choice)
    with pytest.raises(PermissionDenied):
        accounts_services.phone_candidates(actor=family["grandson"], phone=FAMILY)
    with pytest.raises(PermissionDenied):
        accounts_services.user_find_by_phone(actor=family["grandson"], phone=FAMILY, choice=choice)
    assert AccessRecord.objects.count() == before
    assert not Delegation.objects.exists()


def test_too_many_accounts_on_one_phone_show_nobody(
    clerk: User, family: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(accounts_services, "PHONE_CANDIDATES_MAX", 1)
    with pytest.raises(Conflict) as many:
        record(clerk, person_phone=FAMILY)
    assert many.value.code == "phone_shared_many"
    assert many.value.details is None
    assert not AccessRecord.objects.filter(basis=SHOWN).exists()
    assert (
        AccessRecord.objects.filter(actor=clerk, basis="staff look-up by phone number").count() == 1
    )


def test_the_window_page_offers_the_accounts_of_a_shared_phone_to_choose_from(
    clerk: User, family: dict[str, User]
) -> None:
    desk = login(clerk)
    page = desk.get("/accounts/delegations/record/")
    assert 'id="person-chooser"' not in page.content.decode()
    form = {
        "centre": page.context["centres"][0].slug,
        "person_phone": FAMILY,
        "scopes": ["cases"],
        "valid_until": until(7).isoformat(),
        "consent_note": "In person, ID card checked",
    }
    en = {"HTTP_ACCEPT_LANGUAGE": "en"}
    with translation.override("en"):
        shared = desk.post("/accounts/delegations/record/", form, **en)
    body = shared.content.decode()
    assert shared.status_code == 200
    assert 'id="person-chooser"' in body
    assert 'id="person_choice-error"' in body
    assert "choose the person present" in body
    assert 'href="#person_choice"' in body  # the error summary leads to the first choice
    grandmother, grandson = family["grandmother"], family["grandson"]
    for shown in ("李*兰", "李*明", grandmother.resident_id_masked, "born in 1950", "born in 2001"):
        assert shown in body
    for hidden in ("李秀兰", "李小明", f'value="{grandson.pk}"'):
        assert hidden not in body
    choices = [c["choice"] for c in shared.context["candidates"]]
    assert body.count('name="person_choice"') == 2
    assert not Delegation.objects.exists()

    # something else wrong after choosing: the same accounts again, the choice kept
    with translation.override("en"):
        again = desk.post(
            "/accounts/delegations/record/",
            {**form, "person_choice": choices[1], "scopes": ["nonsense"]},
            **en,
        )
    assert again.status_code == 200
    assert 'id="scopes-error"' in again.content.decode()
    assert f'value="{choices[1]}" checked' in again.content.decode()
    # a value that is not one of them: refused on the choice, nothing recorded
    with translation.override("en"):
        forged = desk.post(
            "/accounts/delegations/record/", {**form, "person_choice": "x" * 32}, **en
        )
    assert forged.status_code == 200
    assert "The person chosen does not have this phone number" in forged.content.decode()
    assert 'id="person-chooser"' in forged.content.decode()
    assert not Delegation.objects.exists()

    done = desk.post("/accounts/delegations/record/", {**form, "person_choice": choices[1]})
    assert done.status_code == 302
    assert Delegation.objects.get().principal_id == grandson.pk
    # each account shown is recorded (shown again within minutes: the same record, sharing's
    # rule for a repeated access)
    assert (
        AccessRecord.objects.filter(
            basis=SHOWN, subject_index=grandmother.resident_id_index
        ).count()
        == 1
    )
