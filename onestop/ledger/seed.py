"""Demo-seed step of `ledger`: make sure the node has a signing key. Appends nothing."""

from __future__ import annotations

from onestop.core import keys, seeding


@seeding.register(order=60, name="ledger")
def seed_ledger() -> str:
    return "signing keys " + ", ".join(f"{use} {kid}" for use, kid in keys.ensure_keys().items())
