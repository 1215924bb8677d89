from __future__ import annotations

import pytest

from onestop.accounts.models import StaffRole, User
from tests.factories import AdministratorFactory, CitizenFactory, StaffFactory, worlds

PASSWORD = "correct-horse-battery"
RESIDENT_ID = "37112119930315123X"
OTHER_ID = "371121199507084569"
USCC = "91371121MA3C5D7E8U"


@worlds.fixture("org", worlds.build_org, value=lambda: None)
def org(db: None) -> None:
    worlds.use("org")


@pytest.fixture
def citizen(org: None) -> User:
    return CitizenFactory(
        username="zhangwei",
        password=PASSWORD,
        real_name="张伟",
        resident_id=RESIDENT_ID,
        phone="13812345678",
        level=1,
    )


@pytest.fixture
def admin_wulian(org: None) -> User:
    return AdministratorFactory(
        username="admin-wl", password=PASSWORD, real_name="周敏", region_code="371121"
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


@pytest.fixture
def officer_ps(admin_wulian: User) -> User:
    return StaffFactory(
        actor=admin_wulian,
        username="officer-ps",
        password=PASSWORD,
        real_name="刘强",
        roles=[(StaffRole.Role.DEPARTMENT_OFFICER, "371121", "371121-public-security")],
    )
