"""The Django admin scoped like the consoles, and its views of personal data recorded.

`RegionScopedAdminMixin` (mix into a `ModelAdmin`, before it): a superuser sees every row; an
administrator sees the rows of the regions they administer (and the regions below them); anyone
else with admin access sees none. The rule is the consoles' (`policies.has_role` with
`region_covers`), as a filter on `scope_field`. Rows without a region (a user who gave none)
belong to the node's own region. A row out of scope is a 404 in the admin, as in the consoles.

With `personal_data` set, opening a row's page (change or history) is an access to that
person's data and is recorded through `core.access_log` (data tracker, ledger), like a
clerk's look-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from onestop.accounts import policies
from onestop.core import access_log
from onestop.org import selectors as org_selectors


def administered_q(user: Any, field: str) -> Q:
    """The rows whose region in `field` `user` administers (superuser: all; none: no row)."""
    if getattr(user, "is_superuser", False):
        return Q()
    q = Q(pk__in=[])
    node = str(settings.NODE_REGION)
    for held in policies.roles(user):
        if held.role != policies.Role.ADMINISTRATOR:
            continue
        q |= org_selectors.region_q(held.region_id, field)
        if org_selectors.region_covers(held.region_id, node):
            q |= Q(**{f"{field}__isnull": True})
    return q


@dataclass(frozen=True)
class PersonalData:
    """What an admin page of one row shows of a person: the dataset name of the access
    record, the attribute holding the person's blind index, and the fields shown."""

    dataset: str
    index_attr: str
    fields: tuple[str, ...]


class RegionScopedAdminMixin:
    scope_field: str = "region"
    personal_data: PersonalData | None = None

    def scope_q(self, request: HttpRequest) -> Q:
        return administered_q(request.user, self.scope_field)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset: QuerySet[Any] = super().get_queryset(request)  # type: ignore[misc]
        return queryset.filter(self.scope_q(request))

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None) -> Any:
        obj = super().get_object(request, object_id, from_field)  # type: ignore[misc]
        if obj is not None and self.personal_data is not None:
            index = str(_attr(obj, self.personal_data.index_attr) or "")
            if index:
                access_log.record(
                    actor=request.user,
                    subject_index=index,
                    dataset=self.personal_data.dataset,
                    fields=list(self.personal_data.fields),
                    purpose="administration",
                    basis=f"Django admin: {obj._meta.label} {obj.pk}",
                )
        return obj


def _attr(obj: Any, path: str) -> Any:
    for part in path.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj
