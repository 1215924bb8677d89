"""Helpers of the window tests (helper C): identity numbers, a logged-in client, and the
light world of the queue tests (org + accounts, by their own seed steps)."""

from __future__ import annotations

import uuid
from typing import Any

from onestop.accounts.models import User
from onestop.cases.models import Case
from tests.factories import (
    OTHER_REGION,
    login,  # noqa: F401  (the tests' one login helper, re-exported)
    other_region_staff,
    worlds,
)

RID = "37112119930315123X"  # the demo citizen 张伟
WALKIN_RID = "110101199003070038"  # valid, no account
BAD_RID = "371121199303151230"  # wrong check character (X expected)


def _seed_org_and_accounts() -> None:
    from onestop.accounts.seed import seed_accounts
    from onestop.org.seed import seed_org

    seed_org()

    seed_org(region=OTHER_REGION)
    seed_accounts()
    other_region_staff()


def seed_org_and_accounts() -> dict[str, User]:
    """The world above, built once per test process (a template: tests/factories/worlds.py)."""
    return worlds.use("org-accounts", _seed_org_and_accounts)


RESTAURANT_ANSWERS = {"dine_in": "yes", "signboard": "yes", "sewer": "yes"}


def case_from_redirect(response: Any) -> Case:
    """The case a window redirect points at (/window/cases/<number or id>/)."""
    ref = str(response["Location"]).rstrip("/").rsplit("/", 1)[-1]
    try:
        return Case.objects.get(pk=uuid.UUID(ref))
    except ValueError:
        return Case.objects.get(number=ref)
