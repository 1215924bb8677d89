"""Who may do what with shared data and its access records.

- ``self:consent:manage`` and ``self:data_tracker:view``: a signed-in citizen or business
  representative, about themself only (the data subject);
- ``department:access_records:view``: a staff member holding a role in that department
  (`obj` is the department or its code); nobody else, superusers included, because access
  records are personal data of the subjects, read for the department's own accountability.

- ``node:dataset:manage`` (the registry of datasets, agreements and the records loaded from
  the providers): the node itself (`SYSTEM`: the seed, the providers' feeds) and superusers.

Whether a department may *fetch* a dataset is not a role question but an agreement
(`SharingAgreement`) checked by `services.data_fetch`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from onestop.accounts.policies import staff_departments
from onestop.core.actors import is_system
from onestop.core.permissions import Permission


class Action(StrEnum):
    """This app's names in `core.permissions.Permission`."""

    DATASET_MANAGE = Permission.DATASET_MANAGE.value
    CONSENT_MANAGE = Permission.CONSENT_MANAGE.value
    TRACKER_VIEW = Permission.DATA_TRACKER_VIEW.value
    ACCESS_RECORDS_VIEW = Permission.ACCESS_RECORDS_VIEW.value


SUBJECT_KINDS = frozenset({"citizen", "business"})


def is_data_subject(actor: Any) -> bool:
    """A signed-in, active citizen or business representative."""
    return (
        actor is not None
        and bool(getattr(actor, "is_authenticated", False))
        and bool(getattr(actor, "is_active", False))
        and getattr(actor, "kind", "") in SUBJECT_KINDS
    )


def can(actor: Any, action: str, obj: Any = None) -> bool:
    if action == Action.DATASET_MANAGE:
        return is_system(actor) or bool(
            getattr(actor, "is_authenticated", False)
            and getattr(actor, "is_active", True)
            and getattr(actor, "is_superuser", False)
        )
    if is_system(actor):
        return False  # `SYSTEM` is no data subject and holds no department role
    if action in (Action.CONSENT_MANAGE, Action.TRACKER_VIEW):
        return is_data_subject(actor)
    if action == Action.ACCESS_RECORDS_VIEW:
        if actor is None or not getattr(actor, "is_authenticated", False):
            return False
        code = obj if isinstance(obj, str) else getattr(obj, "code", None)
        return code is not None and code in staff_departments(actor)
    return False
