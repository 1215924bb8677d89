"""Pages: the data tracker (subject only), consent forms, the proof page, the staff list
(own departments only), and the item/bundle pages for a signed-in citizen."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest
from django.test import Client

from onestop.accounts.models import User
from onestop.ledger import merkle
from onestop.ledger.canonical import leaf_data
from onestop.sharing.models import AccessRecord, Consent
from tests.factories import CitizenFactory
from tests.factories import login as _client

pytestmark = pytest.mark.django_db


def test_tracker_needs_sign_in(demo: dict[str, User]) -> None:
    response = _client().get("/me/data/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_tracker_lists_the_accesses_about_the_subject(demo: dict[str, User]) -> None:
    response = _client(demo["citizen"]).get("/me/data/")

    assert response.status_code == 200
    html = response.content.decode()
    rows = re.findall(r'<li class="os-access">', html)
    assert len(rows) == 2
    assert "Human Resources and Social Security" in html
    assert "Household registration (hukou) and residence permit records" in html
    assert "Refused" in html
    # addressed to the citizen, not the officer's sentence
    assert "No sharing agreement allows this department to use this data" in html
    assert "lets your department" not in html
    record = AccessRecord.objects.get(dataset="household")
    assert f"/me/data/{record.pk}/proof/" in html


def test_tracker_shows_nothing_of_others(demo: dict[str, User]) -> None:
    html = _client(demo["business"]).get("/me/data/").content.decode()

    assert "Nobody has fetched your data yet." in html
    assert "/proof/" not in html


def test_staff_get_no_tracker(demo: dict[str, User]) -> None:
    response = _client(demo["officer-hr"]).get("/me/data/")

    assert response.status_code == 403


def test_proof_page_proves_inclusion(demo: dict[str, User]) -> None:
    record = AccessRecord.objects.get(dataset="household")

    response = _client(demo["citizen"]).get(f"/me/data/{record.pk}/proof/")

    assert response.status_code == 200
    html = response.content.decode()
    bundle = json.loads(
        re.search(r'<pre class="os-pre" tabindex="0">(.*?)</pre>', html, re.S)
        .group(1)  # type: ignore[union-attr]
        .replace("&quot;", '"')
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
    )
    assert bundle["commitment"] == record.commitment
    leaf = merkle.leaf_hash(leaf_data(bundle["entry"]["kind"], bundle["entry"]["payload"]))
    merkle.verify_inclusion(
        bundle["index"],
        bundle["size"],
        leaf,
        [base64.b64decode(h) for h in bundle["hashes"]],
        base64.b64decode(bundle["root_hash"]),
    )
    assert f"/api/v1/ledger/proof/inclusion?index={record.log_index}&amp;size=" in html


def test_proof_page_of_someone_else_is_404(demo: dict[str, User]) -> None:
    record = AccessRecord.objects.get(dataset="household")

    assert _client(demo["business"]).get(f"/me/data/{record.pk}/proof/").status_code == 404


def test_consent_forms_grant_and_withdraw(demo: dict[str, User]) -> None:
    client = _client(demo["citizen"])
    client.handler.enforce_csrf_checks = True
    client.get("/me/data/")
    token = client.cookies["csrftoken"].value

    response = client.post(
        "/me/data/consents/",
        {
            "dataset": "medical-insurance",
            "purpose": "eligibility-check",
            "csrfmiddlewaretoken": token,
        },
    )

    assert response.status_code == 302
    consent = Consent.objects.get()
    assert (consent.dataset_id, consent.purpose, consent.withdrawn_at) == (
        "medical-insurance",
        "eligibility-check",
        None,
    )

    client.post(f"/me/data/consents/{consent.pk}/withdraw/", {"csrfmiddlewaretoken": token})

    consent.refresh_from_db()
    assert consent.withdrawn_at is not None


def test_consent_post_without_csrf_is_refused(demo: dict[str, User]) -> None:
    client = _client(demo["citizen"])
    client.handler.enforce_csrf_checks = True

    response = client.post(
        "/me/data/consents/", {"dataset": "medical-insurance", "purpose": "verification"}
    )

    assert response.status_code == 403
    assert Consent.objects.count() == 0


def test_consent_for_a_law_dataset_shows_an_error(demo: dict[str, User]) -> None:
    client = _client(demo["citizen"])

    response = client.post(
        "/me/data/consents/", {"dataset": "household", "purpose": "verification"}, follow=True
    )

    assert Consent.objects.count() == 0
    assert "is shared on a legal basis, not with consent" in response.content.decode()


def test_staff_page_is_scoped_to_own_departments(demo: dict[str, User]) -> None:
    hr = _client(demo["officer-hr"]).get("/sharing/access/").content.decode()
    ps = _client(demo["officer-ps"]).get("/sharing/access/").content.decode()
    gy = _client(demo["officer-gy"]).get("/sharing/access/").content.decode()

    assert len(re.findall(r"<tr>\s*<td><time", hr)) == 1
    assert "Household registration" in hr
    assert "Social insurance" not in hr
    assert len(re.findall(r"<tr>\s*<td><time", ps)) == 1
    assert "Refused" in ps
    assert "No accesses by your departments." in gy
    assert "<time" not in gy


def test_scenario_page_get_shows_what_would_be_filled_in_and_fetches_nothing(
    newborn: Any, demo: dict[str, User]
) -> None:
    before = AccessRecord.objects.count()
    client = _client(demo["citizen"])

    html = client.get("/scenarios/newborn/").content.decode()

    assert AccessRecord.objects.count() == before  # a page GET never fetches
    assert "Your details from government records" in html
    assert "<output" not in html
    assert 'id="prefill-plan"' in html
    assert "Source: Birth medical certificate records (Health Bureau)" in html
    assert 'action="/scenarios/newborn/prefill/#prefill"' in html
    assert 'hx-post="/scenarios/newborn/prefill/"' in html
    assert "Fill from government records" in html
    assert html.count("Held by the government: you need not submit it") >= 5
    assert html.count("You provide it") == 2


def test_scenario_prefill_post_shows_the_details(newborn: Any, demo: dict[str, User]) -> None:
    citizen = demo["citizen"]
    client = _client(citizen)
    records = AccessRecord.objects.filter(subject_index=citizen.resident_id_index)
    before = records.count()

    html = client.post("/scenarios/newborn/prefill/").content.decode()

    assert '<output name="child_name">张小雨</output>' in html
    assert '<output name="household_number">371121007215</output>' in html
    assert "corrected at the department named as its source" in html
    assert "<h1" in html  # without JavaScript: the whole page
    fetched = records.count() - before
    assert fetched > 0
    assert set(records.order_by("-at")[:fetched].values_list("purpose", "result")) == {
        ("prefill", "allowed")
    }

    fragment = client.post("/scenarios/newborn/prefill/", HTTP_HX_REQUEST="true")

    assert fragment.status_code == 200
    text = fragment.content.decode()
    assert text.lstrip().startswith("<section")
    assert '<output name="child_name">张小雨</output>' in text
    assert records.count() - before == fetched  # the same fetch again: one access


def test_scenario_prefill_is_a_post_with_csrf(newborn: Any, demo: dict[str, User]) -> None:
    citizen = demo["citizen"]
    before = AccessRecord.objects.count()
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(citizen)

    assert client.get("/scenarios/newborn/prefill/").status_code == 405
    assert client.post("/scenarios/newborn/prefill/").status_code == 403
    assert AccessRecord.objects.count() == before


def test_scenario_page_for_an_unverified_account(newborn: Any, demo: dict[str, User]) -> None:
    squatter = CitizenFactory(resident_id="371121199408221249", level=1)
    client = _client(squatter)

    html = client.get("/scenarios/newborn/").content.decode()

    assert 'id="prefill-verify"' in html
    assert "Sign in with the identity provider" in html
    assert 'id="prefill-plan"' in html
    assert "Fill from government records" not in html
    held = re.findall(r"you need not submit it</span>\s*([^<]*)<", html)
    assert held
    assert set(held) == {"Generated by the system"}  # held: only papers the system makes
    assert "You provide it, unless you verify your identity first" in html

    before = AccessRecord.objects.filter(actor=squatter).count()
    html = client.post("/scenarios/newborn/prefill/").content.decode()

    assert "<output" not in html
    assert 'id="prefill-verify"' in html
    refused = AccessRecord.objects.filter(actor=squatter)
    assert refused.count() > before
    assert set(refused.values_list("result", "reason")) == {("refused", "not_verified")}


def test_anonymous_scenario_page_is_unchanged(newborn: Any) -> None:
    before = AccessRecord.objects.count()

    html = _client().get("/scenarios/newborn/").content.decode()

    assert AccessRecord.objects.count() == before
    assert "Your details from government records" not in html
    assert "Held by the government" not in html
    assert "You do not hand it in" in html


def test_item_page_badges_for_the_citizen(newborn: Any, demo: dict[str, User]) -> None:
    html = _client(demo["citizen"]).get("/items/37112100RS-GG-0005/").content.decode()

    assert html.count("Held by the government: you need not submit it") == 3
    assert html.count("You provide it") == 1
