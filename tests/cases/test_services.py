"""Core services of `cases`: drafts, submission, fan-out, the engine sync, auto-decisions,
officers' steps, bundle completion and idempotency."""

from __future__ import annotations

from typing import Any

import pytest

from onestop.cases import selectors, services
from onestop.cases.models import Case, CaseEvent, CaseMaterial
from onestop.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from onestop.notify.models import Notification
from onestop.workflow.models import ProcessInstance
from tests.cases.conftest import NEWBORN_ANSWERS

ENROLMENT = "37112100YB-GG-0004"


def test_newborn_answers_select_seven_items(newborn_draft: Case) -> None:
    items = selectors.selected_items(case=newborn_draft)
    assert len(items) == 7
    assert "37112100YB-JF-0001" not in {i.code for i in items}
    kinds = {i.implementing_department.kind_id for i in items}
    assert kinds == {
        "health",
        "public-security",
        "medical-security",
        "tax",
        "human-resources-social-security",
    }


def test_draft_materials_are_held_or_verified_for_the_demo_citizen(newborn_draft: Case) -> None:
    modes = dict(CaseMaterial.objects.filter(case=newborn_draft).values_list("key", "mode"))
    assert modes["resident-id"] == CaseMaterial.Mode.LICENCE
    assert modes["birth-medical-certificate"] == CaseMaterial.Mode.HELD
    assert modes["household-register"] == CaseMaterial.Mode.LICENCE
    # the photo is optional and stays to hand in; nothing required is missing
    required_missing = CaseMaterial.objects.filter(
        case=newborn_draft, required=True, mode=CaseMaterial.Mode.MISSING
    )
    assert not required_missing.exists()


def test_prefill_stores_values_and_sources(citizen: Any, newborn: Any) -> None:
    case = services.draft_start(actor=citizen, scenario=newborn)
    case = services.draft_save(actor=citizen, case=case, variant_answers=NEWBORN_ANSWERS)
    case = services.prefill_apply(actor=citizen, case=case)
    assert case.form_data["child_name"] == "张小雨"
    assert case.prefilled["child_name"] == "birth-medical-certificate.child_name"
    assert case.prefill_values["child_name"] == "张小雨"


def test_draft_start_resumes_the_same_draft(citizen: Any, newborn: Any) -> None:
    first = services.draft_start(actor=citizen, scenario=newborn)
    again = services.draft_start(actor=citizen, scenario=newborn)
    assert again.pk == first.pk


def test_draft_save_rejects_unknown_answers_and_fields(citizen: Any, newborn: Any) -> None:
    case = services.draft_start(actor=citizen, scenario=newborn)
    with pytest.raises(ValidationFailed) as bad_question:
        services.draft_save(actor=citizen, case=case, variant_answers={"pets": "yes"})
    assert bad_question.value.code == "invalid_answers"
    with pytest.raises(ValidationFailed):
        services.draft_save(actor=citizen, case=case, variant_answers={"maternity": "maybe"})
    with pytest.raises(ValidationFailed) as bad_field:
        services.draft_save(actor=citizen, case=case, form_data={"nope": "x", "birth_date": "x"})
    assert set(bad_field.value.details["fields"]) == {"nope", "birth_date"}
    case.refresh_from_db()
    assert case.variant_answers == {}
    assert case.form_data == {}
    assert case.version == 1


def test_draft_save_stale_version_conflicts(citizen: Any, newborn: Any) -> None:
    case = services.draft_start(actor=citizen, scenario=newborn)
    services.draft_save(actor=citizen, case=case, variant_answers={"maternity": "no"})
    with pytest.raises(Conflict):
        services.draft_save(
            actor=citizen, case=case, variant_answers={"maternity": "yes"}, expected_version=1
        )


def test_another_user_cannot_touch_a_draft(citizen: Any, business: Any, newborn: Any) -> None:
    case = services.draft_start(actor=citizen, scenario=newborn)
    with pytest.raises(NotFound):
        services.draft_save(actor=business, case=case, variant_answers={"maternity": "no"})
    with pytest.raises(NotFound):
        selectors.case_get_draft(actor=business, case_id=case.pk)


def test_submit_fans_out_and_auto_approves_only_the_enrolment(
    citizen: Any, newborn_draft: Case
) -> None:
    case = services.case_submit(actor=citizen, case=newborn_draft, idempotency_key="k1")
    assert case.number
    assert case.number.startswith("371121-")
    assert case.status == Case.Status.ACCEPTED
    children = list(case.children.order_by("number"))
    assert len(children) == 7
    assert (
        ProcessInstance.objects.filter(business_key__in=[c.number for c in children]).count() == 7
    )
    auto = [c for c in children if c.auto_decided]
    assert [c.item.code for c in auto] == [ENROLMENT]
    enrolment = auto[0]
    assert enrolment.decision == "approve"
    assert enrolment.status == Case.Status.COMPLETED
    assert enrolment.result_kind == Case.ResultKind.PAPER  # no e-licence for an enrolment
    assert enrolment.task_name == ""
    # decided within the submission (how long it takes is measured in bench/, not here)
    waiting = [c for c in children if not c.auto_decided]
    assert all(c.task_name == "review" and c.task_lane == "department" for c in waiting)
    assert all(c.due_date is not None for c in children)
    kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds[-2:] == [CaseEvent.Kind.SUBMITTED, CaseEvent.Kind.ACCEPTED]
    assert CaseEvent.objects.filter(case=enrolment, kind=CaseEvent.Kind.AUTO_DECIDED).exists()
    submitted = Notification.objects.filter(recipient=citizen, template="case.submitted")
    assert submitted.count() == 1
    assert case.fields_typed > 0


def test_submit_retried_with_the_same_key_returns_the_same_case(
    citizen: Any, newborn_case: Case
) -> None:
    draft_again = Case.objects.get(pk=newborn_case.pk)
    again = services.case_submit(actor=citizen, case=draft_again, idempotency_key="newborn-1")
    assert again.pk == newborn_case.pk
    assert again.number == newborn_case.number
    assert Case.objects.filter(parent=newborn_case).count() == 7
    assert Notification.objects.filter(template="case.submitted").count() == 1


def test_idempotency_key_of_another_case_conflicts(
    citizen: Any, newborn_case: Case, item: Any
) -> None:
    other = services.draft_start(actor=citizen, item=item("YB-GG-0006"))
    with pytest.raises(Conflict):
        services.case_submit(actor=citizen, case=other, idempotency_key="newborn-1")


def test_submit_with_missing_material_changes_nothing(citizen: Any, item: Any, fill: Any) -> None:
    # the food-handler health certificate needs a photo upload
    case = services.draft_start(actor=citizen, item=item("WJ-GG-0001"))
    case = services.draft_save(actor=citizen, case=case, form_data=fill(case))
    with pytest.raises(ValidationFailed) as caught:
        services.case_submit(actor=citizen, case=case, idempotency_key="x")
    assert caught.value.code == "materials_missing"
    assert "photo" in caught.value.details["materials"]
    case.refresh_from_db()
    assert case.status == Case.Status.DRAFT
    assert case.number is None
    assert case.idempotency_key is None
    assert not ProcessInstance.objects.exists()


def test_submit_with_missing_fields_changes_nothing(citizen: Any, newborn: Any) -> None:
    case = services.draft_start(actor=citizen, scenario=newborn)
    case = services.draft_save(actor=citizen, case=case, variant_answers=NEWBORN_ANSWERS)
    with pytest.raises(ValidationFailed) as caught:
        services.case_submit(actor=citizen, case=case)
    assert caught.value.code == "fields_missing"
    case.refresh_from_db()
    assert case.status == Case.Status.DRAFT


def test_officers_decide_and_the_bundle_completes_with_one_notification(
    citizen: Any, newborn_case: Case, officers: dict[str, Any], decide: Any
) -> None:
    children = [c for c in newborn_case.children.order_by("number") if not c.auto_decided]
    for child in children:
        officer = officers[child.department.kind_id]
        decide(child, officer)
        child.refresh_from_db()
        assert child.decision == "approve"
        assert child.decision_reason == "Checked."
        assert child.decided_by == officer
        assert child.status == Case.Status.COMPLETED
    newborn_case.refresh_from_db()
    assert newborn_case.status == Case.Status.COMPLETED
    delivered = Notification.objects.filter(recipient=citizen, template="case.delivered")
    assert delivered.count() == 1
    results = {c.item.code: c.result_kind for c in newborn_case.children.all()}
    # e-licence results of this node's licence types go to the wallet
    assert results["37112100WJ-GG-0002"] == Case.ResultKind.LICENCE  # birth medical certificate
    assert results["37112100RS-GG-0005"] == Case.ResultKind.LICENCE  # social security card
    assert results["37112100SW-QT-0005"] == Case.ResultKind.PAPER
    credential = newborn_case.children.get(item__code="37112100WJ-GG-0002").credential
    assert credential.holder == citizen
    subject = credential.subject
    assert subject["name"] == citizen.real_name
    # The allow-list of the birth medical certificate: nothing of the form beyond it, and no
    # case number, employer, delivery method, household number or address.
    assert set(subject) <= {
        "id",
        "name",
        "item",
        "child_name",
        "child_gender",
        "birth_date",
        "mother_name",
        "father_name",
    }
    assert subject.get("child_name")  # pre-filled from the health record, unchanged


def test_decision_needs_a_reason(newborn_case: Case, officers: dict[str, Any]) -> None:
    child = newborn_case.children.get(item__code="37112100SW-QT-0005")
    officer = officers["tax"]
    view = selectors.case_task_view(case=child)
    services.task_complete(
        actor=officer,
        case=child,
        task_id=view["tasks"][0].id,
        data={"review_outcome": "pass"},
        expected_version=view["version"],
    )
    view = selectors.case_task_view(case=child)
    assert view["tasks"][0].name == "decide"
    with pytest.raises(ValidationFailed) as caught:
        services.task_complete(
            actor=officer,
            case=child,
            task_id=view["tasks"][0].id,
            data={"decision": "approve"},
            expected_version=view["version"],
            reason="  ",
        )
    assert caught.value.code == "reason_required"
    child.refresh_from_db()
    assert child.decision == ""
    assert child.task_name == "decide"


def test_two_officers_on_the_same_task_one_conflict(
    newborn_case: Case, cases_world: dict[str, Any]
) -> None:
    from onestop.accounts import services as account_services

    child = newborn_case.children.get(item__code="37112100SW-QT-0005")
    second = account_services.staff_create(
        actor=cases_world["admin"],
        username="officer-sw2",
        password="onestop-demo-2026",
        real_name="second",
        roles=[("department_officer", "371121", "371121-tax")],
    )
    view = selectors.case_task_view(case=child)
    task, version = view["tasks"][0], view["version"]
    services.task_complete(
        actor=cases_world["officer-sw"],
        case=child,
        task_id=task.id,
        data={"review_outcome": "pass"},
        expected_version=version,
    )
    before = Case.objects.get(pk=child.pk)
    with pytest.raises(Conflict) as caught:
        services.task_complete(
            actor=second,
            case=Case.objects.get(pk=child.pk),
            task_id=task.id,
            data={"review_outcome": "pass"},
            expected_version=version,
        )
    assert "Someone else" in str(caught.value.message)
    after = Case.objects.get(pk=child.pk)
    assert after.version == before.version
    assert after.task_name == "decide"


def test_wrong_department_officer_cannot_see_or_act(
    newborn_case: Case, officers: dict[str, Any]
) -> None:
    child = newborn_case.children.get(item__code="37112100SW-QT-0005")
    view = selectors.case_task_view(case=child)
    with pytest.raises(NotFound):
        services.task_complete(
            actor=officers["health"],
            case=child,
            task_id=view["tasks"][0].id,
            data={"review_outcome": "pass"},
            expected_version=view["version"],
        )
    with pytest.raises(NotFound):
        selectors.case_get(actor=officers["health"], number=child.number)
    assert selectors.case_get(actor=officers["tax"], number=child.number) == child


def test_clerk_cannot_complete_a_department_task(newborn_case: Case, clerk: Any) -> None:
    child = newborn_case.children.get(item__code="37112100SW-QT-0005")
    view = selectors.case_task_view(case=child)
    with pytest.raises(PermissionDenied):
        services.task_complete(
            actor=clerk,
            case=child,
            task_id=view["tasks"][0].id,
            data={"review_outcome": "pass"},
            expected_version=view["version"],
        )


def test_forged_numbers_are_not_found_with_one_message(
    citizen: Any, business: Any, newborn_case: Case
) -> None:
    with pytest.raises(NotFound) as unknown:
        selectors.case_get(actor=citizen, number="371121-20260101-99999")
    with pytest.raises(NotFound) as foreign:
        selectors.case_get(actor=business, number=newborn_case.number)
    assert str(unknown.value.message) == str(foreign.value.message)
    assert selectors.case_get(actor=citizen, number=newborn_case.number) == newborn_case


def test_timeline_has_top_and_item_events_in_order(newborn_case: Case) -> None:
    events = selectors.case_timeline(case=newborn_case)
    assert {e.case_id for e in events} >= {newborn_case.pk}
    assert len({e.case_id for e in events}) == 8
    assert [e.at for e in events] == sorted(e.at for e in events)


def test_changing_answers_keeps_uploads_that_still_apply(citizen: Any, newborn_draft: Case) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from onestop.cases.uploads import material_upload

    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    material_upload(
        actor=citizen,
        case=newborn_draft,
        key="photo",
        file=SimpleUploadedFile("p.png", png, content_type="image/png"),
    )
    case = services.draft_save(
        actor=citizen, case=newborn_draft, variant_answers={"maternity": "yes"}
    )
    rows = dict(CaseMaterial.objects.filter(case=case).values_list("key", "mode"))
    assert rows["photo"] == CaseMaterial.Mode.UPLOAD
    assert "maternity-bills" in rows  # the maternity item's materials came in
    case = services.draft_save(actor=citizen, case=case, variant_answers={"ss_card": "no"})
    keys = set(CaseMaterial.objects.filter(case=case).values_list("key", flat=True))
    assert "photo" not in keys  # only the social security card needed it


def test_prefill_keeps_what_the_applicant_typed(citizen: Any, newborn: Any) -> None:
    case = services.draft_start(actor=citizen, scenario=newborn)
    case = services.draft_save(
        actor=citizen,
        case=case,
        variant_answers=NEWBORN_ANSWERS,
        form_data={"child_name": "张雨"},
    )
    case = services.prefill_apply(actor=citizen, case=case)
    assert case.form_data["child_name"] == "张雨"
    assert case.form_data["birth_date"] == "2026-11-10"
    assert case.prefilled["birth_date"] == "birth-medical-certificate.birth_date"


def test_fields_typed_counts_only_what_differs_from_prefill(
    citizen: Any, newborn_draft: Case
) -> None:
    schema = selectors.case_form_schema(case=newborn_draft)
    prefilled = newborn_draft.prefill_values
    typed = [
        k
        for k in schema["properties"]
        if newborn_draft.form_data.get(k) not in (None, "")
        and (k not in prefilled or prefilled[k] != newborn_draft.form_data[k])
    ]
    assert typed  # phone, relationship, delivery method ... are typed
    case = services.case_submit(actor=citizen, case=newborn_draft)
    assert case.fields_typed == len(typed)
    assert case.fields_typed < len(schema["properties"])


def test_form_data_and_prefill_values_are_encrypted_at_rest(newborn_draft: Case) -> None:
    from django.db import connection

    mother_id = newborn_draft.form_data["mother_id_number"]
    assert mother_id
    assert newborn_draft.prefill_values
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT form_data, prefill_values, contact_phone FROM cases_case WHERE id = %s",
            [newborn_draft.pk.hex if connection.vendor == "sqlite" else newborn_draft.pk],
        )
        form_raw, prefill_raw, phone_raw = cursor.fetchone()
    assert mother_id not in form_raw
    assert mother_id not in prefill_raw
    assert form_raw.startswith("gAAAAA")
    assert prefill_raw.startswith("gAAAAA")
    assert newborn_draft.contact_phone == "" or newborn_draft.contact_phone not in phone_raw
    again = Case.objects.get(pk=newborn_draft.pk)
    assert again.form_data == newborn_draft.form_data
    assert again.prefill_values == newborn_draft.prefill_values
