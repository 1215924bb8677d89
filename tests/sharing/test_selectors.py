"""The dataset registry: seeded from datasets.json, idempotent, read through selectors."""

from __future__ import annotations

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
