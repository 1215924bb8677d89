"""The public tracking page: opened by the link on the receipt (number + HMAC token), it shows
the status and the timeline without personal data; a forged number or token is a 404 that
does not reveal whether the case exists."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from onestop.accounts.models import User
from onestop.cases import tracking
from onestop.cases.models import Case


def _client() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def test_tokens_are_per_number_and_keyed() -> None:
    a = tracking.token_for("371121-20261126-00001")
    assert a == tracking.token_for("371121-20261126-00001")
    assert a != tracking.token_for("371121-20261126-00002")
    assert tracking.token_valid("371121-20261126-00001", a)
    assert not tracking.token_valid("371121-20261126-00002", a)
    assert not tracking.token_valid("371121-20261126-00001", "")
    assert not tracking.token_valid("", a)


def test_tracking_page_shows_status_and_timeline_without_personal_data(
    newborn_case: Case, citizen: User
) -> None:
    response = _client().get(tracking.track_path(newborn_case.number or ""))
    assert response.status_code == 200
    html = response.content.decode()
    assert newborn_case.number in html
    assert 'id="track-timeline"' in html
    assert "Accepted" in html
    for child in newborn_case.children.all():
        assert child.item.name_en in html
    for private in (citizen.real_name, citizen.resident_id_masked, newborn_case.applicant_name):
        assert private not in html
    assert response["Cache-Control"] == "private, no-store"


def test_forged_number_or_token_is_404(newborn_case: Case) -> None:
    number = newborn_case.number or ""
    url = reverse("cases:track", args=[number])
    client = _client()
    assert client.get(url).status_code == 404  # no token
    assert client.get(url, {"t": "0" * 24}).status_code == 404  # forged token
    child = newborn_case.children.order_by("number").first()
    assert child is not None
    wrong = client.get(url, {"t": tracking.token_for(child.number or "")})  # another case's
    assert wrong.status_code == 404
    unknown = "371121-20200101-99999"
    missing = client.get(reverse("cases:track", args=[unknown]), {"t": tracking.token_for(unknown)})
    assert missing.status_code == 404  # the same answer as a forged token: nothing revealed


def test_the_applicant_downloads_the_receipt_from_the_tracking_page(newborn_case: Case) -> None:
    number = newborn_case.number or ""
    client = _client()
    page = client.get(tracking.track_path(number))
    link = reverse("cases:track_receipt", args=[number]) + "?t=" + tracking.token_for(number)
    assert link in page.content.decode()
    response = client.get(link)
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    forged = client.get(reverse("cases:track_receipt", args=[number]), {"t": "x"})
    assert forged.status_code == 404


def _in_pdf(body: bytes, text: str) -> bool:
    """Whether `text` is drawn in `body`, as a reader extracts it (poppler's pdftotext; the
    embedded font's subset codes are not the text's, so the bytes cannot be searched)."""
    from tests.factories.papers import pdf_text

    return text.replace(" ", "") in pdf_text(body)


def test_the_public_receipt_has_no_personal_data_and_writes_nothing(
    newborn_case: Case, clerk: User
) -> None:
    from onestop.cases import pdf, services
    from onestop.cases.models import CaseDocument
    from onestop.sharing.models import AccessRecord

    number = newborn_case.number or ""
    link = reverse("cases:track_receipt", args=[number]) + "?t=" + tracking.token_for(number)
    documents, records = CaseDocument.objects.count(), AccessRecord.objects.count()
    response = _client().get(link)
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert CaseDocument.objects.count() == documents  # an anonymous GET writes no receipt
    assert AccessRecord.objects.count() == records
    name = newborn_case.applicant_name
    assert name
    assert not _in_pdf(response.content, name)
    assert not _in_pdf(response.content, newborn_case.applicant_id_masked)
    assert _in_pdf(response.content, number)
    # The clerk's receipt (stored once) does carry them; the public copy still does not.
    private = pdf.document_pdf(services.receipt_ensure(actor=clerk, case=newborn_case))
    assert _in_pdf(private, name)
    again = _client().get(link)
    assert not _in_pdf(again.content, name)
    assert not _in_pdf(again.content, newborn_case.applicant_id_masked)
