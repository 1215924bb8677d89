"""The dataset registry: seeded from datasets.json, idempotent, read through selectors."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from onestop.core.errors import NotFound
from onestop.sharing.seed import load_datasets, seed_datasets
from onestop.sharing.selectors import dataset_field_keys, dataset_get, dataset_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def kinds(db: None) -> None:
    from tests.catalog.conftest import load_org

    load_org()


def test_seed_loads_every_dataset_once(kinds: None) -> None:
    seed_datasets()
    stamps = list(dataset_list().values_list("key", "updated_at"))

    assert seed_datasets() == f"{len(load_datasets())} datasets, 0 changed"
    assert list(dataset_list().values_list("key", "updated_at")) == stamps
    resident = dataset_get(key="resident-id")
    assert resident.provider_kind_id == "public-security"
    assert "id_number" in dataset_field_keys()["resident-id"]


def test_unknown_dataset_is_not_found(kinds: None) -> None:
    seed_datasets()
    with pytest.raises(NotFound):
        dataset_get(key="horoscopes")


# --- materials status, access-record scoping -----------------------------------------------------


def _materials(item_code: str) -> list[Any]:
    from onestop.catalog.selectors import item_get

    return list(item_get(code=item_code).materials.all())


def test_materials_status_for_the_demo_citizen(newborn: Any, demo: dict[str, Any]) -> None:
    from onestop.sharing.selectors import materials_status

    rows = materials_status(actor=demo["citizen"], materials=_materials("37112100RS-GG-0005"))

    assert [(r["key"], r["status"]) for r in rows] == [
        ("resident-id", "held"),
        ("household-register", "held"),
        ("photo", "to_submit"),
        ("application-form", "held"),
    ]
    assert rows[0]["item"] == "37112100RS-GG-0005"


def test_an_e_licence_in_the_wallet_counts_as_licence(
    newborn: Any, demo: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    from django.utils import timezone

    from onestop.credentials.services import credential_issue
    from onestop.sharing.selectors import materials_status

    credential_issue(
        actor=demo["officer-ps"],
        licence_type="household-register",
        holder=demo["citizen"],
        subject={"household_number": "371121007215"},
        valid_from=timezone.now() - datetime.timedelta(days=1),
    )
    materials = _materials("37112100GA-QR-0001")

    # records, wallet, two registries for the labels, one for licence data held: not per material
    with django_assert_max_num_queries(5):
        rows = materials_status(actor=demo["citizen"], materials=materials)
    everything = [
        m for item in newborn.items.prefetch_related("materials") for m in item.materials.all()
    ]
    with django_assert_max_num_queries(5):
        assert len(materials_status(actor=demo["citizen"], materials=everything)) == 26

    assert {r["key"]: r["status"] for r in rows} == {
        "birth-medical-certificate": "held",
        "household-register": "licence",
        "resident-id": "held",
        "marriage-certificate": "held",
        "application-form": "held",
    }


def test_anonymous_or_staff_hold_nothing(newborn: Any, demo: dict[str, Any]) -> None:
    from django.contrib.auth.models import AnonymousUser

    from onestop.sharing.selectors import materials_status

    for actor in (AnonymousUser(), demo["officer-hr"]):
        rows = materials_status(actor=actor, materials=_materials("37112100YB-GG-0004"))
        assert [r["status"] for r in rows] == ["to_submit", "to_submit", "to_submit"]


def test_access_records_are_scoped(demo: dict[str, Any]) -> None:
    from onestop.core.errors import PermissionDenied
    from onestop.sharing.selectors import (
        access_record_list_for_departments,
        access_record_list_for_subject,
    )

    # the seed made one allowed (officer-hr) and one refused (officer-ps) access about the citizen
    mine = list(access_record_list_for_subject(actor=demo["citizen"]))
    assert sorted((r.dataset, r.result) for r in mine) == [
        ("household", "allowed"),
        ("social-insurance", "refused"),
    ]
    assert list(access_record_list_for_subject(actor=demo["business"])) == []
    with pytest.raises(PermissionDenied):
        access_record_list_for_subject(actor=demo["officer-hr"])

    hr = list(access_record_list_for_departments(actor=demo["officer-hr"]))
    assert [(r.dataset, r.actor_department_id) for r in hr] == [
        ("household", "371121-human-resources-social-security")
    ]
    for other in ("officer-gy", "clerk", "admin", "citizen"):
        assert list(access_record_list_for_departments(actor=demo[other])) == []
