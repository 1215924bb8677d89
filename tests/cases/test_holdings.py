"""`cases.holdings`: the materials a person need not hand in, and pre-fill, composed from the
catalogue, `sharing`'s records and `credentials`' wallet; served to the catalogue pages through
`catalog.hooks`."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from onestop.accounts.models import User
from onestop.cases import holdings
from onestop.catalog import hooks as catalog_hooks
from tests.factories import OTHER_REGION
from tests.sharing import conftest as sharing_fixtures

pytestmark = pytest.mark.django_db


# the sharing demo world: org, registries, accounts, agreements and records
sharing_demo = sharing_fixtures.demo


@pytest.fixture
def demo(sharing_demo: dict[str, User]) -> dict[str, User]:
    """The sharing demo world and the demo catalogue."""
    from onestop.catalog.seed import seed_catalog

    seed_catalog()

    seed_catalog(region=OTHER_REGION)
    return sharing_demo


def _materials(item_code: str) -> list[Any]:
    from onestop.catalog.selectors import item_get

    return list(item_get(code=item_code).materials.all())


def test_materials_status_for_the_demo_citizen(demo: dict[str, Any]) -> None:
    rows = holdings.materials_status(
        actor=demo["citizen"], materials=_materials("37112100RS-GG-0005")
    )

    assert [(r["key"], r["status"]) for r in rows] == [
        ("resident-id", "held"),
        ("household-register", "held"),
        ("photo", "to_submit"),
        ("application-form", "held"),
    ]
    assert rows[0]["item"] == "37112100RS-GG-0005"


def test_an_e_licence_in_the_wallet_counts_as_licence(
    demo: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    from django.utils import timezone

    from onestop.catalog.selectors import scenario_get
    from onestop.credentials.services import credential_issue

    credential_issue(
        actor=demo["officer-ps"],
        licence_type="household-register",
        holder=demo["citizen"],
        subject={"household_number": "371121007215"},
        valid_from=timezone.now() - datetime.timedelta(days=1),
    )
    materials = _materials("37112100GA-QR-0001")
    newborn = scenario_get(region="371121", slug="newborn")

    # which datasets live in another system is read once per process (kept a few seconds)
    from onestop.sharing.selectors import remote_sources

    remote_sources()
    # records, wallet (this node's e-licences and peers'), two registries for the labels, one
    # for licence data held: not per material
    with django_assert_max_num_queries(6):
        rows = holdings.materials_status(actor=demo["citizen"], materials=materials)
    everything = [
        m for item in newborn.items.prefetch_related("materials") for m in item.materials.all()
    ]
    with django_assert_max_num_queries(6):
        assert len(holdings.materials_status(actor=demo["citizen"], materials=everything)) == 26

    assert {r["key"]: r["status"] for r in rows} == {
        "birth-medical-certificate": "held",
        "household-register": "licence",
        "resident-id": "held",
        "marriage-certificate": "held",
        "application-form": "held",
    }


def test_anonymous_or_staff_hold_nothing(demo: dict[str, Any]) -> None:
    from django.contrib.auth.models import AnonymousUser

    materials = _materials("37112100YB-GG-0004")
    for actor in (AnonymousUser(), demo["officer-hr"]):
        rows = holdings.materials_status(actor=actor, materials=materials)
        assert [r["status"] for r in rows] == ["to_submit", "to_submit", "to_submit"]
        # the catalogue pages show no personal status to them
        assert catalog_hooks.material_statuses(actor=actor, materials=materials) == {}
        assert catalog_hooks.prefill(actor=actor, schema={"properties": {}}, fetch=True) is None


def test_the_catalogue_reaches_holdings_through_its_hook(demo: dict[str, Any]) -> None:
    """Registered from `CasesConfig.ready()`: the catalogue asks, and never imports cases."""
    from onestop.catalog.selectors import scenario_get

    materials = _materials("37112100RS-GG-0005")
    statuses = catalog_hooks.material_statuses(actor=demo["citizen"], materials=materials)
    assert {statuses[m.pk]["key"]: statuses[m.pk]["status"] for m in materials} == {
        "resident-id": "held",
        "household-register": "held",
        "photo": "to_submit",
        "application-form": "held",
    }

    schema = scenario_get(region="371121", slug="newborn").form_schema
    planned = catalog_hooks.prefill(actor=demo["citizen"], schema=schema, fetch=False)
    assert planned is not None
    assert (planned["verified"], planned["fetched"], planned["rows"]) == (True, False, [])
    assert all(
        {"key", "title_zh", "title_en", "dataset", "source"} <= set(r) for r in planned["plan"]
    )
    found = catalog_hooks.prefill(actor=demo["citizen"], schema=schema, fetch=True)
    assert found is not None
    assert found["fetched"] is True
    assert found["rows"]
    assert all({"key", "title_zh", "title_en", "value", "source"} <= set(r) for r in found["rows"])
    assert catalog_hooks.prefill(actor=demo["citizen"], schema={}, fetch=True) is None


MOTHER_ID = "371121199408221249"  # a resident with records in the demo's shared data


def test_an_unverified_account_holds_nothing_and_fetches_nothing(demo: dict[str, Any]) -> None:
    """Registered with someone's ID number (L1): no held status, no pre-filled value; the
    pre-fill is refused dataset by dataset and recorded."""
    from onestop.catalog.selectors import scenario_get
    from onestop.sharing.models import AccessRecord
    from tests.factories import CitizenFactory

    squatter = CitizenFactory(resident_id=MOTHER_ID, level=1)
    rows = holdings.materials_status(actor=squatter, materials=_materials("37112100RS-GG-0005"))
    assert [(r["key"], r["status"]) for r in rows] == [
        ("resident-id", "verify"),
        ("household-register", "verify"),
        ("photo", "to_submit"),
        ("application-form", "held"),
    ]

    schema = scenario_get(region="371121", slug="newborn").form_schema
    planned = holdings.prefill(actor=squatter, schema=schema, fetch=False)
    assert planned is not None
    assert planned["verified"] is False
    assert not AccessRecord.objects.filter(actor=squatter).exists()
    found = holdings.prefill(actor=squatter, schema=schema, fetch=True)
    assert found is not None
    assert (found["verified"], found["fetched"], found["rows"]) == (False, True, [])
    assert {r["dataset"] for r in found["plan"]} == set(
        AccessRecord.objects.filter(actor=squatter).values_list("dataset", flat=True)
    )
    assert set(AccessRecord.objects.filter(actor=squatter).values_list("reason", flat=True)) == {
        "not_verified"
    }
