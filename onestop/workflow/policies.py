"""Who may run a process (start it, complete its tasks, stop it).

The engine does not know the roles of a task's lane: the app that drives it (`cases`) checks
its own policy for the step before it calls, and passes the actor in for the record. This
policy only says who may drive the engine at all:

- ``node:process:run``: the node itself (`SYSTEM`: automatic steps, the worker's ticks) or an
  active, signed-in person; `actor=None` is refused.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from onestop.core.actors import is_system
from onestop.core.permissions import Permission


class Action(StrEnum):
    """This app's names in `core.permissions.Permission`."""

    PROCESS_RUN = Permission.PROCESS_RUN.value


def can(actor: Any, action: str, obj: Any = None) -> bool:
    """Whether `actor` may do `action` (to the process instance `obj`, if any)."""
    if action != Action.PROCESS_RUN:
        return False
    if is_system(actor):
        return True
    return bool(
        actor is not None
        and getattr(actor, "is_authenticated", False)
        and getattr(actor, "is_active", True)
        and getattr(actor, "pk", None) is not None
    )
