"""Who is acting: the checks every app's policy starts from."""

from __future__ import annotations

from typing import Any


def is_active_user(actor: Any) -> bool:
    """A signed-in, active, saved account (not `None`, not anonymous, not deactivated)."""
    return (
        actor is not None
        and bool(getattr(actor, "is_authenticated", False))
        and bool(getattr(actor, "is_active", True))
        and getattr(actor, "pk", None) is not None
    )
