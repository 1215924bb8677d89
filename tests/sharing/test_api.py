"""/api/v1/me/materials and /api/v1/me/prefill: session auth, parameters, statuses, values."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from onestop.accounts.models import User
from onestop.ledger.models import Entry as LedgerEntry
from onestop.sharing.models import AccessRecord
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db

MOTHER_ID = "371121199408221249"  # 王丽 in the demo's shared data (a party of the birth records)
NEWBORN_TO_SUBMIT = {("37112100RS-GG-0005", "photo"), ("37112100YB-JF-0001", "maternity-bills")}


def test_materials_needs_a_signed_in_user(demo: dict[str, User]) -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get("/api/v1/me/materials?scenario=newborn")

    assert response.status_code == 401
    assert response.json() == {
        "code": "unauthenticated",
        "message": "Sign in to see your own data.",
    }


@pytest.mark.parametrize("query", ["", "?item=x&scenario=newborn"])
def test_materials_needs_exactly_one_of_item_and_scenario(
    demo: dict[str, User], query: str
) -> None:
    client = Client()
    client.force_login(demo["citizen"])

    response = client.get(f"/api/v1/me/materials{query}")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_materials_of_the_newborn_bundle_for_the_demo_citizen(
    newborn: Any, demo: dict[str, User]
) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(demo["citizen"])

    response = client.get("/api/v1/me/materials?scenario=newborn")

    assert response.status_code == 200
    rows = response.json()
    assert len(rows) == 26
    assert {(r["item"], r["key"]) for r in rows if r["status"] == "to_submit"} == (
        NEWBORN_TO_SUBMIT
    )
    assert {r["status"] for r in rows} == {"held", "to_submit"}
    certificate = next(r for r in rows if r["key"] == "birth-medical-certificate")
    assert certificate["source"] == (
        "Shared data: Birth medical certificate records (Health Bureau)"
    )
    hukou = next(r for r in rows if r["key"] == "household-register")
    assert hukou["source"] == (
        "Shared data: Household registration (hukou) and residence permit records "
        "(Public Security Bureau)"
    )
    assert set(rows[0]) == {"item", "key", "name", "status", "source"}


def test_materials_of_one_item_for_someone_without_records(
    newborn: Any, demo: dict[str, User]
) -> None:
    client = Client()
    client.force_login(demo["officer-ps"])  # staff: no records about them

    rows = client.get("/api/v1/me/materials?item=37112100GA-QR-0001").json()

    assert [(r["key"], r["status"]) for r in rows] == [
        ("birth-medical-certificate", "to_submit"),
        ("household-register", "to_submit"),
        ("resident-id", "to_submit"),
        ("marriage-certificate", "to_submit"),
        ("application-form", "held"),
    ]


def test_unknown_item_is_404(newborn: Any, demo: dict[str, User]) -> None:
    client = Client()
    client.force_login(demo["citizen"])

    response = client.get("/api/v1/me/materials?item=nope")

    assert response.status_code == 404
    assert response.json()["code"] == "item_not_found"


def test_prefill_of_the_newborn_bundle(newborn: Any, demo: dict[str, User]) -> None:
    citizen = demo["citizen"]
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(citizen)
    before = AccessRecord.objects.filter(subject_index=citizen.resident_id_index).count()

    response = client.post(
        "/api/v1/me/prefill", {"scenario": "newborn"}, content_type="application/json"
    )

    assert response.status_code == 200
    body = response.json()
    assert body["verified"] is True
    assert body["level"] == 2
    assert body["message"] == ""
    values = body["values"]
    assert values["child_name"] == {
        "value": "张小雨",
        "source": "Birth medical certificate records (Health Bureau)",
    }
    assert values["household_number"] == {
        "value": "371121007215",
        "source": "Household registration (hukou) and residence permit records "
        "(Public Security Bureau)",
    }
    assert "phone" not in values
    assert {f["key"] for f in body["fields"]} >= set(values)
    after = AccessRecord.objects.filter(subject_index=citizen.resident_id_index)
    assert after.count() > before
    assert set(after.order_by("-at")[: after.count() - before].values_list("purpose", "basis")) == {
        ("prefill", "self")
    }


def test_a_repeated_prefill_is_one_access_not_several(newborn: Any, demo: dict[str, User]) -> None:
    citizen = demo["citizen"]
    client = Client()
    client.force_login(citizen)
    records = AccessRecord.objects.filter(subject_index=citizen.resident_id_index)
    first = client.post(
        "/api/v1/me/prefill", {"scenario": "newborn"}, content_type="application/json"
    )
    count = records.count()
    log_size = LedgerEntry.objects.count()

    again = client.post(
        "/api/v1/me/prefill", {"scenario": "newborn"}, content_type="application/json"
    )

    assert again.status_code == first.status_code == 200
    assert again.json()["values"] == first.json()["values"]
    assert records.count() == count
    assert LedgerEntry.objects.count() == log_size


def test_prefill_of_one_item(newborn: Any, demo: dict[str, User]) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(demo["citizen"])

    response = client.post(
        "/api/v1/me/prefill", {"item": "37112100GA-QR-0001"}, content_type="application/json"
    )

    assert response.status_code == 200
    body = response.json()
    assert body["verified"] is True
    assert body["values"]["child_name"]["value"] == "张小雨"


def test_prefill_is_never_a_get(newborn: Any, demo: dict[str, User]) -> None:
    citizen = demo["citizen"]
    client = Client()
    client.force_login(citizen)
    before = AccessRecord.objects.count()

    response = client.get("/api/v1/me/prefill?scenario=newborn")

    assert response.status_code == 405
    assert AccessRecord.objects.count() == before


def test_prefill_needs_the_csrf_token(newborn: Any, demo: dict[str, User]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(demo["citizen"])
    before = AccessRecord.objects.count()

    response = client.post(
        "/api/v1/me/prefill", {"scenario": "newborn"}, content_type="application/json"
    )

    assert response.status_code == 403
    assert AccessRecord.objects.count() == before


@pytest.mark.parametrize(
    "body", [{}, {"scenario": "newborn", "item": "37112100GA-QR-0001"}], ids=["none", "both"]
)
def test_prefill_needs_exactly_one_of_item_and_scenario(
    newborn: Any, demo: dict[str, User], body: dict[str, str]
) -> None:
    client = Client()
    client.force_login(demo["citizen"])
    before = AccessRecord.objects.count()

    response = client.post("/api/v1/me/prefill", body, content_type="application/json")

    assert response.status_code == 400
    assert AccessRecord.objects.count() == before


def test_prefill_needs_a_signed_in_user(newborn: Any) -> None:
    response = Client().post(
        "/api/v1/me/prefill", {"scenario": "newborn"}, content_type="application/json"
    )

    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


# --- an account whose identity is not verified (L1) ---------------------------------------------


def test_an_unverified_account_sees_what_would_be_filled_in_and_gets_nothing(
    newborn: Any, demo: dict[str, User]
) -> None:
    # Someone registers with the ID number of a resident who has records (the mother).
    squatter = CitizenFactory(resident_id=MOTHER_ID, level=1)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(squatter)

    response = client.post(
        "/api/v1/me/prefill", {"scenario": "newborn"}, content_type="application/json"
    )

    assert response.status_code == 200
    body = response.json()
    assert body["verified"] is False
    assert body["level"] == 1
    assert body["values"] == {}
    assert "identity provider" in body["message"]
    assert "service window" in body["message"]
    plan = {f["key"]: f for f in body["fields"]}
    assert plan["child_name"]["dataset"] == "birth-medical-certificate"
    assert plan["child_name"]["source"] == "Birth medical certificate records (Health Bureau)"
    refused = AccessRecord.objects.filter(subject_index=squatter.resident_id_index, actor=squatter)
    assert refused.exists()
    assert set(refused.values_list("result", "reason", "purpose")) == {
        ("refused", "not_verified", "prefill")
    }


def test_an_unverified_account_is_not_told_which_records_exist(
    newborn: Any, demo: dict[str, User]
) -> None:
    squatter = CitizenFactory(resident_id=MOTHER_ID, level=1)
    client = Client()
    client.force_login(squatter)
    before = AccessRecord.objects.count()

    rows = client.get("/api/v1/me/materials?scenario=newborn").json()

    assert {r["status"] for r in rows} == {"held", "verify", "to_submit"}
    held = [r for r in rows if r["status"] == "held"]
    assert held
    assert all("Shared data" not in r["source"] for r in held)  # generated papers only
    certificate = next(r for r in rows if r["key"] == "birth-medical-certificate")
    assert certificate["status"] == "verify"
    assert AccessRecord.objects.count() == before  # a GET records nothing
