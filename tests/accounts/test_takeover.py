"""The resident ID already registered: the owner proves who they are (at a window, L3; or
through the identity provider, L2) and takes the account over; the previous holder's sessions
end, and the change is recorded and notified."""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session

from onestop.accounts import services
from onestop.accounts.models import AssuranceEvent, User
from onestop.core.actors import SYSTEM
from onestop.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from onestop.notify.models import Notification
from onestop.org.selectors import centre_list

from .conftest import OTHER_ID, PASSWORD, RESIDENT_ID

L = User.AssuranceLevel
M = AssuranceEvent.Method


def _session_of(user: User) -> str:
    store = SessionStore()
    store["_auth_user_id"] = str(user.pk)
    store.create()
    return str(store.session_key)


def test_a_second_registration_is_still_refused_and_says_how_to_take_over(citizen: User) -> None:
    with pytest.raises(Conflict) as exc:
        services.citizen_register(
            username="owner", password=PASSWORD, real_name="张伟", resident_id=RESIDENT_ID
        )
    assert exc.value.code == "duplicate_resident_id"
    assert "service window" in str(exc.value.message)


def test_the_identity_provider_hands_the_account_to_its_owner(citizen: User) -> None:
    squatter_session = _session_of(citizen)
    other = services.citizen_register(
        username="someone-else", password=PASSWORD, real_name="李娜", resident_id=OTHER_ID
    )
    other_session = _session_of(other)

    account = services.account_takeover(
        actor=SYSTEM,
        resident_id=RESIDENT_ID,
        level=L.L2,
        method=M.IDENTITY_PROVIDER,
        real_name="张伟",
        evidence="https://idp.example.gov.cn",
    )

    assert account.pk == citizen.pk
    account.refresh_from_db()
    assert account.real_name_level == L.L2
    assert not account.has_usable_password()  # the owner signs in through the provider
    assert account.phone == ""
    assert account.email == ""
    assert not Session.objects.filter(session_key=squatter_session).exists()
    assert Session.objects.filter(session_key=other_session).exists()
    event = AssuranceEvent.objects.get(user=account)
    assert (event.level_from, event.level_to, event.method) == (1, 2, M.TAKEOVER)
    assert event.actor is None
    assert event.evidence == "https://idp.example.gov.cn"
    note = Notification.objects.get(recipient=account)
    assert note.template == "accounts.account_taken_over"
    assert "3711**********123X" in note.body


def test_an_account_verified_as_much_is_not_taken_over(citizen: User) -> None:
    services.assurance_raise(actor=SYSTEM, user=citizen, level=L.L2, method=M.IDENTITY_PROVIDER)
    password = User.objects.get(pk=citizen.pk).password

    with pytest.raises(Conflict) as exc:
        services.account_takeover(
            actor=SYSTEM, resident_id=RESIDENT_ID, level=L.L2, method=M.IDENTITY_PROVIDER
        )

    assert exc.value.code == "already_verified"
    citizen.refresh_from_db()
    assert citizen.password == password
    assert list(AssuranceEvent.objects.filter(user=citizen).values_list("method", flat=True)) == [
        M.IDENTITY_PROVIDER
    ]


def test_nobody_to_take_over(org: None) -> None:
    with pytest.raises(NotFound):
        services.account_takeover(
            actor=SYSTEM, resident_id=OTHER_ID, level=L.L2, method=M.IDENTITY_PROVIDER
        )


def test_only_a_clerk_or_the_identity_provider_may_hand_an_account_over(
    citizen: User, officer_ps: User
) -> None:
    centre = centre_list(region="371121").first()
    for actor, method, level in (
        (citizen, M.IDENTITY_PROVIDER, L.L2),
        (officer_ps, M.WINDOW, L.L3),
    ):
        with pytest.raises(PermissionDenied):
            services.account_takeover(
                actor=actor,
                resident_id=RESIDENT_ID,
                level=level,
                method=method,
                password="another-long-password",
                centre=centre,
            )
    citizen.refresh_from_db()
    assert citizen.check_password(PASSWORD)
    assert citizen.real_name_level == L.L1
    assert not AssuranceEvent.objects.filter(user=citizen).exists()


def test_a_weak_new_password_changes_nothing(citizen: User, clerk_wulian: User) -> None:
    centre = centre_list(region="371121").first()
    with pytest.raises(ValidationFailed):
        services.account_takeover(
            actor=clerk_wulian,
            resident_id=RESIDENT_ID,
            level=L.L3,
            method=M.WINDOW,
            password="123",
            centre=centre,
        )
    citizen.refresh_from_db()
    assert citizen.check_password(PASSWORD)
    assert citizen.real_name_level == L.L1
