"""After acceptance: supplements (the clock stops and runs again), collection of paper results,
withdrawal, access records, and bad input on the officers' steps."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from onestop.cases import selectors, services
from onestop.cases.models import Case, CaseEvent, Supplement
from onestop.cases.uploads import material_upload
from onestop.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from onestop.notify.models import Notification
from onestop.sharing.models import AccessRecord

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
CARD = "37112100RS-GG-0005"  # social security card (human resources), needs an optional photo


def _review(case: Case) -> tuple[Any, int]:
    view = selectors.case_task_view(case=case)
    return view["tasks"][0], view["version"]


def test_supplement_stops_the_clock_and_the_answer_restarts_it(
    citizen: Any, newborn_case: Case, officers: dict[str, Any]
) -> None:
    child = newborn_case.children.get(item__code=CARD)
    officer = officers["human-resources-social-security"]
    _task, version = _review(child)
    supplement = services.supplement_request(
        actor=officer,
        case=child,
        reason="The photo is needed for the card.",
        materials=["photo"],
        expected_version=version,
    )
    child.refresh_from_db()
    assert child.status == Case.Status.SUPPLEMENT
    assert child.paused_since is not None
    assert child.task_name == "supplement"
    assert child.task_lane == "applicant"
    assert Notification.objects.filter(
        recipient=citizen, template="case.supplement_requested"
    ).exists()
    assert CaseEvent.objects.filter(case=child, kind=CaseEvent.Kind.SUPPLEMENT_REQUESTED).exists()

    with pytest.raises(ValidationFailed) as early:
        services.supplement_answer(actor=citizen, case=child)
    assert early.value.code == "materials_missing"

    material_upload(
        actor=citizen,
        case=child,
        key="photo",
        file=SimpleUploadedFile("photo.png", PNG, content_type="image/png"),
    )
    services.supplement_answer(actor=citizen, case=child, note="Photo added.")
    child.refresh_from_db()
    assert child.status == Case.Status.ACCEPTED
    assert child.paused_since is None
    assert child.task_name == "review"
    supplement.refresh_from_db()
    assert supplement.answered_at is not None
    assert supplement.answer_note == "Photo added."


def test_supplement_request_checks_its_input(
    newborn_case: Case, officers: dict[str, Any], business: Any
) -> None:
    child = newborn_case.children.get(item__code=CARD)
    officer = officers["human-resources-social-security"]
    _task, version = _review(child)
    with pytest.raises(ValidationFailed):
        services.supplement_request(
            actor=officer, case=child, reason="", materials=["photo"], expected_version=version
        )
    with pytest.raises(ValidationFailed) as unknown:
        services.supplement_request(
            actor=officer, case=child, reason="x", materials=["nope"], expected_version=version
        )
    assert unknown.value.code == "unknown_material"
    with pytest.raises(Conflict):
        services.supplement_request(
            actor=officer, case=child, reason="x", materials=[], expected_version=version - 1
        )
    with pytest.raises(NotFound):
        services.supplement_request(
            actor=business, case=child, reason="x", materials=[], expected_version=version
        )
    child.refresh_from_db()
    assert child.status == Case.Status.ACCEPTED
    assert not Supplement.objects.exists()


def test_a_forged_task_id_is_not_found(newborn_case: Case, officers: dict[str, Any]) -> None:
    child = newborn_case.children.get(item__code=CARD)
    _task, version = _review(child)
    with pytest.raises(NotFound):
        services.task_complete(
            actor=officers["human-resources-social-security"],
            case=child,
            task_id="00000000-0000-0000-0000-000000000000",
            data={"review_outcome": "pass"},
            expected_version=version,
        )


def test_bad_step_data_is_refused(newborn_case: Case, officers: dict[str, Any]) -> None:
    child = newborn_case.children.get(item__code=CARD)
    task, version = _review(child)
    for data in ({"review_outcome": "maybe"}, {"decision": "approve"}, {}, "pass"):
        with pytest.raises(ValidationFailed):
            services.task_complete(
                actor=officers["human-resources-social-security"],
                case=child,
                task_id=task.id,
                data=data,
                expected_version=version,
            )
    child.refresh_from_db()
    assert child.task_name == "review"


def test_rejection_with_a_reason(newborn_case: Case, officers: dict[str, Any], decide: Any) -> None:
    child = newborn_case.children.get(item__code=CARD)
    decide(child, officers["human-resources-social-security"], "reject", "Not eligible.")
    child.refresh_from_db()
    assert child.status == Case.Status.REJECTED
    assert child.decision == "reject"
    assert child.decision_reason == "Not eligible."
    assert child.result_kind == ""


def test_paper_results_are_collected_in_one_visit(
    newborn_case: Case, officers: dict[str, Any], decide: Any, clerk: Any, citizen: Any
) -> None:
    for child in newborn_case.children.exclude(auto_decided=True):
        decide(child, officers[child.department.kind_id])
    newborn_case.refresh_from_db()
    paper = newborn_case.children.filter(result_kind=Case.ResultKind.PAPER)
    assert paper.exists()
    visits = newborn_case.visits
    with pytest.raises(NotFound):
        services.result_collect(actor=citizen, case=newborn_case)
    services.result_collect(actor=clerk, case=newborn_case)
    newborn_case.refresh_from_db()
    assert newborn_case.visits == visits + 1
    assert not paper.filter(result_collected_at__isnull=True).exists()
    with pytest.raises(Conflict):
        services.result_collect(actor=clerk, case=newborn_case)


def test_withdraw_before_a_decision_only(
    citizen: Any, business: Any, newborn_case: Case, officers: dict[str, Any]
) -> None:
    # the enrolment was decided by rules at submission: too late for the whole bundle
    with pytest.raises(Conflict):
        services.case_withdraw(actor=citizen, case=newborn_case)
    with pytest.raises(NotFound):
        services.case_withdraw(actor=business, case=newborn_case)


def test_withdraw_an_undecided_application(citizen: Any, item: Any, fill: Any) -> None:
    case = services.draft_start(actor=citizen, item=item("RS-GG-0010"))
    case = services.draft_save(actor=citizen, case=case, form_data=fill(case))
    case = services.case_submit(actor=citizen, case=case)
    assert case.status == Case.Status.ACCEPTED
    services.case_withdraw(actor=citizen, case=case)
    case.refresh_from_db()
    assert case.status == Case.Status.WITHDRAWN
    assert case.task_name == ""


def test_officer_views_are_recorded_not_the_applicants(
    citizen: Any, newborn_case: Case, officers: dict[str, Any]
) -> None:
    child = newborn_case.children.get(item__code=CARD)
    officer = officers["human-resources-social-security"]
    before = AccessRecord.objects.filter(dataset="cases").count()
    record = services.case_access_record(actor=officer, case=child, fields=["form", "materials"])
    assert record is not None
    assert record.subject_index == newborn_case.applicant_index
    assert record.purpose == "case-handling"
    assert record.basis == "application"
    assert record.case_ref == child.number
    assert services.case_access_record(actor=citizen, case=child, fields=["form"]) is None
    assert AccessRecord.objects.filter(dataset="cases").count() == before + 1


def test_the_applicant_cannot_act_for_the_department(citizen: Any, newborn_case: Case) -> None:
    child = newborn_case.children.get(item__code=CARD)
    task, version = _review(child)
    with pytest.raises(PermissionDenied):
        services.task_complete(
            actor=citizen,
            case=child,
            task_id=task.id,
            data={"review_outcome": "pass"},
            expected_version=version,
        )


def test_a_version_sent_back_as_text_works_and_nonsense_is_stale(
    newborn_case: Case, officers: dict[str, Any]
) -> None:
    child = newborn_case.children.get(item__code=CARD)
    officer = officers["human-resources-social-security"]
    task, version = _review(child)
    with pytest.raises(Conflict):
        services.task_complete(
            actor=officer,
            case=child,
            task_id=task.id,
            data={"review_outcome": "pass"},
            expected_version="abc",  # type: ignore[arg-type]
        )
    services.task_complete(
        actor=officer,
        case=child,
        task_id=task.id,
        data={"review_outcome": "pass"},
        expected_version=str(version),  # type: ignore[arg-type]
    )
    child.refresh_from_db()
    assert child.task_name == "decide"
