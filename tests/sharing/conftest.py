"""Sharing fixtures: the org, registries, accounts and the sharing demo data, loaded by the
apps' own seed steps (which write through their services)."""

from __future__ import annotations

from typing import Any

import pytest

from onestop.accounts.models import User
from tests.catalog.conftest import load_org, load_registries


@pytest.fixture
def demo(db: Any) -> dict[str, User]:
    from onestop.accounts.seed import seed_accounts
    from onestop.sharing.seed import seed_agreements, seed_demo_records

    load_org()
    load_registries()
    seed_accounts()
    seed_agreements()
    seed_demo_records()
    return {u.username: u for u in User.objects.all()}


@pytest.fixture
def newborn(demo: dict[str, User]) -> Any:
    """The demo catalogue (both regions), for the newborn bundle."""
    from onestop.catalog.seed import seed_catalog

    seed_catalog()
    from onestop.catalog.selectors import scenario_get

    return scenario_get(region="371121", slug="newborn")
