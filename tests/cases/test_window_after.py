"""After acceptance, at the window: the clerk supplies what a department asked for again (a
walk-in may have no account, hence no "my space") and answers the supplement; pledged materials
are supplied later (PLEDGED → PAPER or a scan); overdue pledges are flagged once by the tick."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from onestop.accounts.models import User
from onestop.cases import clock, selectors, services
from onestop.cases.models import Case, CaseEvent, CaseMaterial, Supplement
from onestop.catalog.models import Scenario
from onestop.core.errors import ValidationFailed
from onestop.notify.models import Notification
from tests.cases.factories_window import RESTAURANT_ANSWERS, WALKIN_RID, login

M = CaseMaterial.Mode
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
HR_ITEM = "37112100RS-GG-0005"  # social security card: needs the optional photo


def _request_photo(top: Case, officer: User) -> Supplement:
    case = top.children.get(item__code=HR_ITEM)
    view = selectors.case_task_view(case=case)
    return services.supplement_request(
        actor=officer,
        case=case,
        reason="The photo is missing.",
        materials=["photo"],
        expected_version=view["version"],
    )


def _pledged_case(
    clerk: User, restaurant: Scenario, fill: Callable[[Case], dict[str, Any]]
) -> Case:
    walkin = services.walkin_lookup(actor=clerk, resident_id=WALKIN_RID)
    case = services.application_start(actor=clerk, walkin=walkin, scenario=restaurant, name="李四")
    case = services.draft_save(actor=clerk, case=case, variant_answers=RESTAURANT_ANSWERS)
    case = services.draft_save(actor=clerk, case=case, form_data=fill(case))
    non_key = case.materials.filter(mode=M.MISSING, key_material=False, required=True).first()
    assert non_key is not None
    services.material_check(actor=clerk, case=case, key=non_key.key, mode=M.PLEDGED)
    for m in case.materials.filter(mode=M.MISSING):
        services.material_check(actor=clerk, case=case, key=m.key, mode=M.PAPER)
    due = timezone.localdate() + datetime.timedelta(days=3)
    return services.window_accept(actor=clerk, case=case, pledge_due=due)


def test_the_clerk_supplies_a_supplement_and_answers_it(
    clerk: User, newborn_case: Case, officers: dict[str, User]
) -> None:
    top = newborn_case
    supplement = _request_photo(top, officers["human-resources-social-security"])
    client = login(clerk)
    url = reverse("cases:window_case", args=[top.number])
    page = client.get(url).content.decode()
    assert 'id="supplements"' in page
    assert "The photo is missing." in page
    assert 'id="u-photo"' in page
    # Too early: nothing handed in yet.
    early = client.post(url, {"action": "supplement"})
    assert early.status_code == 400
    assert "Hand in every requested material again first." in early.content.decode()
    # A material not asked for cannot be changed after acceptance.
    other = top.materials.exclude(key="photo").exclude(mode__in=[M.HELD, M.LICENCE]).first()
    if other is not None:
        refused = client.post(url, {"action": "material", "check": f"{other.key}:paper"})
        assert refused.status_code == 400
    scan = SimpleUploadedFile("photo.png", PNG)
    response = client.post(url, {"action": "upload", "key": "photo", "file": scan})
    assert response.status_code == 302, response.content.decode()[:2000]
    photo = top.materials.get(key="photo")
    assert photo.mode == M.UPLOAD
    response = client.post(url, {"action": "supplement", "note": "Brought at the window."})
    assert response.status_code == 302, response.content.decode()[:2000]
    case = top.children.get(item__code=HR_ITEM)
    supplement.refresh_from_db()
    assert case.status == Case.Status.ACCEPTED
    assert case.paused_since is None
    assert supplement.answered_at is not None
    assert supplement.answer_note == "Brought at the window."
    assert 'id="supplements"' not in client.get(url).content.decode()


def test_the_original_checked_answers_a_supplement_too(
    clerk: User, newborn_case: Case, officers: dict[str, User]
) -> None:
    _request_photo(newborn_case, officers["human-resources-social-security"])
    services.material_check(actor=clerk, case=newborn_case, key="photo", mode=M.PAPER)
    with pytest.raises(ValidationFailed):  # after acceptance: only supplying
        services.material_check(actor=clerk, case=newborn_case, key="photo", mode=M.MISSING)
    services.window_supplement_answer(actor=clerk, case=newborn_case)
    case = newborn_case.children.get(item__code=HR_ITEM)
    assert case.status == Case.Status.ACCEPTED


def test_pledged_materials_are_supplied_after_acceptance(
    clerk: User, restaurant: Scenario, fill: Callable[[Case], dict[str, Any]]
) -> None:
    case = _pledged_case(clerk, restaurant, fill)
    pledged = case.materials.get(mode=M.PLEDGED)
    client = login(clerk)
    url = reverse("cases:window_case", args=[case.number])
    page = client.get(url).content.decode()
    assert f'id="supply-{pledged.key}"' in page
    # A scan: checked by content.
    bad = SimpleUploadedFile("x.pdf", b"not a pdf")
    response = client.post(url, {"action": "upload", "key": pledged.key, "file": bad})
    assert response.status_code == 400
    pledged.refresh_from_db()
    assert pledged.mode == M.PLEDGED
    good = SimpleUploadedFile("x.pdf", b"%PDF-1.7\n%%EOF\n")
    response = client.post(url, {"action": "upload", "key": pledged.key, "file": good})
    assert response.status_code == 302, response.content.decode()[:2000]
    pledged.refresh_from_db()
    assert pledged.mode == M.UPLOAD
    assert len(pledged.sha256) == 64
    # Once supplied it is no longer pledged: nothing more to supply.
    again = client.post(url, {"action": "material", "check": f"{pledged.key}:paper"})
    assert again.status_code == 400


def test_a_pledged_original_checked_at_the_window(
    clerk: User, restaurant: Scenario, fill: Callable[[Case], dict[str, Any]]
) -> None:
    case = _pledged_case(clerk, restaurant, fill)
    pledged = case.materials.get(mode=M.PLEDGED)
    services.material_check(actor=clerk, case=case, key=pledged.key, mode=M.PAPER)
    pledged.refresh_from_db()
    assert pledged.mode == M.PAPER
    assert pledged.checked_by == clerk


def test_an_overdue_pledge_is_flagged_once_to_the_supervisors(
    clerk: User,
    supervisor: User,
    restaurant: Scenario,
    fill: Callable[[Case], dict[str, Any]],
) -> None:
    case = _pledged_case(clerk, restaurant, fill)
    assert case.pledge_due is not None
    on_time = timezone.make_aware(datetime.datetime.combine(case.pledge_due, datetime.time(10)))
    assert case.number not in clock.tick(now=on_time)["pledges"]
    late = on_time + datetime.timedelta(days=1)
    assert clock.tick(now=late)["pledges"] == [case.number]
    assert clock.tick(now=late)["pledges"] == []  # once
    events = CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.WARNED)
    assert events.count() == 1
    assert events.get().data["pledge"] is True
    notes = Notification.objects.filter(recipient=supervisor, template="case.pledge_overdue")
    assert notes.count() == 1


def test_a_supplied_pledge_is_not_flagged(
    clerk: User, restaurant: Scenario, fill: Callable[[Case], dict[str, Any]]
) -> None:
    case = _pledged_case(clerk, restaurant, fill)
    pledged = case.materials.get(mode=M.PLEDGED)
    services.material_check(actor=clerk, case=case, key=pledged.key, mode=M.PAPER)
    assert case.pledge_due is not None
    late = timezone.make_aware(
        datetime.datetime.combine(case.pledge_due + datetime.timedelta(days=2), datetime.time(10))
    )
    assert clock.tick(now=late)["pledges"] == []


pytestmark = pytest.mark.usefixtures("english")


def test_starting_with_a_bad_ticket_leaves_nothing(clerk: User, restaurant: Scenario) -> None:
    from onestop.core.errors import NotFound

    walkin = services.walkin_lookup(actor=clerk, resident_id=WALKIN_RID)
    before = Case.objects.count()
    with pytest.raises(NotFound):
        services.application_start(
            actor=clerk, walkin=walkin, scenario=restaurant, name="李四", ticket_id=999999
        )
    assert Case.objects.count() == before


def test_checking_the_original_deletes_the_scan_only_once_committed(
    clerk: User, restaurant: Scenario, django_capture_on_commit_callbacks: Any
) -> None:
    walkin = services.walkin_lookup(actor=clerk, resident_id=WALKIN_RID)
    case = services.application_start(actor=clerk, walkin=walkin, scenario=restaurant, name="李四")
    target = case.materials.filter(mode=M.MISSING).first()
    assert target is not None
    scan = SimpleUploadedFile("scan.pdf", b"%PDF-1.7\n%%EOF\n")
    with django_capture_on_commit_callbacks(execute=True):
        material = services.material_scan(actor=clerk, case=case, key=target.key, file=scan)
    name, storage = material.file.name, material.file.storage
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.material_check(actor=clerk, case=case, key=target.key, mode=M.PAPER)
    assert storage.exists(name)  # not before the commit
    for callback in callbacks:
        callback()
    assert not storage.exists(name)
    target.refresh_from_db()
    assert target.mode == M.PAPER
    assert not target.file
