"""Demo-seed step of `workflow`: load every process in `processes/` (idempotent)."""

from __future__ import annotations

from onestop.core import seeding


@seeding.register(order=65, name="workflow")
def seed_workflow() -> str:
    from onestop.workflow import services

    loaded = services.definitions_load_all()
    return ", ".join(f"{d.key} v{d.version}" for d in loaded)
