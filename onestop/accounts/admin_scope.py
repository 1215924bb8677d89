"""The Django admin scoped like the consoles, and its views of personal data recorded.

`RegionScopedAdminMixin` (mix into a `ModelAdmin`, before it): a superuser sees every row; an
administrator sees the rows of the regions they administer (and the regions below them); anyone
else with admin access sees none. The rule is the consoles' (`policies.has_role` with
`region_covers`), as a filter on `scope_field`. Rows without a region (a user who gave none)
belong to the node's own region. A row out of scope is a 404 in the admin, as in the consoles.

With `personal_data` set, opening a row's page (change or history) is an access to that
person's data and is recorded through `core.access_log` (data tracker, ledger), like a
clerk's look-up.

`SuperuserOnlyAdminMixin`: the node's own records about every person that belong to no region
(sign-in attempts with their addresses, second-factor secrets, background tasks' arguments):
superusers only, whatever Django permissions an administrator was granted.

`rescope(model, mixin, ...)`: the same rules for a model whose admin another package (or an app
that cannot import this one, as `org`, which `accounts` builds on) registered: its registered
`ModelAdmin` is replaced by itself with the mixin in front.
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


def administered_regions(user: Any) -> list[str]:
    """The codes of the regions `user` holds the administrator role in."""
    return [
        held.region_id for held in policies.roles(user) if held.role == policies.Role.ADMINISTRATOR
    ]


def administered_number_q(user: Any, field: str) -> Q:
    """The rows whose readable number in `field` (``<region>-<yyyymmdd>-<seq>``: a case's, a
    work order's) was given in a region `user` administers (superuser: all; none: no row)."""
    if getattr(user, "is_superuser", False):
        return Q()
    q = Q(pk__in=[])
    for code in administered_regions(user):
        if code.endswith("0000"):
            prefix = code[:2]
        elif code.endswith("00"):
            prefix = code[:4]
        else:
            prefix = f"{code}-"
        q |= Q(**{f"{field}__startswith": prefix})
    return q


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


class SuperuserOnlyAdminMixin:
    """Superusers only: every other member of staff sees neither the module nor a row (403),
    whatever permissions they were given."""

    def _superuser(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(getattr(user, "is_active", False) and getattr(user, "is_superuser", False))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._superuser(request) and bool(
            super().has_module_permission(request)  # type: ignore[misc]
        )

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._superuser(request) and bool(
            super().has_view_permission(request, obj)  # type: ignore[misc]
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._superuser(request) and bool(
            super().has_change_permission(request, obj)  # type: ignore[misc]
        )

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self._superuser(request) and bool(
            super().has_add_permission(request, *args)  # type: ignore[misc]
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._superuser(request) and bool(
            super().has_delete_permission(request, obj)  # type: ignore[misc]
        )


def rescope(model: type[Any], mixin: type[Any], **attrs: Any) -> type[Any]:
    """Replace the admin registered for `model` by the same admin with `mixin` in front (and
    `attrs` set on it); returns the new admin class."""
    from django.contrib import admin

    registered = type(admin.site._registry[model])
    scoped = type(registered.__name__, (mixin, registered), {"__module__": __name__, **attrs})
    admin.site.unregister(model)
    admin.site.register(model, scoped)
    return scoped
