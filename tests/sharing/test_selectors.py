"""The dataset registry: seeded from datasets.json, idempotent, read through selectors."""

from __future__ import annotations

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


# --- records held, access-record scoping ------------------------------------------------------


def test_held_datasets_are_the_subjects_own(newborn: Any, demo: dict[str, Any]) -> None:
    """Which datasets hold a record about the person (what `cases.holdings` composes the
    materials status from: see tests/cases/test_holdings.py)."""
    from django.contrib.auth.models import AnonymousUser

    from onestop.sharing.selectors import held_datasets

    # resident-id: the citizen's own record; vaccination: their child's, the citizen a party
    keys = ["resident-id", "vaccination", "horoscopes", ""]
    assert held_datasets(subject=demo["citizen"], keys=keys) == {"resident-id", "vaccination"}
    for nobody in (AnonymousUser(), demo["officer-hr"], None):
        assert held_datasets(subject=nobody, keys=keys) == set()
    assert held_datasets(subject=demo["citizen"], keys=[]) == set()


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
