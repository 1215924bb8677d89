"""My space with real cases (submitted through the services, decided through the engine):
supplements answered from /me/cases/<number>/ (upload, then answer: the clock runs again), the
results and the one notification of the delivered bundle."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from onestop.accounts.models import User
from onestop.cases import selectors, services
from onestop.cases.models import Case, CaseMaterial, Supplement
from onestop.notify.models import Notification

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
HR_ITEM = "37112100RS-GG-0005"  # social security card: needs the optional photo


@pytest.fixture
def me(client: Any, english: None, citizen: User) -> Any:
    client.force_login(citizen)
    return client


def _child(top: Case, code: str) -> Case:
    return top.children.get(item__code=code)


def _request_photo(top: Case, officer: User) -> Supplement:
    case = _child(top, HR_ITEM)
    view = selectors.case_task_view(case=case)
    return services.supplement_request(
        actor=officer,
        case=case,
        reason="The photo is missing.",
        materials=["photo"],
        expected_version=view["version"],
    )


def _upload(client: Any, top: Case, supplement: Supplement, data: bytes, name: str) -> Any:
    return client.post(
        f"/me/cases/{top.number}/supplements/{supplement.pk}/upload",
        {"key": "photo", "file": SimpleUploadedFile(name, data)},
    )


def test_supplement_is_shown_uploaded_and_answered(
    me: Any, newborn_case: Case, officers: dict[str, User]
) -> None:
    top = newborn_case
    supplement = _request_photo(top, officers["human-resources-social-security"])
    case = _child(top, HR_ITEM)
    assert case.status == Case.Status.SUPPLEMENT
    assert case.paused_since is not None

    page = me.get(f"/me/cases/{top.number}/")
    text = page.content.decode()
    assert "Supplements to answer" in text
    assert "The photo is missing." in text
    assert f"/me/cases/{top.number}/supplements/{supplement.pk}/upload" in text
    assert "Clock stopped: waiting for you" in text
    # The list flags the application.
    assert "Action needed" in me.get("/me/cases/").content.decode()

    # Answering before handing the photo in: a clear error, nothing changes.
    early = me.post(f"/me/cases/{top.number}/supplements/{supplement.pk}/answer", {"note": ""})
    assert early.status_code == 400
    assert "Hand in every requested material again first." in early.content.decode()
    case.refresh_from_db()
    assert case.status == Case.Status.SUPPLEMENT

    # Wrong content: refused, nothing stored.
    bad = _upload(me, top, supplement, b"hello, this is text", "photo.png")
    assert bad.status_code == 400
    assert 'role="alert"' in bad.content.decode()
    photo = CaseMaterial.objects.get(case=top, key="photo")
    assert photo.mode == CaseMaterial.Mode.MISSING
    assert not photo.sha256

    good = _upload(me, top, supplement, PNG, "photo.png")
    assert good.status_code == 302
    photo.refresh_from_db()
    assert photo.mode == CaseMaterial.Mode.UPLOAD
    assert photo.sha256
    assert "handed in again" in me.get(f"/me/cases/{top.number}/").content.decode()

    done = me.post(
        f"/me/cases/{top.number}/supplements/{supplement.pk}/answer", {"note": "Here it is."}
    )
    assert done.status_code == 302
    case.refresh_from_db()
    supplement.refresh_from_db()
    assert case.status == Case.Status.ACCEPTED
    assert case.paused_since is None
    assert supplement.answered_at is not None
    assert "Supplements to answer" not in me.get(f"/me/cases/{top.number}/").content.decode()


def test_a_material_not_asked_for_is_refused(
    me: Any, newborn_case: Case, officers: dict[str, User]
) -> None:
    top = newborn_case
    supplement = _request_photo(top, officers["human-resources-social-security"])
    response = me.post(
        f"/me/cases/{top.number}/supplements/{supplement.pk}/upload",
        {"key": "birth-record-form", "file": SimpleUploadedFile("x.png", PNG)},
    )
    assert response.status_code == 404
    assert "This request does not ask for that material." in response.content.decode()


def test_a_missing_file_is_refused(me: Any, newborn_case: Case, officers: dict[str, User]) -> None:
    top = newborn_case
    supplement = _request_photo(top, officers["human-resources-social-security"])
    response = me.post(
        f"/me/cases/{top.number}/supplements/{supplement.pk}/upload", {"key": "photo"}
    )
    assert response.status_code == 400
    assert "Choose a file to upload." in response.content.decode()


def test_nobody_else_answers_or_uploads(
    client: Any,
    english: None,
    newborn_case: Case,
    officers: dict[str, User],
    business: User,
) -> None:
    top = newborn_case
    supplement = _request_photo(top, officers["human-resources-social-security"])
    client.force_login(business)
    upload = _upload(client, top, supplement, PNG, "photo.png")
    answer = client.post(f"/me/cases/{top.number}/supplements/{supplement.pk}/answer", {})
    assert upload.status_code == 404
    assert answer.status_code == 404
    assert CaseMaterial.objects.get(case=top, key="photo").mode == CaseMaterial.Mode.MISSING


def test_a_forged_supplement_id_is_404(me: Any, newborn_case: Case) -> None:
    top = newborn_case
    response = me.post(f"/me/cases/{top.number}/supplements/999999/answer", {})
    assert response.status_code == 404


def test_get_is_not_allowed_on_actions(me: Any, newborn_case: Case) -> None:
    response = me.get(f"/me/cases/{newborn_case.number}/supplements/1/answer")
    assert response.status_code == 405


def test_delivered_bundle_results_and_one_notification(
    me: Any, newborn_case: Case, officers: dict[str, User], decide: Any
) -> None:
    top = newborn_case
    for child in top.children.exclude(status=Case.Status.COMPLETED):
        decide(child, officers[child.department.kind_id])
    top.refresh_from_db()
    assert top.status == Case.Status.COMPLETED
    text = me.get(f"/me/cases/{top.number}/").content.decode()
    assert top.get_status_display() in text
    results = text.split('id="my-case-items"', 1)[1].split("</table>", 1)[0]
    licences = top.children.filter(result_kind=Case.ResultKind.LICENCE, credential__isnull=False)
    for child in licences:
        assert f"/wallet/{child.credential_id}/" in results
    if top.children.filter(result_kind=Case.ResultKind.PAPER).exists():
        assert "Paper result: collect it at window " in results  # a named window
    # One delivery notice for the whole bundle, shown with the application.
    (notice,) = Notification.objects.filter(
        recipient=top.applicant, template="case.delivered", channel="in_app"
    )
    section = text.split('id="notifications-title"', 1)[1]
    # stored as sent (Chinese: the account's language), shown in the page's (English)
    shown = notice.texts["en"]["body"]
    assert shown.startswith(f"The result of your application {top.number} ")
    assert shown in section
    assert section.count(shown) == 1
    assert notice.body not in section
