"""The Django admin scoped like the consoles (accounts.admin_scope): an administrator lists and
opens only the accounts of the regions they administer; opening one is a recorded access; a
member of staff who is not an administrator sees none, even with the Django permissions."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from onestop.accounts.models import StaffRole, User
from onestop.org.models import Region
from onestop.sharing.models import AccessRecord
from tests.accounts.conftest import OTHER_ID, PASSWORD
from tests.factories import AdministratorFactory, CitizenFactory, StaffFactory


def _admin(user: User) -> Client:
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="accounts", codename__in=["view_user", "change_user"]
        )
    )
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def ganyu_citizen(org: None) -> User:
    person = CitizenFactory(
        username="lina", password=PASSWORD, real_name="李娜", resident_id=OTHER_ID, level=1
    )
    User.objects.filter(pk=person.pk).update(region=Region.objects.get(code="320707"))
    person.refresh_from_db()
    return person


@pytest.fixture
def admin_ganyu(org: None) -> User:
    return AdministratorFactory(
        username="admin-gy", password=PASSWORD, real_name="吴涛", region_code="320707"
    )


def _listed(client: Client) -> set[str]:
    page = client.get("/admin/accounts/user/")
    assert page.status_code == 200
    return {
        name
        for name in ("zhangwei", "lina", "admin-wl", "admin-gy")
        if f">{name}<" in page.content.decode()
    }


def test_each_administrator_lists_their_own_regions_accounts(
    citizen: User, ganyu_citizen: User, admin_wulian: User, admin_ganyu: User
) -> None:
    # the Wulian citizen gave no region: the node's own region (371121)
    assert "zhangwei" in _listed(_admin(admin_wulian))
    assert "lina" not in _listed(_admin(admin_wulian))
    assert "lina" in _listed(_admin(admin_ganyu))
    assert "zhangwei" not in _listed(_admin(admin_ganyu))


def test_opening_another_regions_account_is_as_if_it_did_not_exist(
    citizen: User, admin_ganyu: User
) -> None:
    answer = _admin(admin_ganyu).get(f"/admin/accounts/user/{citizen.pk}/change/")

    assert answer.status_code == 302  # the admin's "does not exist" redirect
    assert AccessRecord.objects.count() == 0


def test_opening_an_account_is_a_recorded_access(citizen: User, admin_wulian: User) -> None:
    answer = _admin(admin_wulian).get(f"/admin/accounts/user/{citizen.pk}/change/")

    assert answer.status_code == 200
    [record] = AccessRecord.objects.all()
    assert (record.dataset, record.subject_index) == (
        "accounts.profile",
        citizen.resident_id_index,
    )
    assert record.purpose == "administration"


def test_staff_who_administer_nothing_see_nothing(citizen: User, admin_wulian: User) -> None:
    clerk = StaffFactory(
        actor=admin_wulian,
        username="clerk-x",
        password=PASSWORD,
        roles=[(StaffRole.Role.WINDOW_CLERK, "371121", None)],
    )
    User.objects.filter(pk=clerk.pk).update(is_staff=True)
    clerk.refresh_from_db()

    assert _listed(_admin(clerk)) == set()


def test_a_superuser_sees_every_account(citizen: User, ganyu_citizen: User, settings: Any) -> None:
    root = User.objects.create_superuser("root-x", password=PASSWORD)
    assert {"zhangwei", "lina"} <= _listed(_admin(root))
