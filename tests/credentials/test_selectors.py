"""The e-licence type registry: seeded from licence_types.json, idempotent, checked."""

from __future__ import annotations

import pytest

from onestop.core.errors import NotFound, ValidationFailed
from onestop.credentials.models import LicenceType
from onestop.credentials.seed import load_licence_types, seed_licence_types
from onestop.credentials.selectors import licence_type_get, licence_type_list
from onestop.credentials.services import licence_type_upsert
from onestop.sharing.seed import seed_datasets

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(db: None) -> None:
    from tests.catalog.conftest import load_org

    load_org()
    seed_datasets()


def test_seed_is_idempotent(registry: None) -> None:
    seed_licence_types()
    stamps = list(licence_type_list().values_list("key", "updated_at"))

    assert seed_licence_types() == f"{len(load_licence_types())} e-licence types, 0 changed"
    assert list(licence_type_list().values_list("key", "updated_at")) == stamps
    assert licence_type_get(key="business-licence").trust_level == "A"


def test_unknown_dataset_or_trust_level_is_refused(registry: None) -> None:
    row = {"key": "x", "name_zh": "x", "issuer_kind": "health", "dataset": "nope"}
    with pytest.raises(NotFound):
        licence_type_upsert(actor=None, row=row)
    with pytest.raises(ValidationFailed):
        licence_type_upsert(actor=None, row=dict(row, dataset="", trust_level="Z"))
    assert LicenceType.objects.count() == 0
    with pytest.raises(NotFound):
        licence_type_get(key="x")
