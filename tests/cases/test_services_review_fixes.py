"""Fixes after the review: supplements only for materials that can be handed in, the officer's
timeline, the bundle's due date after a resume, the order of a lone auto item's notices."""

from __future__ import annotations

from typing import Any

import pytest

from onestop.cases import selectors, services
from onestop.cases.models import Case, CaseMaterial, Supplement
from onestop.core.errors import ValidationFailed

CARD = "37112100RS-GG-0005"


def _version(case: Case) -> int:
    return int(selectors.case_task_view(case=case)["version"])


@pytest.mark.parametrize("mode", [CaseMaterial.Mode.HELD, CaseMaterial.Mode.LICENCE])
def test_a_supplement_for_a_held_or_licence_material_is_refused(
    newborn_case: Case, officers: dict[str, Any], mode: str
) -> None:
    child = newborn_case.children.get(item__code=CARD)
    material = CaseMaterial.objects.filter(case=newborn_case).exclude(key="photo").first()
    assert material is not None
    CaseMaterial.objects.filter(pk=material.pk).update(mode=mode)
    officer = officers["human-resources-social-security"]
    with pytest.raises(ValidationFailed) as refused:
        services.supplement_request(
            actor=officer,
            case=child,
            reason="Again, please.",
            materials=[material.key],
            expected_version=_version(child),
        )
    assert refused.value.code == "material_not_uploaded"
    assert "cannot be asked for again" in refused.value.message
    child.refresh_from_db()
    assert child.status == Case.Status.ACCEPTED
    assert child.task_name == "review"
    assert not Supplement.objects.exists()


def _lone_item_case(citizen: Any, item: Any) -> Case:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from onestop.cases.uploads import material_upload
    from tests.cases.conftest import fill_values

    case = services.draft_start(actor=citizen, item=item("WJ-GG-0001"))
    case = services.draft_save(actor=citizen, case=case, form_data=fill_values(case))
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    material_upload(actor=citizen, case=case, key="photo", file=SimpleUploadedFile("p.png", png))
    return services.case_submit(actor=citizen, case=case, idempotency_key="lone-1")


def test_withdraw_stops_the_process_and_leaves_no_timer(
    client: Any, citizen: Any, item: Any
) -> None:
    from django.urls import reverse

    from onestop.workflow.models import ProcessInstance

    case = _lone_item_case(citizen, item)
    instance = ProcessInstance.objects.get(business_key=case.number)
    assert instance.status != ProcessInstance.Status.COMPLETED
    client.force_login(citizen)
    page = client.get(reverse("cases:my_case", args=[case.number]), HTTP_ACCEPT_LANGUAGE="en")
    assert "Withdraw the application" in page.content.decode()
    response = client.post(reverse("cases:my_withdraw", args=[case.number]))
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.WITHDRAWN
    instance.refresh_from_db()
    assert instance.status == ProcessInstance.Status.COMPLETED
    assert instance.timer_due_at is None
    assert instance.events.filter(kind="completed", data__stopped=True).exists()
    page = client.get(reverse("cases:my_case", args=[case.number]), HTTP_ACCEPT_LANGUAGE="en")
    assert "Withdraw the application" not in page.content.decode()


def test_a_bundle_with_a_decided_item_offers_no_withdraw(
    client: Any, citizen: Any, newborn_case: Case
) -> None:
    from django.urls import reverse

    client.force_login(citizen)
    page = client.get(
        reverse("cases:my_case", args=[newborn_case.number]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "Withdraw the application" not in page.content.decode()  # one item auto-decided
    response = client.post(reverse("cases:my_withdraw", args=[newborn_case.number]))
    assert response.status_code == 302
    newborn_case.refresh_from_db()
    assert newborn_case.status == Case.Status.ACCEPTED


def test_a_lone_auto_item_notifies_submitted_before_delivered(
    citizen: Any, item: Any, fill: Any
) -> None:
    from onestop.notify.models import Notification

    case = services.draft_start(actor=citizen, item=item("YB-GG-0006"))
    case = services.prefill_apply(actor=citizen, case=case)
    case = services.draft_save(actor=citizen, case=case, form_data=fill(case))
    case = services.case_submit(actor=citizen, case=case, idempotency_key="auto-order")
    assert case.status == Case.Status.COMPLETED
    templates = list(
        Notification.objects.filter(recipient=citizen)
        .order_by("created_at", "id")
        .values_list("template", flat=True)
    )
    assert templates.index("case.submitted") < templates.index("case.delivered")


def test_the_bundle_due_date_follows_its_last_item_after_a_resume(
    citizen: Any, newborn_case: Case, officers: dict[str, Any]
) -> None:
    import datetime

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from onestop.cases.uploads import material_upload

    child = newborn_case.children.get(item__code=CARD)
    services.supplement_request(
        actor=officers["human-resources-social-security"],
        case=child,
        reason="The photo is needed.",
        materials=["photo"],
        expected_version=_version(child),
    )
    Case.objects.filter(pk=child.pk).update(
        paused_since=timezone.now() - datetime.timedelta(days=40)
    )
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    material_upload(actor=citizen, case=child, key="photo", file=SimpleUploadedFile("p.png", png))
    before = Case.objects.get(pk=newborn_case.pk).due_date
    services.supplement_answer(actor=citizen, case=child)
    child.refresh_from_db()
    newborn_case.refresh_from_db()
    dues = [d for d in newborn_case.children.values_list("due_date", flat=True) if d]
    assert newborn_case.due_date == max(dues)
    assert child.due_date == max(dues)
    assert before is not None
    assert newborn_case.due_date > before


def test_a_missing_reason_is_one_whole_sentence(
    newborn_case: Case, officers: dict[str, Any]
) -> None:
    child = newborn_case.children.get(item__code=CARD)
    with pytest.raises(ValidationFailed) as missing:
        services.supplement_request(
            actor=officers["human-resources-social-security"],
            case=child,
            reason="  ",
            materials=["photo"],
            expected_version=_version(child),
        )
    assert missing.value.message == "Give the reason."
    assert missing.value.details == {"field": "reason"}


def test_the_supplement_notice_names_materials_in_the_recipients_language(
    citizen: Any, newborn_case: Case, officers: dict[str, Any]
) -> None:
    from onestop.notify.models import Notification

    child = newborn_case.children.get(item__code=CARD)
    services.supplement_request(
        actor=officers["human-resources-social-security"],
        case=child,
        reason="The photo is needed.",
        materials=["photo"],
        expected_version=_version(child),
    )
    note = Notification.objects.get(recipient=citizen, template="case.supplement_requested")
    photo = CaseMaterial.objects.get(case=newborn_case, key="photo")
    # the demo citizen reads Chinese (the node's default): Chinese names throughout
    assert photo.name_zh in note.body
    assert child.item is not None
    assert child.item.name_zh in note.body
