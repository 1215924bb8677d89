"""Identity assurance levels: raised (never lowered) by the identity provider login (L2) or a
window clerk who checked the ID card (L3), each raise recorded and notified."""

from __future__ import annotations

import pytest
from django.apps import apps

from onestop.accounts import selectors, services
from onestop.accounts.models import AssuranceEvent, User
from onestop.core.actors import SYSTEM
from onestop.core.errors import PermissionDenied, ValidationFailed
from onestop.notify.models import Notification
from onestop.org.selectors import centre_list
from tests.factories import CitizenFactory

L = User.AssuranceLevel
M = AssuranceEvent.Method


def _events(user: User) -> list[tuple[int, int, str]]:
    return list(
        AssuranceEvent.objects.filter(user=user)
        .order_by("pk")
        .values_list("level_from", "level_to", "method")
    )


def test_a_new_registration_is_level_one(citizen: User) -> None:
    assert selectors.assurance_level(citizen) == L.L1
    assert not selectors.assurance_verified(citizen)
    assert _events(citizen) == []


def test_the_identity_provider_raises_to_l2_recorded_and_notified(citizen: User) -> None:
    user = services.assurance_raise(
        actor=SYSTEM, user=citizen, level=L.L2, method=M.IDENTITY_PROVIDER, evidence="idp"
    )
    citizen.refresh_from_db()
    assert user.real_name_level == citizen.real_name_level == L.L2
    assert selectors.assurance_verified(citizen)
    event = AssuranceEvent.objects.get(user=citizen)
    assert (event.level_from, event.level_to, event.method) == (1, 2, M.IDENTITY_PROVIDER)
    assert event.actor is None  # the node itself
    assert event.evidence == "idp"
    note = Notification.objects.get(recipient=citizen)
    assert note.template == "accounts.assurance_raised"
    assert note.channel == "in_app"


def test_a_level_is_never_lowered(citizen: User) -> None:
    services.assurance_raise(actor=SYSTEM, user=citizen, level=L.L2, method=M.IDENTITY_PROVIDER)
    again = services.assurance_raise(
        actor=SYSTEM, user=citizen, level=L.L1, method=M.IDENTITY_PROVIDER
    )
    same = services.assurance_raise(
        actor=SYSTEM, user=citizen, level=L.L2, method=M.IDENTITY_PROVIDER
    )
    citizen.refresh_from_db()
    assert again.real_name_level == same.real_name_level == citizen.real_name_level == L.L2
    assert _events(citizen) == [(1, 2, M.IDENTITY_PROVIDER)]
    assert Notification.objects.filter(recipient=citizen).count() == 1


def test_the_identity_provider_cannot_give_l3(citizen: User) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.assurance_raise(actor=SYSTEM, user=citizen, level=L.L3, method=M.IDENTITY_PROVIDER)
    assert exc.value.code == "invalid_level"
    citizen.refresh_from_db()
    assert citizen.real_name_level == L.L1
    assert _events(citizen) == []


def test_a_citizen_cannot_raise_their_own_level(citizen: User) -> None:
    with pytest.raises(PermissionDenied):
        services.assurance_raise(
            actor=citizen, user=citizen, level=L.L2, method=M.IDENTITY_PROVIDER
        )
    centre = centre_list(region="371121").first()
    with pytest.raises(PermissionDenied):
        services.assurance_raise(
            actor=citizen, user=citizen, level=L.L3, method=M.WINDOW, centre=centre
        )
    citizen.refresh_from_db()
    assert citizen.real_name_level == L.L1
    assert _events(citizen) == []


def test_a_window_clerk_verifies_in_person_recorded_with_clerk_and_centre(
    citizen: User, clerk_wulian: User
) -> None:
    centre = centre_list(region="371121").first()
    assert centre is not None
    services.assurance_raise(
        actor=clerk_wulian,
        user=citizen,
        level=L.L3,
        method=M.WINDOW,
        evidence="resident ID card",
        centre=centre,
    )
    citizen.refresh_from_db()
    assert citizen.real_name_level == L.L3
    event = AssuranceEvent.objects.get(user=citizen)
    assert event.actor == clerk_wulian
    assert event.centre == centre
    assert (event.level_from, event.level_to, event.method) == (1, 3, M.WINDOW)
    assert list(selectors.assurance_events(actor=citizen, user=citizen)) == [event]
    with pytest.raises(PermissionDenied):
        selectors.assurance_events(actor=clerk_wulian, user=citizen)


def test_a_clerk_of_another_region_or_without_a_centre_is_refused(
    citizen: User, clerk_wulian: User
) -> None:
    other = centre_list(region="320707").first()
    assert other is not None
    with pytest.raises(PermissionDenied):
        services.assurance_raise(
            actor=clerk_wulian, user=citizen, level=L.L3, method=M.WINDOW, centre=other
        )
    with pytest.raises(ValidationFailed) as exc:
        services.assurance_raise(actor=clerk_wulian, user=citizen, level=L.L3, method=M.WINDOW)
    assert exc.value.code == "no_centre"
    citizen.refresh_from_db()
    assert citizen.real_name_level == L.L1


def test_the_factory_citizen_is_verified_online(org: None) -> None:
    user = CitizenFactory()
    assert selectors.assurance_level(user) == L.L2
    assert _events(user) == [(1, 2, M.IDENTITY_PROVIDER)]


def test_the_migration_maps_old_levels(org: None) -> None:
    migration = __import__(
        "onestop.accounts.migrations.0002_assurance_levels", fromlist=["levels_forward"]
    )
    users = [CitizenFactory(level=1) for _ in range(3)]
    for user, old in zip(users, (0, 1, 2), strict=True):
        User.objects.filter(pk=user.pk).update(real_name_level=old)
    migration.levels_forward(apps, None)
    assert [User.objects.get(pk=u.pk).real_name_level for u in users] == [1, 1, 3]
    migration.levels_backward(apps, None)
    assert [User.objects.get(pk=u.pk).real_name_level for u in users] == [1, 1, 2]
