"""Fixtures of the core tests: the demo organisation and accounts, built by their seed steps."""

from __future__ import annotations

from typing import Any

from tests.factories import OTHER_REGION, other_region_staff, worlds


def build_demo_accounts() -> Any:
    from onestop.accounts.models import User
    from onestop.accounts.seed import seed_accounts
    from onestop.credentials.seed import seed_licence_types
    from onestop.org.seed import seed_org
    from onestop.sharing.seed import seed_datasets

    seed_org()

    seed_org(region=OTHER_REGION)
    seed_datasets()
    seed_licence_types()
    seed_accounts()
    other_region_staff()
    return {user.username: user for user in User.objects.all()}


def demo_accounts() -> Any:
    """The demo seed's accounts (and the organisation and licence types they need), by name."""
    return worlds.use("core-demo-accounts", build_demo_accounts)
