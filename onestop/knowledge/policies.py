"""Who may write the knowledge base.

- ``staff:article:draft``: any staff member (a hotline agent turning a reply into a draft,
  a department officer, a supervisor, an administrator);
- ``region:article:publish`` (and reading drafts): a supervisor or an administrator of the
  article's region (for an article of every region: of the node's region), or a superuser;
- ``region:article:import``: the node itself (`SYSTEM`: the demo seed and the operator's
  commands) or an administrator of the node's region.

`SYSTEM` drafts and publishes nothing; `actor=None` may do nothing.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.conf import settings

from onestop.accounts.policies import has_role, is_administrator_of, is_staff_member
from onestop.core.actors import is_active_user, is_system
from onestop.core.permissions import Permission


class Action(StrEnum):
    """This app's names in `core.permissions.Permission`."""

    ARTICLE_DRAFT = Permission.ARTICLE_DRAFT.value
    ARTICLE_PUBLISH = Permission.ARTICLE_PUBLISH.value
    ARTICLE_IMPORT = Permission.ARTICLE_IMPORT.value


def _region_of(obj: Any) -> str:
    region = getattr(obj, "region_id", None) if obj is not None else None
    return str(region or settings.NODE_REGION)


def can(actor: Any, action: str, obj: Any = None) -> bool:  # noqa: PLR0911 - one answer per action
    """Whether `actor` may do `action` to the article `obj` (or, for import, at all)."""
    if is_system(actor):
        return action == Action.ARTICLE_IMPORT
    if action == Action.ARTICLE_IMPORT:
        return is_active_user(actor) and is_administrator_of(actor, settings.NODE_REGION)
    if not is_active_user(actor):
        return False
    if getattr(actor, "is_superuser", False):
        return True
    if action == Action.ARTICLE_DRAFT:
        return is_staff_member(actor)
    if action == Action.ARTICLE_PUBLISH:
        region = _region_of(obj)
        return has_role(actor, "supervisor", region=region) or is_administrator_of(actor, region)
    return False
