"""The window scans a walk-in's government service code (政务服务码) instead of typing their
resident ID: the console opens their verified identity, e-licences and open applications, and
each scan is recorded in their data access history; a forged or expired code is a clear error
that shows nothing and records nothing. The citizen's side: the code page in my space."""

from __future__ import annotations

import datetime
import re

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from onestop.accounts import services as accounts_services
from onestop.accounts.models import User
from onestop.cases.models import Case
from onestop.sharing.models import AccessRecord
from tests.cases.factories_window import login

RID = "37112119930315123X"


def _code(citizen: User, now: datetime.datetime | None = None) -> str:
    return accounts_services.service_code_issue(actor=citizen, now=now).text


def test_the_clerk_scans_the_code_and_sees_identity_licences_and_open_cases(
    clerk: User, citizen: User, newborn_case: Case
) -> None:
    client = login(clerk)
    before = AccessRecord.objects.count()
    response = client.post(reverse("cases:window_scan"), {"code": _code(citizen) + "\r\n"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "3711**********123X" in page
    assert RID not in page
    assert "张伟" in page
    assert citizen.get_real_name_level_display() in page
    assert 'id="scanned-licences"' in page
    licences = [c.number for c, _state in response.context["scanned"].licences]
    assert len(licences) == 2  # the demo citizen's resident ID card and household register
    assert all(number in page for number in licences)
    assert [c.number for c in response.context["scanned"].open_cases] == [newborn_case.number]
    assert newborn_case.number in page
    records = AccessRecord.objects.order_by("at", "pk")[before:]
    assert [(r.actor_id, r.subject_index, r.dataset) for r in records] == [
        (clerk.pk, citizen.resident_id_index, "accounts.profile"),
        (clerk.pk, citizen.resident_id_index, "credentials.wallet"),
    ]
    assert {r.purpose for r in records} == {"verification"}
    # the console now serves this walk-in (the application form for them)
    console = client.get(reverse("cases:window")).content.decode()
    assert 'id="walkin"' in console
    assert "3711**********123X" in console


def test_expired_and_forged_codes_are_clear_errors_and_record_nothing(
    clerk: User, citizen: User
) -> None:
    client = login(clerk)
    old = _code(citizen, now=timezone.now() - datetime.timedelta(minutes=6))
    before = AccessRecord.objects.count()
    response = client.post(reverse("cases:window_scan"), {"code": old})
    assert response.status_code == 400
    assert "This government service code has expired." in response.content.decode()
    forged = _code(citizen)[:-3] + "abc"
    response = client.post(reverse("cases:window_scan"), {"code": forged})
    assert response.status_code == 400
    assert "This is not a valid government service code." in response.content.decode()
    assert "张伟" not in response.content.decode()
    assert AccessRecord.objects.count() == before
    assert 'id="walkin"' not in client.get(reverse("cases:window")).content.decode()


def test_only_clerks_scan(citizen: User, users: dict[str, User]) -> None:
    before = AccessRecord.objects.count()
    for person in (citizen, users["officer-ps"]):
        response = login(person).post(reverse("cases:window_scan"), {"code": _code(citizen)})
        assert response.status_code == 403
    assert AccessRecord.objects.count() == before


def test_my_space_shows_the_code_and_htmx_refreshes_it(citizen: User, clerk: User) -> None:
    client: Client = login(citizen)
    page = client.get(reverse("cases:my_code"))
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]  # a personal page: never kept by a shared terminal
    html = page.content.decode()
    assert 'hx-trigger="every 60s"' in html
    assert re.search(r'<img id="service-code-qr" src="data:image/png;base64,', html)
    fragment = client.get(reverse("cases:my_code"), headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert fragment.content.decode().lstrip().startswith('<div id="service-code"')
    code = fragment.context["code"].text
    assert accounts_services.service_code_scan(actor=clerk, code=code) == citizen
    account = client.get(reverse("accounts:me")).content.decode()
    assert reverse("cases:my_code") in account


def test_an_account_without_a_resident_id_has_no_code(clerk: User) -> None:
    page = login(clerk).get(reverse("cases:my_code"))
    assert page.status_code == 403
    assert 'id="service-code"' not in page.content.decode()
