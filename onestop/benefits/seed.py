"""Demo-seed step of `benefits`: check the demo citizen and business against every rule,
through the real services (the fetches are recorded in their data trackers, the decisions run
through the workflow engine), so that `make run` shows an offer in "my space" — the demo
citizen's newborn 张小雨 was born on 2026-11-10: her medical insurance waits for his
confirmation and her vaccination reminders are on. Idempotent: a person already checked is
left alone."""

from __future__ import annotations

from onestop.accounts import selectors as accounts_selectors
from onestop.core import seeding


@seeding.register(order=97, name="benefits-demo", deferred=True)
def seed_benefits() -> str:
    from onestop.benefits import services
    from onestop.benefits.models import Check

    users = accounts_selectors.users_by_username(["citizen", "business"])
    made = 0
    for username in ("citizen", "business"):
        holder = users.get(username)
        if holder is None or Check.objects.filter(holder=holder).exists():
            continue
        made += len(services.subject_check(holder=holder))
    return f"{made} offers"
