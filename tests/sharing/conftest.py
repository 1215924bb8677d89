"""Sharing fixtures: the org, registries, accounts and the sharing demo data, loaded by the
apps' own seed steps (which write through their services)."""

from __future__ import annotations

from typing import Any

from onestop.accounts.models import User
from tests.catalog.conftest import load_org, load_registries
from tests.factories import OTHER_REGION, other_region_staff, worlds


def build_demo() -> None:
    from onestop.accounts.seed import seed_accounts
    from onestop.sharing.seed import seed_agreements, seed_demo_records

    load_org()
    load_registries()
    seed_accounts()
    other_region_staff()
    seed_agreements()
    seed_demo_records()


@worlds.fixture("sharing-demo", build_demo)
def demo(db: Any) -> dict[str, User]:
    return worlds.use("sharing-demo")


def build_demo_and_catalogue() -> None:
    from onestop.catalog.seed import seed_catalog

    build_demo()
    seed_catalog()
    seed_catalog(region=OTHER_REGION)


@worlds.fixture(
    "sharing-demo-catalogue",
    build_demo_and_catalogue,
    value=lambda: None,
    includes=("sharing-demo",),
)
def newborn(demo: dict[str, User]) -> Any:
    """The demo catalogue (both regions), for the newborn bundle."""
    worlds.use("sharing-demo-catalogue")
    from onestop.catalog.selectors import scenario_get

    return scenario_get(region="371121", slug="newborn")
