"""Unified acceptance at the window: look-up by resident ID, a window application for any
department's item, the material check, and accept / one-time notice / accept with a pledge;
the second visit that completes a notice; receipts and notices as PDF; region scoping."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from onestop.accounts.models import User
from onestop.cases import pdf, selectors, services, tracking
from onestop.cases.models import Case, CaseDocument, CaseMaterial
from onestop.catalog.models import Scenario
from onestop.core import crypto
from onestop.core.errors import NotFound, ValidationFailed
from onestop.sharing.models import AccessRecord
from tests.cases.factories_window import (
    BAD_RID,
    RESTAURANT_ANSWERS,
    RID,
    WALKIN_RID,
    case_from_redirect,
    login,
)

M = CaseMaterial.Mode


@pytest.fixture
def clerk_client(clerk: User) -> Client:
    return login(clerk)


def _start(client: Client, target: str, rid: str = WALKIN_RID, name: str = "李四") -> Case:
    response = client.post(reverse("cases:window"), {"action": "lookup", "resident_id": rid})
    assert response.status_code == 302
    response = client.post(reverse("cases:window_start"), {"target": target, "name": name})
    assert response.status_code == 302, response.content.decode()[:2000]
    return case_from_redirect(response)


def _answer(client: Client, case: Case, fill: Callable[[Case], dict[str, Any]]) -> Case:
    url = reverse("cases:window_case", args=[selectors.case_ref(case)])
    data: dict[str, Any] = {"action": "answers"}
    data |= {f"variant_{k}": v for k, v in RESTAURANT_ANSWERS.items()}
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    case.refresh_from_db()
    values = fill(case)
    data = {"action": "answers"} | {
        f"field_{k}": ("on" if v is True else str(v)) for k, v in values.items()
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    case.refresh_from_db()
    return case


def _check_all(client: Client, case: Case, mode: str = "paper", skip: tuple[str, ...] = ()) -> None:
    url = reverse("cases:window_case", args=[selectors.case_ref(case)])
    for m in case.materials.filter(mode=M.MISSING):
        if m.key in skip:
            continue
        response = client.post(url, {"action": "material", "check": f"{m.key}:{mode}"})
        assert response.status_code == 302


def test_walkin_with_account_is_found_and_the_lookup_recorded(
    clerk_client: Client, clerk: User, citizen: User
) -> None:
    before = AccessRecord.objects.count()
    response = clerk_client.post(
        reverse("cases:window"), {"action": "lookup", "resident_id": RID}, follow=True
    )
    assert response.status_code == 200
    assert "3711**********123X" in response.content.decode()
    assert RID not in response.content.decode()
    assert "张伟" in response.content.decode()
    assert AccessRecord.objects.count() == before + 1
    record = AccessRecord.objects.get(actor=clerk, dataset="accounts.profile")
    assert record.subject_index == citizen.resident_id_index


def test_walkin_without_account_gets_a_case_with_the_blind_index(
    clerk_client: Client, restaurant: Scenario
) -> None:
    before = AccessRecord.objects.count()
    case = _start(clerk_client, "scenario:371121/restaurant-opening")
    assert AccessRecord.objects.count() >= before + 1  # the look-up, found or not
    assert case.applicant is None
    assert case.channel == Case.Channel.WINDOW
    assert case.status == Case.Status.DRAFT
    assert case.applicant_index == crypto.blind_index(WALKIN_RID)
    assert case.applicant_id_masked == "1101**********0038"
    assert case.applicant_name == "李四"


def test_wrong_resident_id_is_a_clear_error_and_nothing_is_recorded(
    clerk_client: Client, clerk: User
) -> None:
    before = AccessRecord.objects.count()
    response = clerk_client.post(
        reverse("cases:window"), {"action": "lookup", "resident_id": BAD_RID}
    )
    assert response.status_code == 400
    assert "The last character of this resident ID does not match" in response.content.decode()
    response = clerk_client.post(
        reverse("cases:window"), {"action": "lookup", "resident_id": "1234"}
    )
    assert response.status_code == 400
    assert "A resident ID has 18 characters." in response.content.decode()
    assert AccessRecord.objects.count() == before
    with pytest.raises(ValidationFailed):
        services.walkin_lookup(actor=clerk, resident_id="")


def test_business_walkin_by_credit_code(clerk: User, business: User) -> None:
    walkin = services.walkin_lookup(actor=clerk, uscc=business.uscc)
    assert walkin.kind == "business"
    assert walkin.account == business
    assert walkin.index == crypto.blind_index(business.uscc)
    assert business.uscc not in walkin.masked
    with pytest.raises(ValidationFailed):
        services.walkin_lookup(actor=clerk, uscc="91371121MA3C00000X")


def test_accept_gives_a_receipt_pdf_whose_qr_link_opens_tracking(
    clerk_client: Client, restaurant: Scenario, fill: Callable[[Case], dict[str, Any]]
) -> None:
    case = _start(clerk_client, "scenario:371121/restaurant-opening")
    case = _answer(clerk_client, case, fill)
    held = set(case.materials.filter(mode=M.HELD).values_list("key", flat=True))
    assert held  # shared data: nothing to check
    _check_all(clerk_client, case)
    url = reverse("cases:window_case", args=[selectors.case_ref(case)])
    response = clerk_client.post(url, {"action": "accept", "idempotency_key": "w-1"})
    assert response.status_code == 302, response.content.decode()[:3000]
    case.refresh_from_db()
    assert case.status == Case.Status.ACCEPTED
    assert case.number
    assert case.visits == 1
    # A double click posts the same acceptance again: the same case, nothing new.
    again = clerk_client.post(url, {"action": "accept", "idempotency_key": "w-1"})
    assert again.status_code == 302
    assert again["Location"] == reverse("cases:window_case", args=[case.number])
    case.refresh_from_db()
    assert case.visits == 1
    assert set(case.materials.filter(mode=M.HELD).values_list("key", flat=True)) == held
    assert case.children.count() == len(selectors.receipt_data(case)["items"])
    receipt = clerk_client.get(reverse("cases:receipt_pdf", args=[case.number]))
    assert receipt.status_code == 200
    assert receipt["Content-Type"] == "application/pdf"
    assert receipt.content.startswith(b"%PDF")
    document = case.documents.get(kind=CaseDocument.Kind.RECEIPT)
    link = pdf.receipt_link(document, base_url="http://testserver")
    assert link.startswith(f"http://testserver/track/{case.number}/?t=")
    public = Client(HTTP_ACCEPT_LANGUAGE="en").get(link.removeprefix("http://testserver"))
    assert public.status_code == 200
    assert "李四" not in public.content.decode()
    assert "1101" not in public.content.decode()
    # The same paper every time.
    again = clerk_client.get(reverse("cases:receipt_pdf", args=[case.number]))
    assert again.content == receipt.content
    assert case.documents.filter(kind=CaseDocument.Kind.RECEIPT).count() == 1


def test_notice_lists_every_missing_material_and_the_second_visit_completes(
    clerk_client: Client, restaurant: Scenario, fill: Callable[[Case], dict[str, Any]]
) -> None:
    case = _start(clerk_client, "scenario:371121/restaurant-opening")
    case = _answer(clerk_client, case, fill)
    checked = ["resident-id", "floor-plan"]
    url = reverse("cases:window_case", args=[selectors.case_ref(case)])
    for key in checked:
        clerk_client.post(url, {"action": "material", "check": f"{key}:paper"})
    missing = {m.key for m in case.materials.filter(required=True, mode=M.MISSING)}
    assert missing
    response = clerk_client.post(url, {"action": "accept"})
    assert response.status_code == 400
    assert "Some required materials are missing." in response.content.decode()
    assert clerk_client.post(url, {"action": "notice"}).status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.NOTICE
    assert case.number is None
    notice = case.documents.get(kind=CaseDocument.Kind.NOTICE)
    assert {m["key"] for m in notice.data["materials"]} == missing
    body = clerk_client.get(reverse("cases:notice_pdf", args=[str(case.pk)]))
    assert body.status_code == 200
    assert body.content.startswith(b"%PDF")

    # Second visit: the clerk looks the walk-in up again and finds the notice to continue.
    clerk_client.post(reverse("cases:window"), {"action": "clear"})
    page = clerk_client.post(
        reverse("cases:window"), {"action": "lookup", "resident_id": WALKIN_RID}, follow=True
    )
    assert reverse("cases:window_case", args=[str(case.pk)]) in page.content.decode()
    found = clerk_client.post(reverse("cases:window"), {"action": "find", "number": str(case.pk)})
    assert found["Location"] == url
    _check_all(clerk_client, case)
    response = clerk_client.post(url, {"action": "accept"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.ACCEPTED
    assert case.visits == 2
    assert clerk_client.get(reverse("cases:receipt_pdf", args=[case.number])).status_code == 200


def test_pledge_only_for_non_key_materials(
    clerk_client: Client,
    clerk: User,
    restaurant: Scenario,
    fill: Callable[[Case], dict[str, Any]],
) -> None:
    case = _start(clerk_client, "scenario:371121/restaurant-opening")
    case = _answer(clerk_client, case, fill)
    key_material = case.materials.filter(mode=M.MISSING, key_material=True).first()
    non_key = case.materials.filter(mode=M.MISSING, key_material=False, required=True).first()
    assert key_material is not None
    assert non_key is not None
    with pytest.raises(ValidationFailed) as error:
        services.material_check(actor=clerk, case=case, key=key_material.key, mode=M.PLEDGED)
    assert error.value.code == "pledge_key_material"
    url = reverse("cases:window_case", args=[selectors.case_ref(case)])
    response = clerk_client.post(
        url, {"action": "material", "check": f"{key_material.key}:pledged"}
    )
    assert response.status_code == 400
    assert "A key material cannot be pledged" in response.content.decode()
    services.material_check(actor=clerk, case=case, key=non_key.key, mode=M.PLEDGED)
    _check_all(clerk_client, case)  # everything else checked on paper
    # A pledge needs a date.
    response = clerk_client.post(url, {"action": "accept"})
    assert response.status_code == 400
    response = clerk_client.post(url, {"action": "pledge", "pledge_due": ""})
    assert response.status_code == 400
    due = timezone.localdate() + datetime.timedelta(days=10)
    response = clerk_client.post(url, {"action": "pledge", "pledge_due": due.isoformat()})
    assert response.status_code == 302, response.content.decode()[:2000]
    case.refresh_from_db()
    assert case.status == Case.Status.ACCEPTED
    assert case.pledge_due == due
    receipt = services.document_get(actor=clerk, case=case, kind=CaseDocument.Kind.RECEIPT)
    assert [m["key"] for m in receipt.data["pledged"]] == [non_key.key]
    assert receipt.data["pledge_due"] == due.isoformat()
    assert pdf.document_pdf(receipt).startswith(b"%PDF")


def test_pledge_with_a_key_material_missing_is_refused(
    clerk: User, restaurant: Scenario, fill: Callable[[Case], dict[str, Any]]
) -> None:
    walkin = services.walkin_lookup(actor=clerk, resident_id=WALKIN_RID)
    case = services.application_start(actor=clerk, walkin=walkin, scenario=restaurant, name="李四")
    case = services.draft_save(actor=clerk, case=case, variant_answers=RESTAURANT_ANSWERS)
    case = services.draft_save(actor=clerk, case=case, form_data=fill(case))
    due = timezone.localdate() + datetime.timedelta(days=10)
    with pytest.raises(ValidationFailed):
        services.window_accept(actor=clerk, case=case, pledge_due=due)
    case.refresh_from_db()
    assert case.status == Case.Status.DRAFT
    assert case.number is None


def test_a_clerk_of_another_region_gets_404(
    users: dict[str, User], restaurant: Scenario, fill: Callable[[Case], dict[str, Any]]
) -> None:
    clerk = users["clerk"]
    walkin = services.walkin_lookup(actor=clerk, resident_id=WALKIN_RID)
    case = services.application_start(actor=clerk, walkin=walkin, scenario=restaurant, name="李四")
    other = login(users["clerk-gy"])
    url = reverse("cases:window_case", args=[str(case.pk)])
    assert other.get(url).status_code == 404
    assert other.post(url, {"action": "notice"}).status_code == 404
    assert other.get(reverse("cases:notice_pdf", args=[str(case.pk)])).status_code == 404
    with pytest.raises(NotFound):
        selectors.case_for_window(actor=users["clerk-gy"], ref=str(case.pk))
    # An unknown number looks the same as a foreign one.
    assert (
        other.get(reverse("cases:window_case", args=["371121-20260101-00001"])).status_code == 404
    )
    # A citizen has no window pages at all.
    assert login(users["citizen"]).get(url).status_code == 403


def test_viewing_a_case_at_the_window_is_recorded(
    clerk_client: Client, clerk: User, restaurant: Scenario
) -> None:
    case = _start(clerk_client, "scenario:371121/restaurant-opening")
    before = AccessRecord.objects.filter(dataset="cases").count()
    page = clerk_client.get(reverse("cases:window_case", args=[str(case.pk)]))
    assert page.status_code == 200
    assert AccessRecord.objects.filter(dataset="cases").count() == before + 1
    record = AccessRecord.objects.filter(dataset="cases", actor=clerk).order_by("-at").first()
    assert record is not None
    assert record.subject_index == case.applicant_index


def test_any_departments_item_at_one_window(
    clerk_client: Client,
    clerk: User,
    item: Callable[[str], Any],
    fill: Callable[[Case], dict[str, Any]],
) -> None:
    """A single item of another department is accepted at the same comprehensive window."""
    target = item("YB-GG-0004")
    case = _start(clerk_client, f"item:{target.code}", rid=RID, name="")
    assert case.applicant is not None
    assert case.kind == Case.Kind.ITEM
    services.draft_save(actor=clerk, case=case, form_data=fill(case))
    case.refresh_from_db()
    _check_all(clerk_client, case)
    url = reverse("cases:window_case", args=[str(case.pk)])
    response = clerk_client.post(url, {"action": "accept"})
    assert response.status_code == 302, response.content.decode()[:2000]
    case.refresh_from_db()
    assert case.number
    assert case.department == target.implementing_department
    assert tracking.token_valid(case.number, tracking.token_for(case.number))


def test_the_clerk_hands_over_a_paper_result(clerk_client: Client, newborn_case: Case) -> None:
    paper = newborn_case.children.get(result_kind=Case.ResultKind.PAPER)
    url = reverse("cases:window_case", args=[newborn_case.number])
    page = clerk_client.get(url)
    assert page.status_code == 200
    assert f"Hand over {paper.number}" in page.content.decode()
    other = newborn_case.children.exclude(pk=paper.pk).first()
    assert other is not None
    response = clerk_client.post(url, {"action": "collect", "item_case": "371121-20200101-00001"})
    assert response.status_code == 404
    response = clerk_client.post(url, {"action": "collect", "item_case": paper.number})
    assert response.status_code == 302
    paper.refresh_from_db()
    newborn_case.refresh_from_db()
    assert paper.result_collected_at is not None
    assert newborn_case.visits == 1
    assert f"Hand over {paper.number}" not in clerk_client.get(url).content.decode()


def test_the_called_ticket_is_served_by_the_application(
    clerk_client: Client, restaurant: Scenario
) -> None:
    from onestop.core.actors import SYSTEM
    from onestop.org import selectors as org_selectors
    from onestop.org import services as org_services
    from onestop.org.models import QueueTicket, ServiceCentre, Window

    centre = ServiceCentre.objects.get(slug="wulian-centre")
    seat = Window.objects.get(centre=centre, number="03")
    ticket = org_services.ticket_take(
        actor=SYSTEM, centre=centre, purpose_ref=f"scenario:{restaurant.slug}"
    )
    assert org_selectors.ticket_purpose(ticket) in (restaurant.name_zh, restaurant.name)
    clerk_client.post(reverse("cases:window"), {"action": "sit", "window": seat.pk})
    clerk_client.post(reverse("cases:window"), {"action": "call"})
    clerk_client.post(reverse("cases:window"), {"action": "lookup", "resident_id": WALKIN_RID})
    response = clerk_client.post(
        reverse("cases:window_start"),
        {"target": "scenario:371121/restaurant-opening", "name": "李四", "ticket": ticket.pk},
    )
    assert response.status_code == 302
    case = case_from_redirect(response)
    ticket.refresh_from_db()
    assert ticket.status == QueueTicket.Status.SERVED
    assert ticket.served_ref == f"case:{case.pk}" == services.ticket_served_ref(case)
    assert ticket.window == seat
    assert case.window == seat


def test_answers_and_form_in_one_post(
    clerk_client: Client, restaurant: Scenario, fill: Callable[[Case], dict[str, Any]]
) -> None:
    """The page posts the answers with the form: fields of items the answers leave out are
    dropped, the rest stored; a stale page is a conflict and changes nothing."""
    case = _start(clerk_client, "scenario:371121/restaurant-opening")
    url = reverse("cases:window_case", args=[selectors.case_ref(case)])
    answers = {"dine_in": "yes", "signboard": "no", "sewer": "no"}
    values = fill(case)  # every item's fields, before the answers narrow them
    data: dict[str, Any] = {"action": "answers", "version": case.version}
    data |= {f"variant_{k}": v for k, v in answers.items()}
    data |= {f"field_{k}": ("on" if v is True else str(v)) for k, v in values.items()}
    response = clerk_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    case.refresh_from_db()
    assert case.variant_answers == answers
    assert case.form_data
    assert "sign_text" not in case.form_data
    stale = clerk_client.post(url, data | {"field_contact_name": "changed"})
    assert stale.status_code == 409
    case.refresh_from_db()
    assert case.form_data.get("contact_name") != "changed"


def test_the_clerk_uploads_a_scan_checked_by_content(
    clerk_client: Client, restaurant: Scenario
) -> None:
    case = _start(clerk_client, "scenario:371121/restaurant-opening")
    url = reverse("cases:window_case", args=[str(case.pk)])
    target = case.materials.filter(mode=M.MISSING).first()
    assert target is not None
    scan = SimpleUploadedFile("scan.pdf", b"%PDF-1.7\n%%EOF\n", content_type="application/pdf")
    response = clerk_client.post(url, {"action": "upload", "key": target.key, "file": scan})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.mode == M.UPLOAD
    assert len(target.sha256) == 64
    fake = SimpleUploadedFile("scan.pdf", b"MZ not a pdf at all", content_type="application/pdf")
    other = case.materials.filter(mode=M.MISSING).first()
    assert other is not None
    response = clerk_client.post(url, {"action": "upload", "key": other.key, "file": fake})
    assert response.status_code == 400
    other.refresh_from_db()
    assert other.mode == M.MISSING
    # Marking the original as checked replaces the scan.
    clerk_client.post(url, {"action": "material", "check": f"{target.key}:paper"})
    target.refresh_from_db()
    assert target.mode == M.PAPER
    assert not target.file


def test_a_departments_own_window_calls_only_its_walkins(
    clerk: User, newborn: Scenario, item: Callable[[str], Any]
) -> None:
    from onestop.core.actors import SYSTEM
    from onestop.org import services as org_services
    from onestop.org.models import ServiceCentre, Window

    centre = ServiceCentre.objects.get(slug="wulian-centre")
    police = Window.objects.get(centre=centre, number="05")  # public security only
    one_stop = Window.objects.get(centre=centre, number="03")  # comprehensive

    def take(ref: str) -> Any:
        return org_services.ticket_take(actor=SYSTEM, centre=centre, purpose_ref=ref)

    bundle = take(f"scenario:{newborn.slug}")
    hukou = take(f"item:{item('GA-QR-0001').code}")
    tax = take(f"item:{item('SW-QT-0005').code}")
    assert hukou.department_id == item("GA-QR-0001").implementing_department_id
    called = org_services.ticket_call_next(actor=clerk, window=police)
    assert called is not None
    assert called.pk == hukou.pk
    assert org_services.ticket_call_next(actor=clerk, window=police) is None
    first = org_services.ticket_call_next(actor=clerk, window=one_stop)
    second = org_services.ticket_call_next(actor=clerk, window=one_stop)
    assert first is not None
    assert second is not None
    assert [first.pk, second.pk] == [bundle.pk, tax.pk]


def test_the_console_names_what_each_walkin_came_for(
    clerk_client: Client, newborn: Scenario, item: Callable[[str], Any]
) -> None:
    """The queue's names come from the catalogue (through the purposes `catalog` registers
    with `org`), in the reader's language."""
    from onestop.core.actors import SYSTEM
    from onestop.org import services as org_services
    from onestop.org.models import ServiceCentre, Window

    centre = ServiceCentre.objects.get(slug="wulian-centre")
    hukou = item("GA-QR-0001")
    for ref in (f"scenario:{newborn.slug}", f"item:{hukou.code}", ""):
        org_services.ticket_take(actor=SYSTEM, centre=centre, purpose_ref=ref)
    seat = Window.objects.get(centre=centre, number="03")
    clerk_client.post(reverse("cases:window"), {"action": "sit", "window": seat.pk})
    page = clerk_client.get(reverse("cases:window")).content.decode()
    assert newborn.name_en in page
    assert hukou.name_en in page
    assert "Other business" in page


def test_an_online_draft_is_not_a_window_page(clerk_client: Client, newborn_draft: Case) -> None:
    url = reverse("cases:window_case", args=[str(newborn_draft.pk)])
    assert clerk_client.get(url).status_code == 404


def test_papers_and_a_failed_post_are_recorded_views(
    clerk_client: Client, clerk: User, restaurant: Scenario, fill: Callable[[Case], dict[str, Any]]
) -> None:
    case = _start(clerk_client, "scenario:371121/restaurant-opening")
    case = _answer(clerk_client, case, fill)
    url = reverse("cases:window_case", args=[selectors.case_ref(case)])
    records = AccessRecord.objects.filter(dataset="cases", actor=clerk)
    before = records.count()
    failed = clerk_client.post(url, {"action": "accept"})  # materials missing: re-rendered
    assert failed.status_code == 400
    assert records.count() == before + 1
    assert clerk_client.post(url, {"action": "notice"}).status_code == 302
    before = records.count()
    notice = clerk_client.get(reverse("cases:notice_pdf", args=[selectors.case_ref(case)]))
    assert notice.status_code == 200
    assert records.count() == before + 1
    assert records.order_by("-at", "-pk").first().subject_index == case.applicant_index  # type: ignore[union-attr]
    _check_all(clerk_client, case)
    assert clerk_client.post(url, {"action": "accept"}).status_code == 302
    case.refresh_from_db()
    before = records.count()
    receipt = clerk_client.get(reverse("cases:receipt_pdf", args=[case.number]))
    assert receipt.status_code == 200
    assert records.count() == before + 1


def test_a_person_planning_a_restaurant_applies_at_the_window(
    clerk_client: Client, clerk: User, restaurant: Scenario
) -> None:
    """A natural person without a business: looked up by resident ID, offered the restaurant
    bundle (and no company-only service), what the clerk typed carried into the form; the
    credit code and the business licence the same bundle issues are asked of nobody."""
    window = reverse("cases:window")
    refused = clerk_client.post(
        window, {"action": "lookup", "resident_id": BAD_RID, "name": "李四"}
    )
    assert refused.status_code == 400
    assert "does not match" in refused.content.decode()
    response = clerk_client.post(
        window,
        {"action": "lookup", "resident_id": WALKIN_RID, "name": "李四", "phone": "13800138000"},
    )
    assert response.status_code == 302
    console = clerk_client.get(window).content.decode()
    assert 'value="scenario:371121/restaurant-opening"' in console
    assert 'value="scenario:371121/enterprise-deregistration"' not in console
    assert 'value="scenario:371121/newborn"' in console
    assert (
        'id="s-phone" name="phone" type="tel" maxlength="20" autocomplete="off" value="13800138000"'
        in console
    )
    response = clerk_client.post(
        reverse("cases:window_start"), {"target": "scenario:371121/restaurant-opening"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    case = case_from_redirect(response)
    assert case.applicant_name == "李四"
    assert case.contact_phone == "13800138000"
    assert case.form_data["applicant_id_number"] == WALKIN_RID
    assert case.form_data["applicant_name"] == "李四"
    assert case.form_data["phone"] == "13800138000"
    assert "uscc" not in selectors.case_form_schema(case=case)["properties"]
    licence = case.materials.get(key="business-licence")
    assert licence.mode == M.HELD
    assert licence.source == "issued:business-licence"
    page = clerk_client.get(reverse("cases:window_case", args=[str(case.pk)])).content.decode()
    assert "Issued in this application: Business licence (nothing to hand in)" in page
    # A resident ID with a wrong check digit is refused in the form as at the look-up.
    url = reverse("cases:window_case", args=[str(case.pk)])
    bad = clerk_client.post(url, {"action": "answers", "field_applicant_id_number": BAD_RID})
    assert bad.status_code == 400
    assert "does not match" in bad.content.decode()
    case.refresh_from_db()
    assert case.form_data["applicant_id_number"] == WALKIN_RID


def test_all_materials_are_saved_together_from_one_form(
    clerk_client: Client, clerk: User, restaurant: Scenario
) -> None:
    """One form for every material of the case: each row's check (and scan), saved at once,
    back at the materials table; a refused row changes nothing."""
    case = _start(clerk_client, "scenario:371121/restaurant-opening")
    url = reverse("cases:window_case", args=[str(case.pk)])
    missing = list(case.materials.filter(mode=M.MISSING).values_list("key", flat=True))
    assert len(missing) >= 2
    page = clerk_client.get(url).content.decode()
    assert page.count('id="materials-form"') == 1
    assert f'name="file_{missing[0]}" form="materials-form"' in page
    body: dict[str, Any] = {"action": "materials", "check": [f"{k}:paper" for k in missing[1:]]}
    body["check"].append(f"{missing[0]}:missing")
    body[f"file_{missing[0]}"] = SimpleUploadedFile(
        "scan.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"
    )
    response = clerk_client.post(url, body)
    assert response.status_code == 302
    assert response["Location"].endswith("#materials")
    modes = dict(case.materials.values_list("key", "mode"))
    assert modes[missing[0]] == M.UPLOAD
    assert all(modes[k] == M.PAPER for k in missing[1:])
    # A refused check (a key material cannot be pledged) leaves every row as it was.
    key_material = case.materials.filter(key_material=True, mode=M.PAPER).first()
    assert key_material is not None
    bad = clerk_client.post(
        url,
        {"action": "materials", "check": [f"{missing[1]}:missing", f"{key_material.key}:pledged"]},
    )
    assert bad.status_code == 400
    assert dict(case.materials.values_list("key", "mode")) == modes
