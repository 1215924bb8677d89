"""Applying while a dataset lives in a department's own system (`sharing.sources`, the HTTP JSON
adapter), against a department service on loopback: pre-fill and held materials come from it;
when it is down the applicant is told, uploads instead and submits (or waits: the draft turns
held when it is back); a submission never fails because it is down; a material held by the
department counts as held in the burden figures, exactly like the node's own data."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from onestop.accounts.models import User
from onestop.cases import holdings, services
from onestop.cases.models import Case, CaseMaterial
from onestop.catalog.models import Scenario
from onestop.core.actors import SYSTEM
from onestop.core.errors import ValidationFailed
from onestop.sharing import services as sharing_services
from onestop.sharing.models import AccessRecord
from tests.cases.conftest import NEWBORN_ANSWERS, fill_values
from tests.sharing.department import DepartmentService

pytestmark = pytest.mark.django_db

CITIZEN_ID = "37112119930315123X"
TOKEN = "county-public-security-token"
ADDRESS = "山东省日照市五莲县洪凝街道解放路88号（县户籍系统）"
REGISTER = {
    "household": {
        CITIZEN_ID: {
            "household_number": "371121007215",
            "registered_address": ADDRESS,
            "residence_address": "山东省日照市五莲县洪凝街道五莲山路16号3单元502室",
            "name": "张伟",
        }
    }
}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def department(settings: Any, cases_world: dict[str, User]) -> Iterator[DepartmentService]:
    settings.SHARING_SOURCE_RETRY_SECONDS = 0
    service = DepartmentService(REGISTER, token=TOKEN).start()
    service.configure()
    yield service
    service.stop()


def _draft(citizen: User, newborn: Scenario) -> Case:
    case = services.draft_start(actor=citizen, scenario=newborn, allow_duplicate=True)
    return services.draft_save(actor=citizen, case=case, variant_answers=NEWBORN_ANSWERS)


def _modes(case: Case) -> dict[str, str]:
    return dict(CaseMaterial.objects.filter(case=case.top).values_list("key", "mode"))


def _submit(citizen: User, case: Case) -> Case:
    case = services.draft_save(actor=citizen, case=case, form_data=fill_values(case))
    return services.case_submit(actor=citizen, case=case)


def test_prefill_and_held_materials_come_from_the_department(
    citizen: User, newborn: Scenario, department: DepartmentService
) -> None:
    case = _draft(citizen, newborn)
    assert _modes(case)["household-record"] == CaseMaterial.Mode.HELD

    case, gaps = services.prefill_apply_report(actor=citizen, case=case)

    assert gaps == []
    assert case.form_data["household_address"] == ADDRESS  # the department's value
    assert case.prefilled["household_address"] == "household.registered_address"
    access = AccessRecord.objects.filter(actor=citizen, dataset="household").get()
    assert (access.result, access.purpose) == ("allowed", "prefill")
    assert access.source == f"http_json:127.0.0.1:{department.port}"
    assert access.log_index is not None
    # the bundle page's pre-fill panel shows it too
    found = holdings.prefill(actor=citizen, schema=newborn.form_schema, fetch=True)
    assert found is not None
    assert {r["key"]: r["value"] for r in found["rows"]}["household_address"] == ADDRESS
    assert found["unavailable"] == []


def test_department_down_the_applicant_uploads_and_submits(
    citizen: User, newborn: Scenario, department: DepartmentService
) -> None:
    department.stop()
    case = _draft(citizen, newborn)
    statuses = {
        r["key"]: r["status"]
        for r in holdings.materials_status(
            actor=citizen, materials=[m for i in newborn.items.all() for m in i.materials.all()]
        )
    }
    assert statuses["household-record"] == "unavailable"  # not known now: never "held"
    assert _modes(case)["household-record"] == CaseMaterial.Mode.MISSING

    case, gaps = services.prefill_apply_report(actor=citizen, case=case)
    assert gaps == [
        "Household registration (hukou) and residence permit records (Public Security Bureau)"
    ]
    assert "household_address" not in case.prefilled  # left for the applicant to type
    assert AccessRecord.objects.filter(dataset="household", result="unavailable").exists()

    case = services.draft_save(actor=citizen, case=case, form_data=fill_values(case))
    with pytest.raises(ValidationFailed) as missing:
        services.case_submit(actor=citizen, case=case)
    assert "household-record" in missing.value.details["materials"]

    from onestop.cases.uploads import material_upload

    material_upload(
        actor=citizen,
        case=case,
        key="household-record",
        file=SimpleUploadedFile("hukou.pdf", PDF, content_type="application/pdf"),
    )
    submitted = services.case_submit(actor=citizen, case=case)
    assert submitted.number
    assert _modes(submitted)["household-record"] == CaseMaterial.Mode.UPLOAD
    assert submitted.top.form_data["household_address"]  # what the applicant typed is kept


def test_department_back_the_waiting_draft_turns_held(
    citizen: User, newborn: Scenario, department: DepartmentService
) -> None:
    department.stop()
    case = _draft(citizen, newborn)
    assert _modes(case)["household-record"] == CaseMaterial.Mode.MISSING

    department.start()
    case = services.draft_save(actor=citizen, case=case, form_data={"phone": "13800138000"})

    assert _modes(case)["household-record"] == CaseMaterial.Mode.HELD
    assert _submit(citizen, case).status != Case.Status.DRAFT


def test_a_submission_does_not_fail_when_the_department_goes_down(
    citizen: User, newborn: Scenario, department: DepartmentService
) -> None:
    case = _draft(citizen, newborn)
    case = services.prefill_apply(actor=citizen, case=case)
    department.stop()

    submitted = _submit(citizen, case)

    assert submitted.number
    assert _modes(submitted)["household-record"] == CaseMaterial.Mode.HELD


def test_held_by_the_department_counts_like_local_data_in_the_burden(
    citizen: User, newborn: Scenario, department: DepartmentService
) -> None:
    remote = _submit(citizen, _draft(citizen, newborn))
    sharing_services.source_configure(actor=SYSTEM, dataset="household", kind="local")
    local = _submit(citizen, _draft(citizen, newborn))

    assert remote.pk != local.pk
    assert _modes(remote) == _modes(local)
    assert _modes(remote)["household-record"] == CaseMaterial.Mode.HELD
    # `cases.burden` means `materials_submitted`: what was handed in, whatever held the rest
    assert remote.materials_submitted == local.materials_submitted


def test_the_bundle_page_fills_in_from_the_department_and_says_when_it_is_down(
    citizen: User, newborn: Scenario, department: DepartmentService
) -> None:
    from django.urls import reverse

    from tests.factories import login

    client = login(citizen)
    url = reverse("catalog:scenario_prefill", args=[newborn.slug])

    page = client.post(url).content.decode()
    assert ADDRESS in page
    assert "could not be reached now" not in page

    department.stop()
    sharing_services.source_configure(actor=SYSTEM, dataset="household", kind="http_json")
    page = client.post(url).content.decode()
    assert ADDRESS not in page
    assert "These records could not be reached now" in page
    assert "Household registration (hukou) and residence permit records" in page
    materials = client.get(reverse("catalog:scenario_detail", args=[newborn.slug])).content.decode()
    assert "The department system cannot be reached now" in materials
