"""The officer's case page after the review: no sibling department's notes in the timeline, and
the supplement form offers only materials that can be handed in again."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from onestop.cases import selectors, services
from onestop.cases.models import Case, CaseMaterial

PS = "371121-public-security"
HR = "371121-human-resources-social-security"


def test_timeline_has_only_the_case_and_its_bundle(
    client: Any, newborn_case: Case, officers: dict[str, Any]
) -> None:
    ps_case = newborn_case.children.get(department_id=PS)
    hr_case = newborn_case.children.filter(department_id=HR).first()
    assert hr_case is not None
    view = selectors.case_task_view(case=hr_case)
    services.task_complete(
        actor=officers["human-resources-social-security"],
        case=hr_case,
        task_id=view["tasks"][0].id,
        data={"review_outcome": "pass"},
        expected_version=view["version"],
        reason="Sibling secret note.",
    )
    client.force_login(officers["public-security"])
    response = client.get(
        reverse("cases:office_case", args=[ps_case.number]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    cases = {e.case_id for e in response.context["events"]}
    assert cases <= {ps_case.pk, newborn_case.pk}
    assert newborn_case.pk in cases
    assert "Sibling secret note." not in response.content.decode()
    # the applicant's drafting is not the officer's file: it starts at the submission
    kinds = [e.kind for e in response.context["events"]]
    assert "created" not in kinds
    assert "submitted" in kinds


def test_supplement_form_offers_only_materials_that_can_be_handed_in(
    client: Any, newborn_case: Case, officers: dict[str, Any]
) -> None:
    ps_case = newborn_case.children.get(department_id=PS)
    client.force_login(officers["public-security"])
    response = client.get(reverse("cases:office_case", args=[ps_case.number]))
    offered = {m.key for m in response.context["supplementable"]}
    for material in response.context["materials"]:
        if material.mode in (CaseMaterial.Mode.HELD, CaseMaterial.Mode.LICENCE):
            assert material.key not in offered
            assert f'id="sup-{material.key}"' not in response.content.decode()
        else:
            assert material.key in offered


def test_supervisor_board_shows_no_applicant_name(
    client: Any, newborn_case: Case, supervisor: Any
) -> None:
    import datetime

    ps_case = newborn_case.children.get(department_id=PS)
    Case.objects.filter(pk=ps_case.pk).update(due_date=datetime.date(2020, 1, 2))
    client.force_login(supervisor)
    response = client.get(reverse("cases:supervisor"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = response.content.decode()
    assert ps_case.number in body
    assert newborn_case.applicant_name
    assert newborn_case.applicant_name not in body
