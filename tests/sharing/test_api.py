"""/api/v1/me/materials and /api/v1/me/prefill: session auth, parameters, statuses, values."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from onestop.accounts.models import User
from onestop.sharing.models import AccessRecord

pytestmark = pytest.mark.django_db

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

    response = client.get("/api/v1/me/prefill?scenario=newborn")

    assert response.status_code == 200
    body = response.json()
    assert body["child_name"] == {
        "value": "张小雨",
        "source": "Birth medical certificate records (Health Bureau)",
    }
    assert body["household_number"] == {
        "value": "371121007215",
        "source": "Household registration (hukou) and residence permit records "
        "(Public Security Bureau)",
    }
    assert "phone" not in body
    after = AccessRecord.objects.filter(subject_index=citizen.resident_id_index)
    assert after.count() > before
    assert set(after.order_by("-at")[: after.count() - before].values_list("purpose", "basis")) == {
        ("prefill", "self")
    }


def test_prefill_needs_a_signed_in_user(newborn: Any) -> None:
    response = Client().get("/api/v1/me/prefill?scenario=newborn")

    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
