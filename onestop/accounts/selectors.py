"""Reads of accounts, scoped to what the actor may see."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from onestop.accounts import policies
from onestop.accounts.models import AssuranceEvent, Delegation, StaffRole, User
from onestop.core import crypto, secrets
from onestop.core.errors import NotFound, PermissionDenied


def staff_role_list(*, actor: User, user: User) -> QuerySet[StaffRole]:
    """The roles of `user` that `actor` may see (`policies.can(actor, STAFF_ROLE_VIEW, role)`:
    the user themself sees all of them, an administrator those in the regions they
    administer); refused when `actor` may see none of them."""
    roles = StaffRole.objects.filter(user=user).select_related("region", "department")
    visible = [r.pk for r in roles if policies.can(actor, policies.Action.STAFF_ROLE_VIEW, r)]
    if not visible and actor.pk != user.pk:
        raise PermissionDenied(_("You may not see the roles of this person."), code="forbidden")
    return roles.filter(pk__in=visible).order_by("region_id", "role")


def users_by_username(usernames: Iterable[str], *, active: bool = True) -> dict[str, User]:
    """System read (demo seed steps, management commands): {username: user} for the accounts
    that exist among `usernames` (only active ones unless `active=False`); one query."""
    users = User.objects.filter(username__in=sorted(set(usernames)))
    if active:
        users = users.filter(is_active=True)
    return {u.username: u for u in users}


def role_holders(
    *, role: str, departments: Iterable[str] | None = None, region_wide: bool = False
) -> QuerySet[StaffRole]:
    """The staff roles `role` with their (active) users: of `departments` when given (and, with
    `region_wide`, the roles of the same kind without a department), ordered by username.

    People only: a service account holding a role so that its acts count as a department's
    (an unusable password, ``!…``: the benefits rule runners, nobody signs in as them) is
    never an officer to notify, assign or list."""
    roles = (
        StaffRole.objects.filter(role=role, user__is_active=True)
        .exclude(user__password__startswith=UNUSABLE_PASSWORD_PREFIX)
        .select_related("user")
    )
    if departments is not None:
        scope = Q(department_id__in=list(departments))
        if region_wide:
            scope |= Q(department__isnull=True)
        roles = roles.filter(scope)
    return roles.order_by("user__username", "pk")


def user_by_id(pk: Any) -> User | None:
    """The account with id `pk` (None if there is none, or `pk` is not an id)."""
    try:
        return User.objects.filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


def business_by_uscc(code: str) -> User | None:
    """The active business account of the unified social credit code `code`, if any."""
    return (
        User.objects.filter(uscc=code, kind=User.Kind.BUSINESS, is_active=True)
        .order_by("pk")
        .first()
    )


def assurance_level(user: Any) -> int:
    """The assurance level of `user` (`User.AssuranceLevel`): 0 for nobody or an anonymous
    visitor, the stored level otherwise. Shared data about the holder needs L2 or more."""
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    return int(getattr(user, "real_name_level", 0) or 0)


def assurance_verified(user: Any) -> bool:
    """Whether `user` is verified well enough (L2 or more) to receive shared data about
    themself: held materials, pre-fill, automatic decisions."""
    return assurance_level(user) >= User.AssuranceLevel.L2


def assurance_events(*, actor: User, user: User) -> QuerySet[AssuranceEvent]:
    """The raises of `user`'s level, newest first: for the holder themself."""
    if not policies.can(actor, policies.Action.PROFILE_VIEW, user):
        raise PermissionDenied(_("You may not see this account's verification history."))
    return AssuranceEvent.objects.filter(user=user).select_related("actor", "centre")


def mfa_required(user: Any) -> bool:
    """Whether `user` must verify a second factor (TOTP) before any page: superusers, admin-site
    users and staff accounts (who alone hold staff roles: `services.staff_create` makes them,
    so no query is needed)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or user.is_staff or getattr(user, "kind", "") == User.Kind.STAFF)


def demo_totp_code(user: User) -> str | None:
    """On a development node only: the current code of `user`'s authenticator if it is the
    demo seed's published one (so a visitor of `make run` signs in as demo staff without an
    app). None in production, and for any authenticator a person set up themselves."""
    from onestop.accounts.seed import DEMO_TOTP_KEY

    if secrets.production():
        return None
    device = TOTPDevice.objects.filter(user=user, confirmed=True, key=DEMO_TOTP_KEY).first()
    if device is None:
        return None
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if device.last_t is not None and device.last_t >= totp.t():
        # This step's code was used already (a code is good once): the next step's, which the
        # device's tolerance accepts now.
        totp.time = totp.time + device.step * (device.last_t - totp.t() + 1)
    return f"{totp.token():0{device.digits}d}"


def mfa_enrolled(user: User) -> bool:
    """Whether `user` has a confirmed authenticator."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def data_subjects(
    *, exclude_ids: Iterable[int] = (), limit: int | None = None, after: int | None = None
) -> list[User]:
    """System read (the benefits schedule): the active citizens and businesses of this node
    that a shared record can be about (a resident ID or a credit code), oldest first, without
    `exclude_ids`; only those with an id above `after` (to walk them a page at a time); at most
    `limit`."""
    users = (
        User.objects.filter(is_active=True, kind__in=[User.Kind.CITIZEN, User.Kind.BUSINESS])
        .filter(~Q(resident_id_index="") | ~Q(uscc=""))
        .exclude(pk__in=list(exclude_ids))
        .order_by("pk")
    )
    if after is not None:
        users = users.filter(pk__gt=after)
    return list(users[:limit] if limit is not None else users)


def data_subjects_by_keys(keys: Iterable[str]) -> list[User]:
    """System read (a shared record changed): the active citizens and businesses whose
    resident ID or credit code is one of `keys` (subject keys in clear, never stored)."""
    wanted = {"".join(str(k).split()).upper() for k in keys if k}
    if not wanted:
        return []
    indexes = [crypto.blind_index(k) for k in wanted]
    return list(
        User.objects.filter(is_active=True, kind__in=[User.Kind.CITIZEN, User.Kind.BUSINESS])
        .filter(Q(resident_id_index__in=indexes) | Q(uscc__in=wanted))
        .order_by("pk")
    )


# Assisted handling (帮办代办): who may act for whom.


def _held_q(user: Any) -> Q:
    q = Q(delegate_id=user.pk)
    index = getattr(user, "resident_id_index", None)
    if index:
        q |= Q(delegate_id__isnull=True, delegate_index=index)
    return q


def delegations_given(*, actor: Any) -> list[Delegation]:
    """The delegations `actor` gave (or that a window recorded for them), newest first, valid or
    not; none for someone acted for by a helper."""
    if policies.is_acting(actor) or not getattr(actor, "pk", None):
        return []
    return list(
        Delegation.objects.filter(principal_id=actor.pk).select_related("delegate", "centre")
    )


def delegations_held(*, actor: Any, valid_only: bool = False) -> list[Delegation]:
    """The delegations whose helper is `actor` (by account, or by the resident ID the person
    named), newest first; `valid_only`: not revoked and not expired."""
    if policies.is_acting(actor) or not getattr(actor, "pk", None):
        return []
    rows = Delegation.objects.filter(_held_q(actor)).select_related("principal")
    if valid_only:
        rows = rows.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())
    return [d for d in rows if d.principal.is_active or not valid_only]


# The header's "act for" switch is on every page: whom a helper may act for is read once a
# minute per person (the shared cache), and forgotten when a delegation of theirs is created or
# revoked (`services`). Acting itself is checked afresh on every request (`acting_as`).
ACTING_CHOICES_SECONDS = 60


def acting_choices_key(user_id: Any) -> str:
    return f"accounts:acting-choices:{user_id}"


def acting_choices(*, actor: Any) -> list[dict[str, str]]:
    """The people `actor` may act for now, as [{"id", "name"}] (the header's switch). Only a
    person with a resident ID (named by a person online or at a window) or a window clerk (a
    centre's helper) can be a helper: nobody else's pages read anything."""
    if policies.is_acting(actor) or not getattr(actor, "pk", None):
        return []
    if not getattr(actor, "resident_id_index", None) and not policies.has_role(
        actor, policies.Role.WINDOW_CLERK
    ):
        return []
    key = acting_choices_key(actor.pk)
    found = cache.get(key)
    if found is None:
        found = [
            {"id": str(d.pk), "name": d.principal.real_name or d.principal.username}
            for d in delegations_held(actor=actor, valid_only=True)
        ]
        cache.set(key, found, ACTING_CHOICES_SECONDS)
    return found


def delegation_get(*, actor: Any, delegation_id: Any) -> Delegation:
    """A delegation that `actor` gave or holds; `NotFound` otherwise (a forged id reveals
    nothing)."""
    try:
        row = Delegation.objects.select_related("principal", "delegate").get(pk=delegation_id)
    except (Delegation.DoesNotExist, ValueError, TypeError, ValidationError):
        raise NotFound(_("No such delegation."), code="not_found") from None
    if policies.is_acting(actor) or not (
        row.principal_id == getattr(actor, "pk", None) or row.held_by(actor)
    ):
        raise NotFound(_("No such delegation."), code="not_found")
    return row


def acting_as(*, actor: Any, delegation_id: Any) -> User:
    """The person `actor` acts for under the delegation `delegation_id`: the person's account,
    carrying `acting_agent` (the helper) and `acting_delegation`, which every policy of the
    person's own things checks (`policies.acts_for`). Refused when the delegation is not the
    actor's, has expired or was revoked."""
    delegation = delegation_get(actor=actor, delegation_id=delegation_id)
    if not policies.can(actor, policies.Action.DELEGATION_ACT, delegation):
        raise PermissionDenied(
            _("This delegation has ended: you can no longer act for this person."),
            code="delegation_ended",
        )
    person = User.objects.get(pk=delegation.principal_id)
    person.acting_agent = actor  # type: ignore[attr-defined]
    person.acting_delegation = delegation  # type: ignore[attr-defined]
    return person
