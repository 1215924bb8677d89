"""Items decided by rules (秒批) from verified data within a second of submission: the newborn
enrolment (in tests/cases/test_services.py), the out-of-area treatment filing for the demo
citizen and the tax clearance for the demo business; at the window, where no verified data is
fetched, the same items go to an officer."""

from __future__ import annotations

from typing import Any

from onestop.cases import services
from onestop.cases.models import Case, CaseEvent, ItemProcess
from onestop.credentials.selectors import wallet_licence_types
from onestop.sharing.models import AccessRecord


def _submit(actor: Any, item: Any, fill: Any) -> Case:
    case = services.draft_start(actor=actor, item=item)
    case = services.prefill_apply(actor=actor, case=case)
    case = services.draft_save(actor=actor, case=case, form_data=fill(case))
    return services.case_submit(actor=actor, case=case, idempotency_key=f"auto-{item.code}")


def _decided_within_a_second(case: Case) -> None:
    assert case.auto_decided is True
    assert case.decision == "approve"
    assert case.decided_by is None
    assert case.decided_at is not None
    assert case.submitted_at is not None
    # Decided within the submission, with no step left for a person (how fast: bench/, not here).
    assert case.decided_at >= case.submitted_at
    assert case.task_name == ""
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.AUTO_DECIDED).exists()


def test_three_items_are_bound_to_rules(cases_world: Any) -> None:
    rows = dict(ItemProcess.objects.filter(auto=True).values_list("template_key", "process_key"))
    assert rows == {
        "YB-GG-0004": "auto_decision",
        "YB-GG-0006": "auto_out_of_area_filing",
        "SW-QT-0004": "auto_tax_clearance",
    }


def test_the_item_process_seed_step_is_idempotent(cases_world: Any) -> None:
    from onestop.cases.seed_processes import seed_item_processes
    from onestop.core import seeding

    step = next(s for s in seeding.steps() if s.name == "item-processes")
    assert step.order > next(s.order for s in seeding.steps() if s.name == "workflow")
    assert seed_item_processes() == "3 item processes, 0 changed"


def test_out_of_area_filing_is_decided_by_rules(citizen: Any, item: Any, fill: Any) -> None:
    case = _submit(citizen, item("YB-GG-0006"), fill)
    _decided_within_a_second(case)
    assert case.status == Case.Status.COMPLETED
    assert case.result_kind == Case.ResultKind.PAPER
    # the verified facts were fetched through sharing, and recorded
    assert AccessRecord.objects.filter(
        dataset="medical-insurance", purpose="eligibility-check", actor=citizen
    ).exists()


def test_tax_clearance_is_decided_by_rules_with_an_e_licence(
    business: Any, item: Any, fill: Any
) -> None:
    case = _submit(business, item("SW-QT-0004"), fill)
    _decided_within_a_second(case)
    assert case.status == Case.Status.COMPLETED
    assert case.result_kind == Case.ResultKind.LICENCE
    assert case.credential is not None
    assert case.credential.licence_type_id == "tax-clearance-certificate"
    assert "caseNumber" not in case.credential.subject  # the QR code tells no case number
    assert case.credential.subject["name"] == business.organisation_name
    assert "tax-clearance-certificate" in wallet_licence_types(holder=business)


def test_a_business_cannot_get_a_tax_clearance_naming_another_firm(
    business: Any, item: Any, fill: Any
) -> None:
    """The subject's name comes from the verified account, and typed values stay out."""
    tax = item("SW-QT-0004")
    case = services.draft_start(actor=business, item=tax)
    case = services.prefill_apply(actor=business, case=case)
    values = {
        **fill(case),
        "enterprise_name": "五莲县另一家有限公司",
        "uscc": "91371121MA3D6E8F97",
        "legal_rep_name": "冒名者",
    }
    case = services.draft_save(actor=business, case=case, form_data=values)
    case = services.case_submit(actor=business, case=case, idempotency_key="auto-other-firm")
    assert case.credential is not None
    subject = case.credential.subject
    assert subject["name"] == business.organisation_name
    assert subject["uscc"] == business.uscc
    text = str(subject)
    for typed in ("另一家", "91371121MA3D6E8F97", "冒名者"):
        assert typed not in text
    assert set(subject) <= {"id", "name", "item", "uscc", "dereg_mode"}


def test_at_the_window_the_same_item_goes_to_an_officer(
    window_draft: Any, item: Any, clerk: Any, citizen: Any, fill: Any
) -> None:
    case = window_draft(item=item("YB-GG-0006"), applicant=citizen)
    case = services.draft_save(actor=clerk, case=case, form_data=fill(case))
    case = services.case_accept(actor=clerk, case=case)
    assert case.auto_decided is False
    assert case.decision == ""
    assert case.task_name == "decide"
    assert case.task_lane == "department"


MOTHER_ID = "371121199408221249"  # 王丽: insured here in the demo's shared data


def test_an_unverified_applicant_goes_to_an_officer_not_to_the_rules(
    cases_world: Any, item: Any, fill: Any
) -> None:
    """Registered with a resident's ID number (L1): the facts that would approve are not
    fetched (each refusal recorded), and the case waits for an officer."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from onestop.accounts import services as accounts_services
    from onestop.accounts.models import AssuranceEvent, User
    from onestop.cases.models import CaseMaterial
    from onestop.cases.uploads import material_upload
    from onestop.core.actors import SYSTEM
    from tests.factories import CitizenFactory

    applicant = CitizenFactory(resident_id=MOTHER_ID, level=1)
    case = services.draft_start(actor=applicant, item=item("YB-GG-0006"))
    case = services.draft_save(actor=applicant, case=case, form_data=fill(case))
    missing = CaseMaterial.objects.filter(case=case, mode=CaseMaterial.Mode.MISSING, required=True)
    assert missing.exists()  # unverified: nothing counts as held, the papers are handed in
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    for material in list(missing):
        material_upload(
            actor=applicant, case=case, key=material.key, file=SimpleUploadedFile("p.png", png)
        )
    case = services.case_submit(actor=applicant, case=case, idempotency_key="auto-l1")

    assert case.auto_decided is False
    assert case.decision == ""
    assert case.task_name == "decide"
    assert case.task_lane == "department"
    refused = AccessRecord.objects.filter(actor=applicant, purpose="eligibility-check")
    assert set(refused.values_list("dataset", "result", "reason")) == {
        ("medical-insurance", "refused", "not_verified")
    }

    # The same person, verified by the identity provider: the rules decide.
    accounts_services.assurance_raise(
        actor=SYSTEM,
        user=applicant,
        level=User.AssuranceLevel.L2,
        method=AssuranceEvent.Method.IDENTITY_PROVIDER,
    )
    # the first application is still with the officer: applying again is meant
    again = services.draft_start(actor=applicant, item=item("YB-GG-0006"), allow_duplicate=True)
    again = services.draft_save(actor=applicant, case=again, form_data=fill(again))
    again = services.case_submit(actor=applicant, case=again, idempotency_key="auto-l2")
    _decided_within_a_second(again)
