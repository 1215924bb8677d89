"""Reads of accounts, scoped to what the actor may see."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from onestop.accounts import policies
from onestop.accounts.models import StaffRole, User
from onestop.core.errors import PermissionDenied


def staff_role_list(*, actor: User, user: User) -> QuerySet[StaffRole]:
    """The roles of `user`: visible to the user themself and to administrators of the roles'
    regions (each administrator sees the roles in the regions they administer)."""
    roles = StaffRole.objects.filter(user=user).select_related("region", "department")
    if actor.pk == user.pk or actor.is_superuser:
        return roles.order_by("region_id", "role")
    regions = [
        code
        for code in {r.region_id for r in roles}
        if policies.can(actor, policies.Action.STAFF_CREATE, code)
    ]
    if not regions:
        raise PermissionDenied(_("You may not see the roles of this person."))
    return roles.filter(region_id__in=regions).order_by("region_id", "role")


def users_by_username(usernames: Iterable[str], *, active: bool = True) -> dict[str, User]:
    """System read (demo seed steps, management commands): {username: user} for the accounts
    that exist among `usernames` (only active ones unless `active=False`); one query."""
    users = User.objects.filter(username__in=sorted(set(usernames)))
    if active:
        users = users.filter(is_active=True)
    return {u.username: u for u in users}
