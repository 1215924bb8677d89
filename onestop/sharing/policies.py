"""Who may do what with shared data and its access records.

- ``self:consent:manage`` and ``self:data_tracker:view``: a signed-in citizen or business
  representative, about themself only (the data subject);
- ``department:access_records:view``: a staff member holding a role in that department
  (`obj` is the department or its code); nobody else, superusers included, because access
  records are personal data of the subjects, read for the department's own accountability.

- ``self:shared_data:fetch`` (data about oneself: pre-fill, held materials, the facts of an
  automatic decision): a citizen or business representative whose identity is verified at
  assurance level L2 or more (`accounts.selectors.assurance_verified`); `obj` is ignored (that
  the subject is the actor is `services.data_fetch`'s question);
- ``department:shared_data:fetch``: a staff member (any role); *which* datasets a department
  may fetch is an agreement (`SharingAgreement`) checked by `services.data_fetch`, for the
  departments `fetching_departments` names.

- ``region:dataset_source:manage`` (where a dataset is read from: a department's system, its
  address, credentials and timeouts; `obj` is the source's region or its code): the node,
  superusers, and the administrators of that region.

- ``node:dataset:manage`` (the registry of datasets, agreements and the records loaded from
  the providers): the node itself (`SYSTEM`: the seed, the providers' feeds) and superusers.

Whether a department may *fetch* a dataset is not a role question but an agreement
(`SharingAgreement`) checked by `services.data_fetch`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from onestop.accounts.policies import (
    Scope,
    acts_for,
    is_acting,
    is_administrator_of,
    is_staff_member,
    staff_departments,
)
from onestop.accounts.selectors import assurance_verified
from onestop.core.actors import is_system
from onestop.core.permissions import Permission


class Action(StrEnum):
    """This app's names in `core.permissions.Permission`."""

    DATASET_MANAGE = Permission.DATASET_MANAGE.value
    SOURCE_MANAGE = Permission.DATASET_SOURCE_MANAGE.value
    CONSENT_MANAGE = Permission.CONSENT_MANAGE.value
    TRACKER_VIEW = Permission.DATA_TRACKER_VIEW.value
    ACCESS_RECORDS_VIEW = Permission.ACCESS_RECORDS_VIEW.value
    FETCH_SELF = Permission.DATA_FETCH_SELF.value
    FETCH_DEPARTMENT = Permission.DATA_FETCH_DEPARTMENT.value


SUBJECT_KINDS = frozenset({"citizen", "business"})


def is_data_subject(actor: Any) -> bool:
    """A signed-in, active citizen or business representative."""
    return (
        actor is not None
        and bool(getattr(actor, "is_authenticated", False))
        and bool(getattr(actor, "is_active", False))
        and getattr(actor, "kind", "") in SUBJECT_KINDS
    )


def fetching_departments(actor: Any) -> list[str]:
    """The codes of the departments a staff member fetches for, sorted (the first is recorded
    when no agreement names any); empty for anyone who is not staff."""
    if not can(actor, Action.FETCH_DEPARTMENT, None):
        return []
    return sorted(staff_departments(actor))


def can(actor: Any, action: str, obj: Any = None) -> bool:  # noqa: PLR0911
    if action == Action.DATASET_MANAGE:
        return is_system(actor) or bool(
            getattr(actor, "is_authenticated", False)
            and getattr(actor, "is_active", True)
            and getattr(actor, "is_superuser", False)
        )
    if action == Action.SOURCE_MANAGE:
        if is_system(actor) or can(actor, Action.DATASET_MANAGE):
            return True
        return (
            obj is not None
            and bool(getattr(actor, "is_authenticated", False))
            and bool(getattr(actor, "is_active", False))
            and is_administrator_of(actor, obj)
        )
    if is_system(actor):
        return False  # `SYSTEM` is no data subject and holds no department role
    if action in (Action.CONSENT_MANAGE, Action.TRACKER_VIEW):
        # the person's consents and data tracker are theirs alone, never a helper's
        return is_data_subject(actor) and not is_acting(actor)
    if action == Action.FETCH_SELF:
        # a helper acting for the person fetches for an application only (pre-fill, held
        # materials), and the access record names the helper too
        return (
            is_data_subject(actor)
            and assurance_verified(actor)
            and acts_for(actor, actor.pk, Scope.CASES)
        )
    if action == Action.FETCH_DEPARTMENT:
        return bool(getattr(actor, "is_authenticated", False)) and is_staff_member(actor)
    if action == Action.ACCESS_RECORDS_VIEW:
        if actor is None or not getattr(actor, "is_authenticated", False):
            return False
        code = obj if isinstance(obj, str) else getattr(obj, "code", None)
        return code is not None and code in staff_departments(actor)
    return False
