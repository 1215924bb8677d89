"""Demo-seed step of `ledger`: make sure the node has a signing key. Appends nothing."""

from __future__ import annotations

from onestop.core import keys, seeding


@seeding.register(order=60, name="ledger")
def seed_ledger() -> str:
    return f"signing key {keys.ensure_key()}"
