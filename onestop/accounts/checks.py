"""Deployment check of `accounts`: no demo account on a production node."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.db import DatabaseError

from onestop.accounts import seed
from onestop.accounts.models import User
from onestop.core import secrets
from onestop.core.checks import register


def demo_usernames() -> list[str]:
    """Every username the demo seed creates (their password is published)."""
    return seed.demo_usernames()


@register
def no_demo_accounts(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """In production: no account of the demo seed, and no superuser with the published demo
    password (superusers only: checking every password would cost a hash each)."""
    if not secrets.production():
        return []
    try:
        found = sorted(
            User.objects.filter(username__in=demo_usernames()).values_list("username", flat=True)
        )
        found += sorted(
            user.username
            for user in User.objects.filter(is_superuser=True).exclude(username__in=found)
            if user.check_password(seed.DEMO_PASSWORD)
        )
    except DatabaseError as exc:
        return [
            checks.Error(
                f"The database cannot be read ({exc}).",
                hint="Set up the node with `onestop init --admin NAME` (it migrates), or "
                "check DATABASE_URL.",
                id="onestop.E102",
            )
        ]
    if not found:
        return []
    return [
        checks.Error(
            "Demo accounts exist on this production node (their password is published): "
            + ", ".join(found),
            hint="A production node is set up with `onestop init`, never with `seed_demo`: "
            "start from a new database, or delete these accounts.",
            id="onestop.E101",
        )
    ]
