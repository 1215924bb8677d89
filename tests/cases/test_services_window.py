"""Unified acceptance at the window: one-time notice, a second visit that completes it, pledges,
and the checks that leave nothing half-done."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from onestop.cases import services
from onestop.cases.models import Case, CaseDocument, CaseEvent, CaseMaterial
from onestop.core.errors import NotFound, PermissionDenied, ValidationFailed
from onestop.workflow.models import ProcessInstance

ANSWERS = {"dine_in": "yes", "signboard": "yes", "sewer": "yes"}
NON_KEY = {
    "food-safety-rules",
    "fire-management-rules",
    "hidden-works-report",
    "water-quality-report",
}


def _restaurant_draft(window_draft: Any, restaurant: Any, clerk: Any, fill: Any) -> Case:
    case = window_draft(scenario=restaurant, applicant_name="赵老板")
    case = services.draft_save(actor=clerk, case=case, variant_answers=ANSWERS)
    return case


def _missing(case: Case) -> list[str]:
    return list(
        CaseMaterial.objects.filter(
            case=case, required=True, mode=CaseMaterial.Mode.MISSING
        ).values_list("key", flat=True)
    )


def test_notice_then_a_second_visit_accepts(
    window_draft: Any, restaurant: Any, clerk: Any, fill: Any
) -> None:
    case = _restaurant_draft(window_draft, restaurant, clerk, fill)
    missing = _missing(case)
    assert "floor-plan" in missing
    assert "resident-id" in missing
    document = services.notice_issue(actor=clerk, case=case)
    case.refresh_from_db()
    assert case.status == Case.Status.NOTICE
    assert case.visits == 1
    assert document.kind == CaseDocument.Kind.NOTICE
    assert {m["key"] for m in document.data["materials"]} == set(missing)
    assert document.data["fields"]  # the form is still empty: every field is listed
    assert len(document.sha256) == 64
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.NOTICE_ISSUED).exists()

    # second visit: the walk-in brings everything
    for key in missing:
        services.material_check(actor=clerk, case=case, key=key, mode=CaseMaterial.Mode.PAPER)
    case = services.draft_save(actor=clerk, case=case, form_data=fill(case))
    case = services.case_accept(actor=clerk, case=case, idempotency_key="walk-in-1")
    assert case.status == Case.Status.ACCEPTED
    assert case.visits == 2
    assert case.accepted_by == clerk
    children = list(case.children.all())
    assert {c.department.kind_id for c in children} == {
        "administrative-approval-services",
        "fire-rescue",
        "health",
    }
    assert all(c.task_name == "review" for c in children)
    assert case.materials_submitted == len(missing)
    again = services.case_accept(
        actor=clerk, case=Case.objects.get(pk=case.pk), idempotency_key="walk-in-1"
    )
    assert again.number == case.number
    assert Case.objects.filter(parent=case).count() == len(children)


def test_notice_with_nothing_missing_is_refused(
    window_draft: Any, item: Any, clerk: Any, citizen: Any, fill: Any
) -> None:
    # a citizen with an account: held data and e-licences cover the materials
    case = window_draft(item=item("RS-GG-0010"), applicant=citizen)
    case = services.draft_save(actor=clerk, case=case, form_data=fill(case))
    with pytest.raises(ValidationFailed) as caught:
        services.notice_issue(actor=clerk, case=case)
    assert caught.value.code == "nothing_missing"


def test_accept_with_missing_key_material_changes_nothing(
    window_draft: Any, restaurant: Any, clerk: Any, fill: Any, tomorrow: datetime.date
) -> None:
    case = _restaurant_draft(window_draft, restaurant, clerk, fill)
    case = services.draft_save(actor=clerk, case=case, form_data=fill(case))
    with pytest.raises(ValidationFailed) as caught:
        services.case_accept(actor=clerk, case=case, pledge_due=tomorrow)
    assert caught.value.code == "materials_missing"
    case.refresh_from_db()
    assert case.status == Case.Status.DRAFT
    assert case.number is None
    assert case.visits == 0
    # the pledge was rolled back with the rest
    assert not CaseMaterial.objects.filter(case=case, mode=CaseMaterial.Mode.PLEDGED).exists()
    assert not ProcessInstance.objects.exists()


def test_accept_against_a_pledge_for_non_key_materials(
    window_draft: Any, restaurant: Any, clerk: Any, fill: Any, tomorrow: datetime.date
) -> None:
    case = _restaurant_draft(window_draft, restaurant, clerk, fill)
    case = services.draft_save(actor=clerk, case=case, form_data=fill(case))
    key_missing = [k for k in _missing(case) if k not in NON_KEY]
    for key in key_missing:
        services.material_check(actor=clerk, case=case, key=key, mode=CaseMaterial.Mode.PAPER)
    with pytest.raises(ValidationFailed) as past:
        services.case_accept(actor=clerk, case=case, pledge_due=datetime.date(2020, 1, 1))
    assert past.value.code == "invalid_pledge_due"
    with pytest.raises(ValidationFailed) as no_pledge:
        services.case_accept(actor=clerk, case=case)
    assert no_pledge.value.code == "materials_missing"
    case = services.case_accept(actor=clerk, case=case, pledge_due=tomorrow)
    assert case.status == Case.Status.ACCEPTED
    assert case.pledge_due == tomorrow
    pledged = set(
        CaseMaterial.objects.filter(case=case, mode=CaseMaterial.Mode.PLEDGED).values_list(
            "key", flat=True
        )
    )
    assert pledged == NON_KEY
    event = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.PLEDGE_ACCEPTED)
    assert set(event.data["materials"]) == NON_KEY


def test_only_clerks_of_the_region_accept(
    window_draft: Any, restaurant: Any, clerk: Any, fill: Any, users: dict[str, Any]
) -> None:
    case = _restaurant_draft(window_draft, restaurant, clerk, fill)
    with pytest.raises(NotFound):
        services.case_accept(actor=users["clerk-gy"], case=case)
    with pytest.raises(NotFound):
        services.notice_issue(actor=users["officer-sp"], case=case)
    with pytest.raises(PermissionDenied):
        services.draft_start(
            actor=users["clerk-gy"],
            scenario=restaurant,
            channel=Case.Channel.WINDOW,
            applicant_index="x",
            applicant_name="y",
        )


def test_online_submit_of_a_window_draft_is_refused(
    window_draft: Any, item: Any, clerk: Any, citizen: Any
) -> None:
    case = window_draft(item=item("RS-GG-0010"), applicant=citizen)
    with pytest.raises(NotFound):
        services.case_submit(actor=citizen, case=case)
