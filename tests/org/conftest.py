from __future__ import annotations

import pytest

from onestop.accounts.models import StaffRole, User
from tests.factories import OTHER_REGION, AdministratorFactory, StaffFactory, worlds

PASSWORD = "correct-horse-battery"


@worlds.fixture("org", worlds.build_org, value=lambda: None)
def org(db: None) -> None:
    worlds.use("org")


@pytest.fixture
def admin_wulian(org: None) -> User:
    return AdministratorFactory(
        username="admin-wl", password=PASSWORD, real_name="周敏", region_code="371121"
    )


@pytest.fixture
def admin_ganyu(org: None) -> User:
    return AdministratorFactory(
        username="admin-gy", password=PASSWORD, real_name="孙丽", region_code="320707"
    )


@pytest.fixture
def clerk_wulian(admin_wulian: User) -> User:
    return StaffFactory(
        actor=admin_wulian,
        username="clerk-wl",
        password=PASSWORD,
        real_name="王芳",
        roles=[(StaffRole.Role.WINDOW_CLERK, "371121", None)],
    )


def build_catalogue() -> None:
    """The organisation and the demo catalogue of both regions (the kiosk offers it)."""
    from onestop.catalog.seed import seed_catalog
    from onestop.credentials.seed import seed_licence_types
    from onestop.sharing.seed import seed_datasets

    worlds.build_org()
    seed_datasets()
    seed_licence_types()
    seed_catalog()
    seed_catalog(region=OTHER_REGION)


@worlds.fixture("org-catalogue", build_catalogue, value=lambda: None, includes=("org",))
def catalogue(db: None) -> None:
    worlds.use("org-catalogue")
