"""Who is acting: the checks every app's policy starts from, and who acts when no person does:
the node itself (seeds, management commands, the worker's ticks, automatic steps). Policies
answer for `SYSTEM` explicitly; `actor=None` is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SystemActor:
    """The node acting on its own. Not a user: no primary key, no roles."""

    name: str = "system"
    is_authenticated = True
    is_system = True


SYSTEM = SystemActor()


def is_system(actor: Any) -> bool:
    """Whether `actor` is the node itself (`SYSTEM`)."""
    return isinstance(actor, SystemActor)


def is_active_user(actor: Any) -> bool:
    """A signed-in, active, saved account (not `None`, not `SYSTEM`, not anonymous, not
    deactivated)."""
    return (
        actor is not None
        and not is_system(actor)
        and bool(getattr(actor, "is_authenticated", False))
        and bool(getattr(actor, "is_active", True))
        and getattr(actor, "pk", None) is not None
    )
