from __future__ import annotations

import pytest

from onestop.accounts import services
from onestop.accounts.models import StaffRole, User
from onestop.org.seed import seed_org

PASSWORD = "correct-horse-battery"
RESIDENT_ID = "37112119930315123X"
OTHER_ID = "371121199507084569"
USCC = "91371121MA3C5D7E8U"


@pytest.fixture
def org(db: None) -> None:
    seed_org()


@pytest.fixture
def citizen(org: None) -> User:
    return services.citizen_register(
        username="zhangwei",
        password=PASSWORD,
        real_name="张伟",
        resident_id=RESIDENT_ID,
        phone="13812345678",
    )


@pytest.fixture
def admin_wulian(org: None) -> User:
    return services.administrator_bootstrap(
        username="admin-wl", password=PASSWORD, real_name="周敏", region_code="371121"
    )


@pytest.fixture
def clerk_wulian(admin_wulian: User) -> User:
    return services.staff_create(
        actor=admin_wulian,
        username="clerk-wl",
        password=PASSWORD,
        real_name="王芳",
        roles=[(StaffRole.Role.WINDOW_CLERK, "371121", None)],
    )


@pytest.fixture
def officer_ps(admin_wulian: User) -> User:
    return services.staff_create(
        actor=admin_wulian,
        username="officer-ps",
        password=PASSWORD,
        real_name="刘强",
        roles=[(StaffRole.Role.DEPARTMENT_OFFICER, "371121", "371121-public-security")],
    )
