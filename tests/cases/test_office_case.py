"""The officer's case page (/office/cases/<number>/) on real cases: what it shows, the access it
records, and the engine tasks completed from its forms (review → pass or supplements, special
step, decide with a required reason), including two officers acting on the same version."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from onestop.cases import selectors
from onestop.cases.models import Case, CaseMaterial, Supplement
from onestop.sharing.models import AccessRecord
from tests.factories import login

PS = "371121-public-security"
HEALTH = "371121-health"


def _child(bundle: Case, department: str) -> Case:
    return bundle.children.select_related("item", "parent").get(department_id=department)


def _login(client: Any, user: Any) -> Any:
    return login(user, client=client)


def _act(client: Any, case: Case, action: str, **extra: Any) -> Any:
    view = selectors.case_task_view(case=case)
    data = {
        "task_id": view["tasks"][0].id,
        "version": view["version"],
        "action": action,
        **extra,
    }
    return client.post(reverse("cases:office_act", args=[case.number]), data)


def test_case_page_shows_the_application_and_records_the_access(
    client: Any, newborn_case: Case, officers: dict[str, Any]
) -> None:
    case = _child(newborn_case, PS)
    officer = officers["public-security"]
    before = AccessRecord.objects.filter(actor=officer, dataset="cases").count()
    response = _login(client, officer).get(reverse("cases:office_case", args=[case.number]))
    assert response.status_code == 200
    body = response.content.decode()
    assert case.number in body
    assert newborn_case.number in body  # the bundle it belongs to
    assert "张伟" in body
    assert newborn_case.applicant_id_masked
    assert newborn_case.applicant_id_masked in body
    # The applicant line shows the masked ID, never the full resident ID.
    applicant = body.split('id="case-applicant">', 1)[1].split("</dd>", 1)[0]
    assert newborn_case.applicant_id_masked in applicant
    assert "37112119930315123X" not in applicant
    # Form data and materials of the top case, the timeline, the review form with the version.
    ctx = response.context
    assert ctx["form_rows"]
    # Only the fields of this item, not the whole bundle's form.
    assert len(ctx["form_rows"]) < len(newborn_case.form_data)
    assert ctx["events"]
    assert [f["name"] for f in ctx["task_forms"]] == ["review"]
    assert f'name="version" value="{ctx["version"]}"' in body
    assert 'id="form-supplement"' in body
    records = AccessRecord.objects.filter(actor=officer, dataset="cases")
    assert records.count() == before + 1
    record = records.order_by("-at").first()
    assert record is not None
    assert record.subject_index == newborn_case.applicant_index
    assert record.basis == "application"
    assert record.case_ref == case.number
    assert record.purpose == "case-handling"


def test_review_pass_then_decide_needs_a_reason_then_approve(
    client: Any, newborn_case: Case, officers: dict[str, Any]
) -> None:
    case = _child(newborn_case, PS)
    client = _login(client, officers["public-security"])
    response = _act(client, case, "pass")
    assert response.status_code == 302
    case.refresh_from_db()
    while case.task_name == "special_step":
        assert _act(client, case, "special_pass", reason="Seen.").status_code == 302
        case.refresh_from_db()
    assert case.task_name == "decide"
    # No reason: a clear error, nothing changes.
    version = selectors.case_task_view(case=case)["version"]
    response = _act(client, case, "approve", reason="   ")
    assert response.status_code == 400
    assert "decision needs a reason" in response.content.decode()
    case.refresh_from_db()
    assert case.task_name == "decide"
    assert case.decision == ""
    assert selectors.case_task_view(case=case)["version"] == version
    # With a reason: first a page to confirm (no JavaScript), nothing decided yet.
    response = _act(client, case, "approve", reason="All materials verified.")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="form-confirm"' in body
    assert '<input type="hidden" name="confirmed" value="yes">' in body
    assert "It cannot be taken back here" in body
    case.refresh_from_db()
    assert case.decision == ""
    assert case.task_name == "decide"
    # Confirmed: decided, the reason kept.
    response = _act(client, case, "approve", reason="All materials verified.", confirmed="yes")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.decision == "approve"
    assert case.decision_reason == "All materials verified."
    assert case.status in (Case.Status.APPROVED, Case.Status.COMPLETED)
    page = client.get(reverse("cases:office_case", args=[case.number]))
    assert page.context["task_forms"] == []
    assert "All materials verified." in page.content.decode()


def test_stale_version_shows_a_conflict_and_changes_nothing(
    client: Any, newborn_case: Case, officers: dict[str, Any], users: dict[str, Any]
) -> None:
    from onestop.accounts import services as account_services
    from onestop.accounts.models import StaffRole

    second = account_services.staff_create(
        actor=users["admin"],
        username="officer-ps2",
        password="onestop-demo-2026",
        real_name="第二位",
        roles=[(StaffRole.Role.DEPARTMENT_OFFICER, "371121", PS)],
    )
    case = _child(newborn_case, PS)
    view = selectors.case_task_view(case=case)  # both officers' pages show this version
    stale = {"task_id": view["tasks"][0].id, "version": view["version"]}
    first = _login(client, officers["public-security"])
    assert (
        first.post(
            reverse("cases:office_act", args=[case.number]), {**stale, "action": "pass"}
        ).status_code
        == 302
    )
    case.refresh_from_db()
    task_after = case.task_name
    version_after = selectors.case_task_view(case=case)["version"]
    other = _login(client, second)
    response = other.post(
        reverse("cases:office_act", args=[case.number]),
        {**stale, "action": "supplement", "reason": "Blurred scan.", "materials": []},
    )
    assert response.status_code == 409
    assert "Someone else acted on this case first" in response.content.decode()
    case.refresh_from_db()
    assert case.task_name == task_after
    assert case.status == Case.Status.ACCEPTED
    assert not Supplement.objects.filter(case=case).exists()
    assert selectors.case_task_view(case=case)["version"] == version_after


def test_supplement_request_changes_the_status_and_stops_the_clock(
    client: Any, newborn_case: Case, officers: dict[str, Any]
) -> None:
    case = _child(newborn_case, PS)
    client = _login(client, officers["public-security"])
    keys = list(
        CaseMaterial.objects.filter(case=newborn_case)
        .exclude(mode__in=(CaseMaterial.Mode.HELD, CaseMaterial.Mode.LICENCE))
        .values_list("key", flat=True)
    )[:1]
    assert keys
    # A reason is required.
    response = _act(client, case, "supplement", reason="", materials=keys)
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.status == Case.Status.ACCEPTED
    response = _act(client, case, "supplement", reason="The photo is blurred.", materials=keys)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.SUPPLEMENT
    assert case.paused_since is not None
    supplement = Supplement.objects.get(case=case)
    assert supplement.materials == keys
    assert supplement.reason == "The photo is blurred."
    # The queue shows it among the cases waiting for supplements.
    queue = client.get(reverse("cases:office"), {"status": "supplement"})
    assert [r.case.number for r in queue.context["q"].rows] == [case.number]
    page = client.get(reverse("cases:office_case", args=[case.number]))
    assert "The photo is blurred." in page.content.decode()
    assert page.context["task_forms"] == []


def test_unknown_material_in_a_supplement_request_is_refused(
    client: Any, newborn_case: Case, officers: dict[str, Any]
) -> None:
    case = _child(newborn_case, PS)
    client = _login(client, officers["public-security"])
    response = _act(client, case, "supplement", reason="Why?", materials=["no-such-thing"])
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.status == Case.Status.ACCEPTED


def test_supervisor_sees_the_case_read_only_and_other_departments_get_404(
    client: Any, newborn_case: Case, officers: dict[str, Any], supervisor: Any
) -> None:
    case = _child(newborn_case, PS)
    response = _login(client, supervisor).get(reverse("cases:office_case", args=[case.number]))
    assert response.status_code == 200
    assert response.context["task_forms"] == []
    response = _act(client, case, "pass")
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.task_name == "review"
    health = _login(client, officers["health"])
    assert health.get(reverse("cases:office_case", args=[case.number])).status_code == 404
    assert _act(health, case, "pass").status_code == 404
    case.refresh_from_db()
    assert case.task_name == "review"


def test_uploaded_material_download_is_policy_checked_and_recorded(
    client: Any, newborn_case: Case, officers: dict[str, Any]
) -> None:
    case = _child(newborn_case, PS)
    code = case.item.code
    materials = list(CaseMaterial.objects.filter(case=newborn_case))
    material = next(m for m in materials if code in m.items)
    foreign = next(m for m in materials if m.items and code not in m.items)
    data = b"%PDF-1.4\n% test\n"
    material.file.save("scan.pdf", ContentFile(data), save=False)
    material.mode = CaseMaterial.Mode.UPLOAD
    material.original_name = "scan.pdf"
    material.content_type = "application/pdf"
    material.size = len(data)
    material.sha256 = "0" * 64
    material.save()
    officer = officers["public-security"]
    url = reverse("cases:office_material", args=[case.number, material.key])
    before = AccessRecord.objects.filter(actor=officer, dataset="cases").count()
    response = _login(client, officer).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert AccessRecord.objects.filter(actor=officer, dataset="cases").count() == before + 1
    # A material that is not an uploaded file, another item's upload, and another
    # department's officer: 404.
    other = next(m for m in materials if m.pk != material.pk)
    assert (
        client.get(reverse("cases:office_material", args=[case.number, other.key])).status_code
        == 404
    )
    foreign.file.save("other.pdf", ContentFile(data), save=False)
    foreign.mode = CaseMaterial.Mode.UPLOAD
    foreign.save()
    url_foreign = reverse("cases:office_material", args=[case.number, foreign.key])
    assert client.get(url_foreign).status_code == 404
    health = _login(client, officers["health"])
    assert health.get(url).status_code == 404


@pytest.mark.parametrize("action", ["approve", "nonsense"])
def test_an_action_the_task_does_not_offer_changes_nothing(
    client: Any, newborn_case: Case, officers: dict[str, Any], action: str
) -> None:
    case = _child(newborn_case, PS)
    client = _login(client, officers["public-security"])
    response = _act(client, case, action, reason="Because.")
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.task_name == "review"
    assert case.decision == ""


def test_special_step_form_records_the_result_before_the_decision(
    client: Any, clerk: Any, officers: dict[str, Any], item: Any
) -> None:
    """A work-injury determination (special step: investigation) accepted at the window."""
    from onestop.cases import services
    from onestop.cases.seed import _fill
    from onestop.core import crypto

    injury = item("RS-QR-0002")
    assert injury.special_steps
    case = services.draft_start(
        actor=clerk,
        item=injury,
        channel=Case.Channel.WINDOW,
        applicant_index=crypto.blind_index("371121198506120412"),
        applicant_name="王小明",
    )
    case = services.draft_save(actor=clerk, case=case, form_data=_fill(case))
    for material in case.materials.filter(mode=CaseMaterial.Mode.MISSING):
        services.material_check(actor=clerk, case=case, key=material.key, mode="paper")
    case = services.case_accept(actor=clerk, case=case)
    client = _login(client, officers["human-resources-social-security"])
    assert _act(client, case, "pass").status_code == 302
    case.refresh_from_db()
    assert case.task_name == "special_step"
    page = client.get(reverse("cases:office_case", args=[case.number]))
    assert 'id="form-special"' in page.content.decode()
    response = _act(client, case, "special_pass", reason="Site visited; the accident is confirmed.")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.task_name == "decide"
    response = _act(
        client, case, "reject", reason="Not a work injury under article 16.", confirmed="yes"
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.decision == "reject"
    assert case.status == Case.Status.REJECTED
    timeline = client.get(reverse("cases:office_case", args=[case.number])).content.decode()
    assert "Site visited; the accident is confirmed." in timeline


def test_an_edited_prefilled_value_is_not_shown_as_from_government_records(
    client: Any, citizen: Any, newborn: Any, officers: dict[str, Any]
) -> None:
    """Provenance is fixed at submission: the applicant changed the child's name that
    pre-fill fetched, so the officer sees it as changed, and the household number (kept) as
    pre-filled."""
    from onestop.cases import services
    from tests.cases.conftest import newborn_draft_for

    draft = newborn_draft_for(citizen, newborn)
    assert draft.form_data["child_name"] == draft.prefill_values["child_name"] == "张小雨"
    draft = services.draft_save(
        actor=citizen, case=draft, form_data={**draft.form_data, "child_name": "张小雪"}
    )
    bundle = services.case_submit(actor=citizen, case=draft, idempotency_key="provenance-1")
    bundle.refresh_from_db()
    assert bundle.form_provenance["child_name"] == {
        "origin": "edited",
        "source": "birth-medical-certificate.child_name",
    }
    assert bundle.form_provenance["household_number"]["origin"] == "record"

    case = _child(bundle, PS)
    response = _login(client, officers["public-security"]).get(
        reverse("cases:office_case", args=[case.number])
    )

    rows = {r["key"]: r for r in response.context["form_rows"]}
    assert rows["child_name"]["value"] == "张小雪"
    assert rows["child_name"]["source"] == ""
    # Sources by the names of their datasets, never their keys.
    assert rows["child_name"]["edited_from"] == "Birth medical certificate records (Health Bureau)"
    assert rows["household_number"]["source"] == (
        "Household registration (hukou) and residence permit records (Public Security Bureau)"
    )
    body = response.content.decode()
    assert (
        "Changed by the applicant (pre-filled from Birth medical certificate records (Health "
        "Bureau))" in body
    )
    assert "birth-medical-certificate.child_name" not in body
