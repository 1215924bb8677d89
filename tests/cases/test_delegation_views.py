"""Assisted handling and the elderly-friendly mode in the portal: granting in my account, the
"act for …" switch, the helper on the person's pages (and only there), revoking; the window's
recording page; the elderly switch remembered in a cookie and on the account."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from onestop.accounts.middleware import SESSION_ACTING
from onestop.accounts.models import Delegation, User
from onestop.cases.models import Case
from onestop.core import crypto
from onestop.web.elderly import COOKIE
from tests.factories import CitizenFactory, login, resident_id


@pytest.fixture
def daughter(cases_world: dict[str, User]) -> User:
    return CitizenFactory(username="daughter", real_name="张小红", resident_id=resident_id())


def until(days: int = 30) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def test_grant_act_for_and_revoke(citizen: User, daughter: User, newborn_case: Case) -> None:
    mother = login(citizen)
    page = mother.get("/accounts/me/")
    assert b"Let someone act for me" in page.content
    assert mother.get("/accounts/delegations/new/").status_code == 200
    answer = mother.post(
        "/accounts/delegations/new/",
        {
            "helper_name": "张小红",
            "helper_resident_id": crypto.decrypt_pii(daughter.resident_id_enc),
            "scopes": ["cases"],
            "valid_until": until(),
        },
    )
    assert answer.status_code == 302
    delegation = Delegation.objects.get(principal=citizen)
    assert "张小红" in mother.get("/accounts/me/").content.decode()

    helper = login(daughter)
    me = helper.get("/accounts/me/").content.decode()
    assert 'id="delegations-held"' in me
    assert "Act for" in me
    assert 'id="acting-select"' in me
    # before switching, the person's applications are not the helper's
    assert newborn_case.number not in helper.get("/me/cases/").content.decode()
    switched = helper.post("/accounts/acting/", {"delegation": str(delegation.pk)})
    assert switched.status_code == 302
    assert switched["Location"] == "/me/cases/"
    cases = helper.get("/me/cases/").content.decode()
    assert newborn_case.number in cases
    assert 'id="acting-banner"' in cases
    assert helper.get(f"/me/cases/{newborn_case.number}/").status_code == 200
    # out of scope (licences not given): the wallet stays the helper's own
    assert helper.get("/wallet/").context["request"].user.pk == daughter.pk
    # everywhere else the helper is themself: my account is theirs
    own = helper.get("/accounts/me/")
    assert own.context["account"].pk == daughter.pk
    assert 'id="acting-banner"' in own.content.decode()
    # a 12345 request is not covered: the page says so and offers to file in the helper's
    # own name (stop acting for the person) instead of the form; a post files nothing
    portal = helper.get("/12345/").content.decode()
    assert 'id="portal-acting"' in portal
    assert "consent for assisted handling does not cover 12345 requests" in portal
    assert 'id="portal-own-name"' in portal
    assert 'id="portal-form"' not in portal
    from onestop.hotline.models import WorkOrder

    sent = helper.post(
        "/12345/",
        {
            "request_type": "complaint",
            "category": "public-security.public-order",
            "description": "Noise every night.",
            "contact_phone": "13600136000",
            "idempotency_key": "walk15-acting",
        },
    )
    assert sent.status_code == 409
    assert not WorkOrder.objects.exists()

    # "File it in my own name": the helper acts for themself again and gets the form
    own_name = helper.post("/accounts/acting/", {"delegation": "", "next": "/12345/"})
    assert own_name["Location"] == "/12345/"
    assert 'id="portal-form"' in helper.get("/12345/").content.decode()
    helper.post("/accounts/acting/", {"delegation": str(delegation.pk)})

    # the person revokes: the helper's next request is theirs again
    revoked = mother.post(f"/accounts/delegations/{delegation.pk}/revoke/")
    assert revoked.status_code == 302
    assert "Revoked" in mother.get("/accounts/me/").content.decode()
    after = helper.get("/me/cases/")
    assert newborn_case.number not in after.content.decode()
    assert SESSION_ACTING not in helper.session
    assert helper.post("/accounts/acting/", {"delegation": str(delegation.pk)}).status_code == 302
    assert SESSION_ACTING not in helper.session


def test_a_bad_grant_shows_the_error_and_saves_nothing(citizen: User) -> None:
    mother = login(citizen)
    page = mother.post(
        "/accounts/delegations/new/",
        {
            "helper_name": "x",
            "helper_resident_id": "123",
            "scopes": ["cases"],
            "valid_until": until(),
        },
    )
    assert page.status_code == 200
    assert "Error:" in page.content.decode()
    assert "A resident ID has 18 characters." in page.content.decode()
    assert not Delegation.objects.filter(principal=citizen).exists()


def test_a_stranger_cannot_use_or_revoke_a_delegation(citizen: User, daughter: User) -> None:
    mother = login(citizen)
    mother.post(
        "/accounts/delegations/new/",
        {
            "helper_name": "张小红",
            "helper_resident_id": crypto.decrypt_pii(daughter.resident_id_enc),
            "scopes": ["cases"],
            "valid_until": until(),
        },
    )
    delegation = Delegation.objects.get(principal=citizen)
    stranger = login(CitizenFactory(resident_id=resident_id()))
    stranger.post("/accounts/acting/", {"delegation": str(delegation.pk)})
    assert SESSION_ACTING not in stranger.session
    assert stranger.post(f"/accounts/delegations/{delegation.pk}/revoke/").status_code == 404
    assert Delegation.objects.get(pk=delegation.pk).revoked_at is None


def test_the_window_records_consent(clerk: User, citizen: User) -> None:
    desk = login(clerk)
    assert desk.get("/accounts/delegations/record/").status_code == 200
    answer = desk.post(
        "/accounts/delegations/record/",
        {
            "centre": desk.get("/accounts/delegations/record/").context["centres"][0].slug,
            "person_resident_id": crypto.decrypt_pii(citizen.resident_id_enc),
            "scopes": ["cases", "licences"],
            "valid_until": until(7),
            "consent_note": "In person, ID card checked",
        },
    )
    assert answer.status_code == 302
    recorded = Delegation.objects.get(principal=citizen)
    assert recorded.delegate_id == clerk.pk
    assert recorded.recorded_by_id == clerk.pk
    assert login(citizen).get("/accounts/delegations/record/").status_code == 403


def test_elderly_mode_is_remembered(client: Any, cases_world: dict[str, User]) -> None:
    home = client.get("/")
    assert 'class="os-elderly"' not in home.content.decode()
    switched = client.post("/accounts/elderly/", {"elderly": "1", "next": "/"})
    assert switched.status_code == 302
    assert switched.cookies[COOKIE].value == "1"
    page = client.get("/").content.decode()
    assert 'class="os-elderly"' in page
    assert 'id="elderly-bar"' in page
    assert "12345" in page
    assert "最近的政务服务中心" in page  # Nearest service centre (the portal speaks Chinese first)
    # a signed-in person's choice is kept on the account
    person = cases_world["citizen"]
    signed = login(person)
    answer = signed.post("/accounts/elderly/", {"elderly": "1", "next": "https://evil.example/"})
    assert answer["Location"] == "/"  # never off the site
    assert User.objects.get(pk=person.pk).elderly_mode is True
    fresh = login(person)  # another device, no cookie
    assert 'class="os-elderly"' in fresh.get("/").content.decode()
    fresh.post("/accounts/elderly/", {"elderly": "0"})
    assert User.objects.get(pk=person.pk).elderly_mode is False
