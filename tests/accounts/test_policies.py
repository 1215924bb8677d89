from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from onestop.accounts import policies, selectors, services
from onestop.accounts.models import StaffRole, User
from onestop.core.errors import PermissionDenied
from onestop.org import selectors as org_selectors

from .conftest import PASSWORD

R = StaffRole.Role


def test_region_covers() -> None:
    assert policies.region_covers("371121", "371121")
    assert policies.region_covers("371100", "371121")
    assert policies.region_covers("370000", "371121")
    assert not policies.region_covers("371100", "320707")
    assert not policies.region_covers("371121", "371100")


def test_has_role_by_department_and_region(officer_ps: User, clerk_wulian: User) -> None:
    assert policies.has_role(officer_ps, R.DEPARTMENT_OFFICER)
    assert policies.has_role(officer_ps, R.DEPARTMENT_OFFICER, department="371121-public-security")
    dept = org_selectors.department_get(code="371121-public-security")
    assert policies.has_role(officer_ps, R.DEPARTMENT_OFFICER, department=dept)
    assert not policies.has_role(officer_ps, R.DEPARTMENT_OFFICER, department="371121-tax")
    assert not policies.has_role(officer_ps, R.WINDOW_CLERK)
    # A clerk's role holds for every department of the region, not for another region
    assert policies.has_role(clerk_wulian, R.WINDOW_CLERK, department="371121-tax")
    assert policies.has_role(clerk_wulian, R.WINDOW_CLERK, region="371121")
    assert not policies.has_role(clerk_wulian, R.WINDOW_CLERK, region="320707")
    assert not policies.has_role(clerk_wulian, R.WINDOW_CLERK, department="320707-tax")


def test_city_supervisor_covers_its_counties(org: None) -> None:
    admin = services.administrator_bootstrap(
        username="root", password=PASSWORD, real_name="r", region_code="371100", superuser=True
    )
    sup = services.staff_create(
        actor=admin,
        username="sup",
        password=PASSWORD,
        real_name="s",
        roles=[(R.SUPERVISOR, "371100", None)],
    )
    assert policies.has_role(sup, R.SUPERVISOR, region="371121")
    assert policies.has_role(sup, R.SUPERVISOR, department="371121-public-security")
    assert not policies.has_role(sup, R.SUPERVISOR, region="320707")


def test_staff_scopes(officer_ps: User, clerk_wulian: User, citizen: User) -> None:
    assert policies.staff_regions(officer_ps) == {"371121"}
    assert policies.staff_departments(officer_ps) == {"371121-public-security"}
    assert policies.staff_departments(clerk_wulian) == set()
    assert policies.staff_regions(citizen) == set()
    assert policies.staff_regions(AnonymousUser()) == set()


def test_can(admin_wulian: User, clerk_wulian: User, citizen: User) -> None:
    centre = org_selectors.centre_list(region="371121").get()
    window = centre.windows.first()
    ganyu = org_selectors.centre_list(region="320707").get()
    assert policies.can(admin_wulian, policies.Action.ORG_MANAGE, centre)
    assert policies.can(admin_wulian, policies.Action.ORG_MANAGE, window)
    assert policies.can(admin_wulian, policies.Action.ORG_MANAGE, "371121")
    assert not policies.can(admin_wulian, policies.Action.ORG_MANAGE, ganyu)
    assert not policies.can(clerk_wulian, policies.Action.ORG_MANAGE, centre)
    assert policies.can(clerk_wulian, policies.Action.USER_FIND, None)
    assert not policies.can(citizen, policies.Action.USER_FIND, None)
    assert policies.can(citizen, policies.Action.RESIDENT_ID_REVEAL, citizen)
    assert not policies.can(admin_wulian, policies.Action.RESIDENT_ID_REVEAL, citizen)
    assert not policies.can(AnonymousUser(), policies.Action.PROFILE_VIEW, citizen)
    assert not policies.can(admin_wulian, "no:such:action", None)
    citizen.is_active = False
    assert not policies.can(citizen, policies.Action.PROFILE_VIEW, citizen)


def test_staff_roles_are_seen_by_their_holder_and_the_administrators_of_their_regions(
    admin_wulian: User, officer_ps: User, clerk_wulian: User
) -> None:
    ganyu = services.administrator_bootstrap(
        username="admin-gy", password=PASSWORD, real_name="g", region_code="320707"
    )
    [role] = selectors.staff_role_list(actor=officer_ps, user=officer_ps)
    assert policies.can(officer_ps, policies.Action.STAFF_ROLE_VIEW, role)
    assert policies.can(admin_wulian, policies.Action.STAFF_ROLE_VIEW, role)
    assert not policies.can(ganyu, policies.Action.STAFF_ROLE_VIEW, role)
    assert not policies.can(clerk_wulian, policies.Action.STAFF_ROLE_VIEW, role)
    assert not policies.can(officer_ps, policies.Action.STAFF_ROLE_VIEW, officer_ps)
    assert list(selectors.staff_role_list(actor=admin_wulian, user=officer_ps)) == [role]
    for stranger in (ganyu, clerk_wulian):
        with pytest.raises(PermissionDenied):
            selectors.staff_role_list(actor=stranger, user=officer_ps)
    assert [r.region_id for r in selectors.staff_role_list(actor=ganyu, user=ganyu)] == ["320707"]
