"""Helpers of the window tests (helper C): identity numbers, a logged-in client, and the
light world of the queue tests (org + accounts, by their own seed steps)."""

from __future__ import annotations

from django.test import Client

from onestop.accounts.models import User

RID = "37112119930315123X"  # the demo citizen 张伟
WALKIN_RID = "110101199003070038"  # valid, no account
BAD_RID = "37112119930315123Y"  # wrong check character


def seed_org_and_accounts() -> dict[str, User]:
    from onestop.accounts.seed import seed_accounts
    from onestop.org.seed import seed_org

    seed_org()
    seed_accounts()
    return {u.username: u for u in User.objects.all()}


def login(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client
