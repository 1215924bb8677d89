from __future__ import annotations

import pytest

from onestop.accounts import services as accounts
from onestop.accounts.models import StaffRole, User
from onestop.org.seed import seed_org

PASSWORD = "correct-horse-battery"


@pytest.fixture
def org(db: None) -> None:
    seed_org()


@pytest.fixture
def admin_wulian(org: None) -> User:
    return accounts.administrator_bootstrap(
        username="admin-wl", password=PASSWORD, real_name="周敏", region_code="371121"
    )


@pytest.fixture
def admin_ganyu(org: None) -> User:
    return accounts.administrator_bootstrap(
        username="admin-gy", password=PASSWORD, real_name="孙丽", region_code="320707"
    )


@pytest.fixture
def clerk_wulian(admin_wulian: User) -> User:
    return accounts.staff_create(
        actor=admin_wulian,
        username="clerk-wl",
        password=PASSWORD,
        real_name="王芳",
        roles=[(StaffRole.Role.WINDOW_CLERK, "371121", None)],
    )
