"""Who sees and acts on a case (region, department, ownership), and the read-only admin."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from onestop.cases import policies, selectors
from onestop.cases.models import Case
from onestop.core.errors import NotFound

TAX_ITEM = "37112100SW-QT-0005"


def test_who_sees_the_bundle_and_its_items(
    newborn_case: Case, users: dict[str, Any], officers: dict[str, Any]
) -> None:
    tax_case = newborn_case.children.get(item__code=TAX_ITEM)
    health_case = newborn_case.children.filter(department__kind_id="health").first()
    assert health_case is not None
    citizen, business = users["citizen"], users["business"]
    for actor in (citizen, users["clerk"], users["supervisor"], users["admin"]):
        assert policies.can_view(actor, newborn_case)
        assert policies.can_view(actor, tax_case)
    # officers: their own item case and the bundle, not the other departments' items
    assert policies.can_view(officers["tax"], tax_case)
    assert policies.can_view(officers["tax"], newborn_case)
    assert not policies.can_view(officers["tax"], health_case)
    assert not policies.can_view(officers["fire-rescue"], newborn_case)
    # strangers and other regions
    for actor in (business, users["clerk-gy"], users["officer-gy"], AnonymousUser(), None):
        assert not policies.can_view(actor, newborn_case)
        assert not policies.can_view(actor, tax_case)


def test_who_acts_in_which_lane(
    newborn_case: Case, users: dict[str, Any], officers: dict[str, Any]
) -> None:
    tax_case = newborn_case.children.get(item__code=TAX_ITEM)
    assert policies.can_act(officers["tax"], tax_case, policies.LANE_DEPARTMENT)
    assert not policies.can_act(officers["health"], tax_case, policies.LANE_DEPARTMENT)
    assert not policies.can_act(users["clerk"], tax_case, policies.LANE_DEPARTMENT)
    assert policies.can_act(users["clerk"], tax_case, policies.LANE_WINDOW)
    assert not policies.can_act(users["clerk-gy"], tax_case, policies.LANE_WINDOW)
    assert policies.can_act(users["citizen"], tax_case, policies.LANE_APPLICANT)
    assert not policies.can_act(users["business"], tax_case, policies.LANE_APPLICANT)
    assert not policies.can_act(officers["tax"], tax_case, "elsewhere")
    # a bundle has no department lane
    assert not policies.can_act(officers["tax"], newborn_case, policies.LANE_DEPARTMENT)


def test_applicant_lists_only_their_top_cases(newborn_case: Case, users: dict[str, Any]) -> None:
    mine = list(selectors.case_list_for_applicant(actor=users["citizen"]))
    assert mine == [newborn_case]
    assert list(selectors.case_list_for_applicant(actor=users["business"])) == []
    assert list(selectors.case_list_for_applicant(actor=AnonymousUser())) == []


def test_case_get_draft_accepts_only_uuids_of_own_drafts(
    newborn_draft: Case, users: dict[str, Any]
) -> None:
    assert selectors.case_get_draft(actor=users["citizen"], case_id=newborn_draft.pk).pk == (
        newborn_draft.pk
    )
    for bad in ("not-a-uuid", None, "00000000-0000-0000-0000-000000000000"):
        with pytest.raises(NotFound):
            selectors.case_get_draft(actor=users["citizen"], case_id=bad)
    with pytest.raises(NotFound):
        selectors.case_get_draft(actor=users["business"], case_id=newborn_draft.pk)


def test_admin_shows_cases_read_only(newborn_case: Case, users: dict[str, Any]) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(users["admin"])
    listing = client.get("/admin/cases/case/")
    assert listing.status_code == 200
    assert newborn_case.number in listing.content.decode()
    page = client.get(f"/admin/cases/case/{newborn_case.pk}/change/")
    assert page.status_code == 200
    assert "37112119930315123X" not in page.content.decode()
    assert client.get("/admin/cases/case/add/").status_code == 403
    assert client.get("/admin/cases/itemprocess/").status_code == 200


def test_a_department_scoped_role_other_than_officer_does_not_see_the_bundle(
    newborn_case: Case,
) -> None:
    from onestop.accounts.models import StaffRole, User

    tax_case = newborn_case.children.get(item__code=TAX_ITEM)
    agent = User.objects.create_user(username="agent-tax", password="x-agent-pass-2026")
    StaffRole.objects.create(
        user=agent,
        role=StaffRole.Role.HOTLINE_AGENT,
        region_id=tax_case.region_id,
        department_id=tax_case.department_id,
    )
    assert not policies.is_officer_of(agent, newborn_case)
    assert not policies.can_view(agent, newborn_case)
    assert not policies.can_view(agent, tax_case)
