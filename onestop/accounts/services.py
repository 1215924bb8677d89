"""Writes to accounts: registration of citizens and businesses, staff, identity look-ups, the
government service code.

The resident ID is never stored in clear: it is kept encrypted with the node key, a keyed
blind index finds a person by exact ID, and a masked copy is what screens show.
"""

from __future__ import annotations

import datetime
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.sessions.models import Session
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from django_otp.plugins.otp_totp.models import TOTPDevice

from onestop.accounts import hooks, policies, selectors
from onestop.accounts.models import AssuranceEvent, Delegation, StaffRole, User
from onestop.core import access_log, crypto, identity
from onestop.core.actors import SYSTEM, is_active_user, is_system
from onestop.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed, full_clean
from onestop.org import selectors as org_selectors
from onestop.org.models import Department, Region, ServiceCentre

if TYPE_CHECKING:
    from onestop.accounts.oidc import VerifiedIdentity

RoleSpec = tuple[str, str, str | None]


def _check_username(username: str) -> str:
    username = (username or "").strip()
    field = User._meta.get_field("username")
    try:
        field.run_validators(username)
    except ValidationError as exc:
        raise ValidationFailed(" ".join(exc.messages), code="invalid_username") from exc
    if not username:
        raise ValidationFailed(_("Choose a user name."), code="invalid_username")
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(
            _("This user name is taken: please choose another."), code="duplicate_username"
        )
    return username


def _check_password(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationFailed(
            " ".join(exc.messages), code="invalid_password", details={"password": exc.messages}
        ) from exc


def _check_real_name(real_name: str) -> str:
    real_name = (real_name or "").strip()
    if not real_name:
        raise ValidationFailed(_("Enter your real name."), code="invalid_real_name")
    if len(real_name) > 60:
        raise ValidationFailed(
            _("A real name has at most 60 characters."), code="invalid_real_name"
        )
    return real_name


def _check_phone(phone: str) -> str:
    phone = (phone or "").strip().replace(" ", "").replace("-", "")
    if phone and not (phone.isdigit() and 7 <= len(phone) <= 15):
        raise ValidationFailed(_("Enter a phone number of digits only."), code="invalid_phone")
    return phone


# The phone's blind index is kept apart from the resident ID's (another input to the same
# keyed HMAC): a phone number never matches an ID's index.
PHONE_INDEX_PREFIX = "phone:"


def phone_index(phone: str) -> str:
    """The blind index of a checked phone number ("" for none), as `User.phone_index` holds
    it (migration 0006 computed it for the phones already stored)."""
    return crypto.blind_index(PHONE_INDEX_PREFIX + phone) if phone else ""


def _region_or_none(code: str) -> Region | None:
    """The region of a resident ID's first six digits: the county where the number was
    assigned, under today's code when the county has been recoded since (a Wulian senior's
    370729 is 371121: `identity.region_successor`). Only a guess from the number: where the
    person is registered today (户籍) is the household register's (the `household` dataset)."""
    for candidate in dict.fromkeys([code, identity.region_successor(code) or code]):
        try:
            return org_selectors.region_get(code=candidate)
        except NotFound:
            continue
    return None


def _save_new(user: User, password: str) -> User:
    _check_password(password, user)
    user.set_password(password)
    full_clean(
        user, exclude=["password"], message=_("The data is not valid: please check the fields.")
    )
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise Conflict(_("An account with these details already exists.")) from exc
    return user


def _check_language(language: str) -> str:
    """A language the site speaks (its code), or "" for the node's default."""
    language = (language or "").strip()
    if not language:
        return ""
    for code, _name in settings.LANGUAGES:
        if language == code or language.split("-")[0] == code.split("-")[0]:
            return code
    raise ValidationFailed(_("Choose one of the languages offered."), code="invalid_language")


def citizen_register(
    *,
    username: str,
    password: str,
    real_name: str,
    resident_id: str,
    phone: str = "",
    language: str = "",
) -> User:
    """Register a citizen with a checked resident ID, at assurance level L1 (only the ID's
    check digit is checked: anyone may type anyone's number). Shared data about the holder
    needs L2 or more (`assurance_raise`).

    Raises `ValidationFailed` on bad input and `Conflict` when the user name or the resident ID
    is already registered (the owner then takes the account over: `account_takeover`);
    nothing is written then.
    """
    username = _check_username(username)
    real_name = _check_real_name(real_name)
    rid = identity.validate_resident_id(resident_id)
    phone = _check_phone(phone)
    index = crypto.blind_index(rid)
    with transaction.atomic():
        if User.objects.filter(resident_id_index=index).exists():
            raise Conflict(
                _(
                    "An account with this resident ID already exists. Sign in to it; if it is "
                    "not yours, prove who you are with the identity provider or at any service "
                    "window, and the account will be handed over to you."
                ),
                code="duplicate_resident_id",
            )
        user = User(
            username=username,
            kind=User.Kind.CITIZEN,
            real_name=real_name,
            resident_id_enc=crypto.encrypt_pii(rid),
            resident_id_index=index,
            resident_id_masked=identity.mask_resident_id(rid),
            phone=phone,
            phone_index=phone_index(phone),
            real_name_level=User.AssuranceLevel.L1,
            region=_region_or_none(rid[:6]),
            language=_check_language(language),
        )
        return _save_new(user, password)


def business_register(
    *,
    username: str,
    password: str,
    real_name: str,
    uscc: str,
    organisation_name: str,
    language: str = "",
) -> User:
    """Register a business representative for the organisation with the code `uscc`."""
    username = _check_username(username)
    real_name = _check_real_name(real_name)
    code = identity.validate_uscc(uscc)
    organisation_name = (organisation_name or "").strip()
    if not organisation_name:
        raise ValidationFailed(
            _("Enter the name of the organisation."), code="invalid_organisation_name"
        )
    with transaction.atomic():
        user = User(
            username=username,
            kind=User.Kind.BUSINESS,
            real_name=real_name,
            uscc=code,
            organisation_name=organisation_name,
            real_name_level=User.AssuranceLevel.L1,
            region=_region_or_none(code[2:8]),
            language=_check_language(language),
        )
        return _save_new(user, password)


def user_language_set(*, actor: Any, language: str) -> User:
    """The signed-in person chooses the language of their messages (their own account only)."""
    if not policies.can(actor, policies.Action.PROFILE_UPDATE, actor):
        raise PermissionDenied(_("Sign in to change your account."))
    code = _check_language(language)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=actor.pk)
        user.language = code
        user.save(update_fields=["language"])
    actor.language = code
    return user


def _resolve_roles(roles: Sequence[RoleSpec]) -> list[tuple[str, Region, Department | None]]:
    if not roles:
        raise ValidationFailed(_("A staff member needs at least one role."), code="no_role")
    resolved: list[tuple[str, Region, Department | None]] = []
    valid_roles = set(StaffRole.Role.values)
    for role, region_code, department_code in roles:
        if role not in valid_roles:
            raise ValidationFailed(
                _("%(role)s is not a staff role.") % {"role": role}, code="invalid_role"
            )
        region = org_selectors.region_get(code=region_code)
        department = None
        if department_code is not None:
            department = org_selectors.department_get(code=department_code)
            if department.region_id != region.code:
                raise ValidationFailed(
                    _("The department %(department)s is not in region %(region)s.")
                    % {"department": department_code, "region": region_code},
                    code="invalid_role",
                )
        elif role == StaffRole.Role.DEPARTMENT_OFFICER:
            raise ValidationFailed(
                _("A department officer needs a department."), code="invalid_role"
            )
        resolved.append((role, region, department))
    return resolved


def _staff_create(
    *,
    username: str,
    password: str,
    real_name: str,
    roles: Sequence[RoleSpec],
    superuser: bool = False,
) -> User:
    username = _check_username(username)
    real_name = _check_real_name(real_name)
    resolved = _resolve_roles(roles)
    is_admin = any(role == StaffRole.Role.ADMINISTRATOR for role, _r, _d in resolved)
    with transaction.atomic():
        user = User(
            username=username,
            kind=User.Kind.STAFF,
            real_name=real_name,
            region=resolved[0][1],
            # Staff accounts are made by an administrator who knows the person.
            real_name_level=User.AssuranceLevel.L3,
            is_staff=is_admin or superuser,
            is_superuser=superuser,
        )
        _save_new(user, password)
        for role, region, department in resolved:
            staff_role = StaffRole(user=user, role=role, region=region, department=department)
            staff_role.full_clean()
            staff_role.save()
    return user


def staff_create(
    *,
    actor: User,
    username: str,
    password: str,
    real_name: str,
    roles: Sequence[RoleSpec],
) -> User:
    """Create a staff member with `roles` = ``[(role, region_code, department_code|None)]``.

    The actor must administer every region named in the roles.
    """
    for _role, region_code, _department in roles:
        if not policies.can(actor, policies.Action.STAFF_CREATE, region_code):
            raise PermissionDenied(
                _("Only an administrator of region %(region)s may give roles in it.")
                % {"region": region_code}
            )
    return _staff_create(username=username, password=password, real_name=real_name, roles=roles)


def administrator_bootstrap(
    *, username: str, password: str, real_name: str, region_code: str, superuser: bool = False
) -> User:
    """Create an administrator of `region_code` without an actor: the first account of a node
    (what `createsuperuser` is to Django). Call it from the command line or the seed only."""
    return _staff_create(
        username=username,
        password=password,
        real_name=real_name,
        roles=[(StaffRole.Role.ADMINISTRATOR, region_code, None)],
        superuser=superuser,
    )


def user_find_by_resident_id(*, actor: User, resident_id: str) -> User:
    """Find the person with this resident ID (staff only)."""
    if not policies.can(actor, policies.Action.USER_FIND, None):
        raise PermissionDenied(_("Only staff may look people up by resident ID."))
    rid = identity.validate_resident_id(resident_id)
    index = crypto.blind_index(rid)
    user = User.objects.filter(resident_id_index=index).first()
    # The look-up itself is an access to the person's data, found or not: it is recorded.
    access_log.record(
        actor=actor,
        subject_index=index,
        dataset="accounts.profile",
        fields=["real_name", "resident_id_masked", "phone"] if user else [],
        purpose="verification",
        basis="staff look-up by resident ID",
    )
    if user is None:
        raise NotFound(_("Nobody with this resident ID has an account."))
    return user


# Accounts sharing one phone (a family's phone) are shown to the window clerk as a choice of
# masked people; more than this and the clerk asks for the resident ID instead.
PHONE_CANDIDATES_MAX = 8
PHONE_CHOICE_PREFIX = "phone-choice:"
_PHONE_CANDIDATE_FIELDS = ["real_name_masked", "resident_id_masked", "birth_year"]


@dataclass(frozen=True)
class PhoneCandidate:
    """One of the accounts that share a phone number, as a window clerk may see it: masked
    name, masked resident ID, year of birth. `choice` is what the clerk's form posts back: an
    opaque keyed digest of the clerk, the account and the phone's index, so it tells nothing
    more and picks nobody for another clerk or another number."""

    choice: str
    name: str
    resident_id: str
    birth_year: int | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "choice": self.choice,
            "name": self.name,
            "resident_id": self.resident_id,
            "birth_year": self.birth_year,
        }


def _phone_choice(actor: User, user: User, index: str) -> str:
    return crypto.blind_index(f"{PHONE_CHOICE_PREFIX}{actor.pk}:{user.pk}:{index}")[:32]


def _phone_matches(actor: User, phone: str) -> tuple[str, list[User]]:
    """The checked number's blind index and the active citizens and business representatives
    who have it (at most `PHONE_CANDIDATES_MAX` + 1, oldest account first); staff only."""
    if not policies.can(actor, policies.Action.USER_FIND, None):
        raise PermissionDenied(_("Only staff may look people up by phone number."))
    number = _check_phone(phone)
    if not number:
        raise ValidationFailed(_("Enter a phone number of digits only."), code="invalid_phone")
    index = phone_index(number)
    found = list(
        User.objects.filter(
            phone_index=index, kind__in=policies.SUBJECT_KINDS, is_active=True
        ).order_by("pk")[: PHONE_CANDIDATES_MAX + 1]
    )
    return index, found


def _phone_lookup_record(actor: User, index: str, user: User | None) -> None:
    access_log.record(
        actor=actor,
        subject_index=(user.resident_id_index or index) if user is not None else index,
        dataset="accounts.profile",
        fields=["real_name", "resident_id_masked", "phone"] if user else [],
        purpose="verification",
        basis="staff look-up by phone number",
    )


def _phone_candidates_shown(actor: User, index: str, found: list[User]) -> list[PhoneCandidate]:
    """The accounts sharing the number, masked, each recorded as an access to that person's
    data (purpose verification) since the clerk sees it; too many: nobody is shown."""
    if len(found) > PHONE_CANDIDATES_MAX:
        _phone_lookup_record(actor, index, None)
        raise Conflict(
            _(
                "More than %(count)s accounts share this phone number: look the person up by "
                "resident ID instead."
            )
            % {"count": PHONE_CANDIDATES_MAX},
            code="phone_shared_many",
        )
    shown = []
    for user in found:
        rid = crypto.decrypt_pii(user.resident_id_enc) if user.resident_id_enc else ""
        access_log.record(
            actor=actor,
            subject_index=user.resident_id_index or index,
            dataset="accounts.profile",
            fields=_PHONE_CANDIDATE_FIELDS,
            purpose="verification",
            basis="staff look-up by phone number: shown as one of the accounts sharing it",
        )
        shown.append(
            PhoneCandidate(
                choice=_phone_choice(actor, user, index),
                name=identity.mask_name(user.real_name),
                resident_id=user.resident_id_masked,
                birth_year=identity.birth_year(rid),
            )
        )
    return shown


def phone_candidates(*, actor: Any, phone: str) -> list[PhoneCandidate]:
    """The accounts with this phone number as the window clerk's choice (see
    `PhoneCandidate`), each shown one recorded as an access to that person's data. Nobody:
    `NotFound` (the look-up recorded); more than `PHONE_CANDIDATES_MAX`: `Conflict`
    `phone_shared_many`."""
    index, found = _phone_matches(actor, phone)
    if not found:
        _phone_lookup_record(actor, index, None)
        raise NotFound(_("Nobody with this phone number has an account."), code="not_found")
    return _phone_candidates_shown(actor, index, found)


def user_find_by_phone(*, actor: User, phone: str, choice: str = "") -> User:
    """Find the citizen or business representative with this phone number (staff only: a
    centre's helper at the window, the person present). The look-up is an access to the
    person's data, found or not, and is recorded. A phone is not an identity: when several
    accounts share the number (a family's phone) nobody is chosen: `Conflict`
    `phone_shared`, its `details` ``{"candidates": [...]}`` the accounts masked
    (`PhoneCandidate.as_dict`, each recorded as an access), and the clerk calls again with
    the `choice` of the person present. A `choice` is checked again here: one that is not
    of an account with this number now, for this clerk, is `ValidationFailed`
    `invalid_choice` (nobody found, nothing else recorded than the look-up)."""
    index, found = _phone_matches(actor, phone)
    if choice:
        posted = choice.encode()  # bytes: a posted non-ASCII value is just no match
        user = next(
            (
                u
                for u in found
                if hmac.compare_digest(_phone_choice(actor, u, index).encode(), posted)
            ),
            None,
        )
        _phone_lookup_record(actor, index, user)
        if user is None:
            raise ValidationFailed(
                _("The person chosen does not have this phone number: choose again."),
                code="invalid_choice",
            )
        return user
    if len(found) > 1:
        shown = _phone_candidates_shown(actor, index, found)
        raise Conflict(
            _(
                "Several accounts share this phone number: choose the person present, or "
                "look them up by resident ID."
            ),
            code="phone_shared",
            details={"candidates": [c.as_dict() for c in shown]},
        )
    user = found[0] if found else None
    _phone_lookup_record(actor, index, user)
    if user is None:
        raise NotFound(_("Nobody with this phone number has an account."), code="not_found")
    return user


def resident_id_reveal(*, actor: User, user: User) -> str:
    """The resident ID in clear, for its owner only."""
    if not policies.can(actor, policies.Action.RESIDENT_ID_REVEAL, user):
        raise PermissionDenied(_("Only the holder may see a resident ID in full."))
    if not user.resident_id_enc:
        raise NotFound(_("This account has no resident ID."))
    return crypto.decrypt_pii(user.resident_id_enc)


# --- the government service code (政务服务码) ------------------------------------------------
#
# A short-lived code a person shows as a QR code in their space and a window clerk scans instead
# of typing a resident ID. It is the account's id, the start of its blind index (so a code stops
# working if the resident ID moves to another account) and the time it was made, signed with
# the node's secret key (Django signing: HMAC-SHA256, `SECRET_KEY_FALLBACKS` honoured). It holds
# no personal data; it is valid for `SERVICE_CODE_LIFETIME` after it was made and the page
# draws a new one every `SERVICE_CODE_REFRESH`.

SERVICE_CODE_SALT = "onestop.accounts.service_code"
SERVICE_CODE_LIFETIME = datetime.timedelta(minutes=5)
SERVICE_CODE_REFRESH = datetime.timedelta(minutes=1)
SERVICE_CODE_SKEW = datetime.timedelta(seconds=30)  # a code "from the future": clocks differ
_INDEX_PREFIX = 16


@dataclass(frozen=True)
class ServiceCode:
    """A government service code: `text` is what the QR code holds (and a scanner types)."""

    text: str
    issued_at: datetime.datetime
    expires_at: datetime.datetime


def _service_code_signer() -> signing.Signer:
    return signing.Signer(salt=SERVICE_CODE_SALT)


def service_code_issue(*, actor: Any, now: datetime.datetime | None = None) -> ServiceCode:
    """A new government service code for `actor` themself (a person with a resident ID)."""
    if not policies.can(actor, policies.Action.SERVICE_CODE_SHOW, actor):
        raise PermissionDenied(
            _("Only a person with a resident ID on their account has a government service code."),
            code="no_service_code",
        )
    moment = now or timezone.now()
    index = actor.resident_id_index or ""
    text = _service_code_signer().sign_object(
        {"u": actor.pk, "i": index[:_INDEX_PREFIX], "t": int(moment.timestamp())}
    )
    return ServiceCode(text=text, issued_at=moment, expires_at=moment + SERVICE_CODE_LIFETIME)


def _invalid_code() -> ValidationFailed:
    return ValidationFailed(
        _("This is not a valid government service code. Ask the person to show it again."),
        code="service_code_invalid",
    )


def service_code_scan(*, actor: Any, code: str, now: datetime.datetime | None = None) -> User:
    """The person whose government service code `code` is, for a window clerk.

    A forged, altered or unknown code: ValidationFailed ``service_code_invalid``; a code older
    than `SERVICE_CODE_LIFETIME` (also one scanned again later): ``service_code_expired``;
    neither records anything. A valid scan is an access to the person's identity and is
    recorded (`core.access_log`)."""
    if not policies.can(actor, policies.Action.SERVICE_CODE_SCAN, None):
        raise PermissionDenied(
            _("Only window clerks may scan a government service code."), code="forbidden"
        )
    try:
        payload = _service_code_signer().unsign_object((code or "").strip())
    except (signing.BadSignature, ValueError, TypeError):
        raise _invalid_code() from None
    if not isinstance(payload, dict):
        raise _invalid_code()
    user_id, prefix, stamp = payload.get("u"), payload.get("i"), payload.get("t")
    if not (isinstance(user_id, int) and isinstance(prefix, str) and isinstance(stamp, int)):
        raise _invalid_code()
    issued = datetime.datetime.fromtimestamp(stamp, tz=datetime.UTC)
    moment = now or timezone.now()
    if issued > moment + SERVICE_CODE_SKEW:
        raise _invalid_code()
    if moment - issued > SERVICE_CODE_LIFETIME:
        raise ValidationFailed(
            _(
                "This government service code has expired. Ask the person to refresh it on "
                "their phone and scan it again."
            ),
            code="service_code_expired",
        )
    user = User.objects.filter(pk=user_id, is_active=True).first()
    index = user.resident_id_index if user is not None else None
    if user is None or not index or index[:_INDEX_PREFIX] != prefix:
        raise _invalid_code()
    access_log.record(
        actor=actor,
        subject_index=index,
        dataset="accounts.profile",
        fields=["real_name", "resident_id_masked", "real_name_level"],
        purpose="verification",
        basis="window scan of the government service code",
    )
    return user


def _check_raise(
    *, actor: Any, user: User, level: int, method: str, centre: ServiceCentre | None
) -> None:
    """Who may raise how far: a window clerk of the centre's region in person (any level up to
    L3), the node on an identity provider's checked claims (up to L2)."""
    if level not in Level.values:
        raise ValidationFailed(
            _("%(level)s is not an assurance level.") % {"level": level}, code="invalid_level"
        )
    if method == Method.WINDOW:
        if centre is None:
            raise ValidationFailed(
                _("Name the service centre where the ID card was checked."), code="no_centre"
            )
        if not policies.can(actor, policies.Action.IDENTITY_VERIFY, centre):
            raise PermissionDenied(
                _("Only a window clerk of this service centre's region may verify an identity."),
                code="not_window_clerk",
            )
    elif method == Method.IDENTITY_PROVIDER:
        if level > Level.L2:
            raise ValidationFailed(
                _("An identity provider verifies at most level L2; L3 is in person."),
                code="invalid_level",
            )
        if not policies.can(actor, policies.Action.ASSURANCE_RAISE_REMOTE, user):
            raise PermissionDenied(
                _("Only the identity provider login may raise a level remotely."),
                code="not_identity_provider",
            )
    else:
        raise ValidationFailed(
            _("%(method)s is not a way to verify an identity.") % {"method": method},
            code="invalid_method",
        )
    if user.kind == User.Kind.STAFF:
        raise ValidationFailed(
            _("Staff accounts are verified when they are created."), code="staff_account"
        )


def _level_label(level: int, user: User) -> dict[str, str]:
    """The level's label in both languages (the message is kept in each; `notify.templates`
    picks): never the untranslated msgid, whatever language is active while it is sent."""
    labels = {}
    for key, language in (("zh", "zh-hans"), ("en", "en")):
        with override(language):
            labels[key] = str(Level(level).label)
    return labels


def _event(
    *,
    actor: Any,
    user: User,
    level_from: int,
    level_to: int,
    method: str,
    evidence: str | None,
    centre: ServiceCentre | None,
) -> AssuranceEvent:
    event = AssuranceEvent(
        user=user,
        actor=None if is_system(actor) else actor,
        level_from=level_from,
        level_to=level_to,
        method=method,
        evidence=(evidence or "")[:200],
        centre=centre,
    )
    full_clean(event, exclude=["user", "actor", "centre"])
    event.save()
    return event


def assurance_raise(
    *,
    actor: Any,
    user: User,
    level: int,
    method: str,
    evidence: str | None = None,
    centre: ServiceCentre | None = None,
) -> User:
    """Raise `user`'s assurance level to `level`, never lower it.

    `method` is ``AssuranceEvent.Method.WINDOW`` (a window clerk of `centre`'s region checked
    the ID card: `actor` is the clerk, `centre` required; up to L3) or ``IDENTITY_PROVIDER``
    (`actor` is `SYSTEM` after the provider's ID token was checked; up to L2). `evidence` names
    what was checked ("resident ID card", the provider's issuer), never a document number.
    A raise writes an `AssuranceEvent` and notifies the user; asking for a level the account
    already has (or exceeds) changes nothing and returns the user as it is.
    """
    _check_raise(actor=actor, user=user, level=level, method=method, centre=centre)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        current = locked.real_name_level
        if level <= current:
            user.real_name_level = current
            return user
        locked.real_name_level = level
        locked.save(update_fields=["real_name_level"])
        _event(
            actor=actor,
            user=locked,
            level_from=current,
            level_to=level,
            method=method,
            evidence=evidence,
            centre=centre,
        )
        hooks.account_notify(
            user=locked,
            template="accounts.assurance_raised",
            context={"level": _level_label(level, locked)},
        )
    user.real_name_level = level
    return user


def _sessions_end(user: User) -> int:
    """Delete every stored session signed in as `user`; the number deleted."""
    now = timezone.now()
    ended = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=now).iterator(chunk_size=500)
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk)
    ]
    if ended:
        Session.objects.filter(session_key__in=ended).delete()
    return len(ended)


def account_takeover(
    *,
    actor: Any,
    resident_id: str,
    level: int,
    method: str,
    password: str | None = None,
    phone: str | None = None,
    real_name: str | None = None,
    evidence: str | None = None,
    centre: ServiceCentre | None = None,
) -> User:
    """Hand the account registered with `resident_id` to its owner, who just proved who they
    are (at a window: `method` WINDOW, `level` L3, `actor` the clerk, `centre`; through the
    identity provider: `method` IDENTITY_PROVIDER, `level` L2, `actor` SYSTEM).

    Whoever held the account before (someone who typed another person's ID number) loses it:
    the password becomes `password` (or unusable, for an owner who signs in through the
    identity provider), the phone and e-mail are replaced (the old ones reached the previous
    holder), every session of the account is deleted, the level is raised, and the change is
    recorded (`AssuranceEvent` with method TAKEOVER) and notified in the account. An account
    already at `level` or above is not taken over (`Conflict`): its holder proved as much.
    Returns the account, now the owner's.
    """
    _check_raise(
        actor=actor, user=User(kind=User.Kind.CITIZEN), level=level, method=method, centre=centre
    )
    rid = identity.validate_resident_id(resident_id)
    index = crypto.blind_index(rid)
    new_phone = _check_phone(phone or "")
    new_name = _check_real_name(real_name) if real_name is not None else None
    with transaction.atomic():
        user = User.objects.select_for_update().filter(resident_id_index=index).first()
        if user is None:
            raise NotFound(
                _("Nobody has registered with this resident ID: register as usual."),
                code="no_account",
            )
        if user.real_name_level >= level:
            raise Conflict(
                _(
                    "This account's holder has already proved this identity at the same level "
                    "or higher; it cannot be taken over."
                ),
                code="already_verified",
            )
        if password is not None:
            _check_password(password, user)
            user.set_password(password)
        else:
            user.set_unusable_password()
        previous = user.real_name_level
        user.phone = new_phone
        user.phone_index = phone_index(new_phone)
        user.email = ""
        if new_name is not None:
            user.real_name = new_name
        user.real_name_level = level
        user.save(
            update_fields=[
                "password",
                "phone",
                "phone_index",
                "email",
                "real_name",
                "real_name_level",
            ]
        )
        _sessions_end(user)
        _event(
            actor=actor,
            user=user,
            level_from=previous,
            level_to=level,
            method=Method.TAKEOVER,
            evidence=evidence or str(Method(method).label),
            centre=centre,
        )
        # Taking an account over is an access to the person's data (their profile), recorded.
        access_log.record(
            actor=actor,
            subject_index=index,
            dataset="accounts.profile",
            fields=["real_name", "resident_id_masked", "phone"],
            purpose="verification",
            basis="account takeover by the verified owner",
        )
        hooks.account_notify(
            user=user,
            template="accounts.account_taken_over",
            context={
                "resident_id": user.resident_id_masked,
                "level": _level_label(level, user),
            },
        )
    return user


# --- second factor (TOTP) of staff and superusers ---------------------------------------------


def mfa_enrol_start(*, actor: User) -> TOTPDevice:
    """The authenticator `actor` is setting up: an unconfirmed TOTP device with a new secret
    (the same one on every call until it is confirmed, so reloading the page keeps the code
    the person has just scanned)."""
    with transaction.atomic():
        device = TOTPDevice.objects.filter(user=actor, confirmed=False).order_by("pk").first()
        if device is None:
            device = TOTPDevice(user=actor, name=_("Authenticator app"), confirmed=False)
            device.save()
    return device


def mfa_enrol_confirm(*, actor: User, token: str) -> TOTPDevice:
    """Confirm the authenticator being set up with a code it shows; the device then verifies
    `actor`'s sign-ins. A wrong code changes nothing (`ValidationFailed`, code `invalid_token`)."""
    device = TOTPDevice.objects.filter(user=actor, confirmed=False).order_by("pk").first()
    if device is None:
        raise NotFound(_("No authenticator is being set up: start again."), code="no_enrolment")
    with transaction.atomic():
        if not device.verify_token(_digits(token)):
            raise ValidationFailed(
                _("That code is not right: enter the six digits your app shows now."),
                code="invalid_token",
            )
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    return device


def mfa_verify(*, actor: User, token: str) -> TOTPDevice:
    """The confirmed device of `actor` that accepts `token` (once: a code is not accepted
    twice). Wrong codes are throttled by the device (each failure doubles the wait)."""
    for device in TOTPDevice.objects.filter(user=actor, confirmed=True).order_by("pk"):
        allowed, _data = device.verify_is_allowed()
        if not allowed:
            raise PermissionDenied(
                _("Too many wrong codes: wait a minute and try again."), code="mfa_throttled"
            )
        with transaction.atomic():
            if device.verify_token(_digits(token)):
                return device
    raise ValidationFailed(
        _("That code is not right: enter the six digits your app shows now."),
        code="invalid_token",
    )


def _digits(token: str) -> str:
    return "".join(ch for ch in (token or "") if ch.isdigit())[:8]


# --- sign-in through the identity provider (OpenID Connect) -----------------------------------


def identity_provider_sign_in(*, actor: Any, verified: VerifiedIdentity) -> User:
    """The account of the person the identity provider has just verified, at level L2 or more;
    the caller signs them in.

    The account is found by the blind index of the verified resident ID (never by anything
    typed): a person signed in with a password whose account holds that ID is raised to L2; an
    account already at L2 or above is simply theirs; an account registered with that ID at L1,
    by whoever typed it, is taken over by the verified owner (`account_takeover`: the previous
    holder's sessions end, the change is recorded and notified); a person with no account gets
    a new one at L2 (no password: they sign in through the provider). Someone signed in whose
    account holds another resident ID is refused (`Conflict`, code `oidc_other_person`).
    """
    index = crypto.blind_index(verified.resident_id)
    evidence = f"OpenID Connect {verified.issuer} acr={verified.acr}"
    level = User.AssuranceLevel.L2
    method = AssuranceEvent.Method.IDENTITY_PROVIDER
    if is_active_user(actor):
        if actor.resident_id_index != index:
            raise Conflict(
                _(
                    "The identity provider verified a different person from the one signed in "
                    "here. Log out first, then sign in with the identity provider."
                ),
                code="oidc_other_person",
            )
        user = assurance_raise(
            actor=SYSTEM, user=actor, level=level, method=method, evidence=evidence
        )
        return _verified_name(user, verified.name)
    owner = User.objects.filter(resident_id_index=index).first()
    if owner is None:
        return _verified_citizen_create(verified=verified, index=index, evidence=evidence)
    if not owner.is_active:
        raise PermissionDenied(
            _("This account is closed. Ask at any service window."), code="account_inactive"
        )
    if owner.real_name_level >= level:
        return _verified_name(owner, verified.name)
    return account_takeover(
        actor=SYSTEM,
        resident_id=verified.resident_id,
        level=level,
        method=method,
        real_name=verified.name or None,
        evidence=evidence,
    )


def _verified_name(user: User, name: str) -> User:
    """The name the provider verified replaces a typed one."""
    if name and user.real_name != name:
        user.real_name = _check_real_name(name)
        user.save(update_fields=["real_name"])
    return user


def _verified_citizen_create(*, verified: VerifiedIdentity, index: str, evidence: str) -> User:
    real_name = _check_real_name(verified.name)
    rid = verified.resident_id
    try:
        with transaction.atomic():
            user = User(
                username=f"idp-{secrets.token_hex(6)}",
                kind=User.Kind.CITIZEN,
                real_name=real_name,
                resident_id_enc=crypto.encrypt_pii(rid),
                resident_id_index=index,
                resident_id_masked=identity.mask_resident_id(rid),
                real_name_level=User.AssuranceLevel.L1,
                region=_region_or_none(rid[:6]),
            )
            user.set_unusable_password()  # they sign in through the identity provider
            full_clean(user, exclude=["password"])
            user.save()
            return assurance_raise(
                actor=SYSTEM,
                user=user,
                level=User.AssuranceLevel.L2,
                method=AssuranceEvent.Method.IDENTITY_PROVIDER,
                evidence=evidence,
            )
    except IntegrityError as exc:  # the same person, in another tab, a moment earlier
        raise Conflict(
            _("Your account was being created at the same moment: sign in again."),
            code="oidc_retry",
        ) from exc


Level = User.AssuranceLevel
Method = AssuranceEvent.Method


def user_elderly_set(*, actor: Any, on: bool) -> User:
    """The signed-in person turns the elderly-friendly mode on or off (remembered on the
    account; an anonymous visitor's choice is a cookie, set by the view)."""
    if not policies.can(actor, policies.Action.PROFILE_UPDATE, actor):
        raise PermissionDenied(_("Sign in to change your account."))
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=actor.pk)
        user.elderly_mode = bool(on)
        user.save(update_fields=["elderly_mode"])
    actor.elderly_mode = bool(on)
    return user


# Assisted handling (帮办代办): a person's recorded consent that a helper acts for them.

DELEGATION_MAX_DAYS = 366


def _check_scopes(scopes: Sequence[str]) -> list[str]:
    chosen = [s for s in Delegation.Scope.values if s in set(scopes or ())]
    if not chosen or len(chosen) != len(set(scopes or ())):
        raise ValidationFailed(_("Choose what the helper may do for you."), code="invalid_scope")
    return chosen


def _check_until(valid_until: datetime.date | None) -> datetime.datetime:
    """The end of the chosen day in the node's time zone (after today, within a year)."""
    today = timezone.localdate()
    if not isinstance(valid_until, datetime.date) or valid_until <= today:
        raise ValidationFailed(
            _("Choose a date after today until which the helper may act."), code="invalid_until"
        )
    if valid_until > today + datetime.timedelta(days=DELEGATION_MAX_DAYS):
        raise ValidationFailed(
            _("A delegation lasts at most one year: choose an earlier date."),
            code="invalid_until",
        )
    return timezone.make_aware(
        datetime.datetime.combine(valid_until + datetime.timedelta(days=1), datetime.time.min)
    )


def _acting_choices_forget(delegation: Delegation) -> None:
    """The helper's "act for" switch is read again at their next page."""
    helpers = (
        [delegation.delegate_id]
        if delegation.delegate_id is not None
        else list(
            User.objects.filter(resident_id_index=delegation.delegate_index).values_list(
                "pk", flat=True
            )
        )
    )
    cache.delete_many([selectors.acting_choices_key(pk) for pk in helpers])


def _delegation_notify(delegation: Delegation, template: str, **context: Any) -> None:
    hooks.account_notify(
        user=delegation.principal,
        template=template,
        context={
            "helper": delegation.delegate_name,
            "until": delegation.valid_until.isoformat(),
            **context,
        },
    )


def delegation_grant(
    *,
    actor: Any,
    helper_resident_id: str,
    helper_name: str,
    scopes: Sequence[str],
    valid_until: datetime.date | None,
) -> Delegation:
    """The person (`actor`) lets whoever holds `helper_resident_id` act for them in `scopes`
    until the end of `valid_until`.

    The helper is kept as the blind index of that ID: the answer is the same whether or not
    the ID has an account (granting never tells who is registered), and a helper who
    registers later can act at once. A helper acting for someone cannot grant (policy)."""
    if not policies.can(actor, policies.Action.DELEGATION_GRANT, None):
        raise PermissionDenied(
            _("Only the person themself may let someone act for them."), code="forbidden"
        )
    rid = identity.validate_resident_id(helper_resident_id)
    index = crypto.blind_index(rid)
    if index == actor.resident_id_index:
        raise ValidationFailed(
            _("Enter the resident ID of the person who will help you, not your own."),
            code="invalid_resident_id",
        )
    name = (helper_name or "").strip()
    if not name or len(name) > 60:
        raise ValidationFailed(
            _("Enter the helper's name (at most 60 characters)."), code="invalid_name"
        )
    chosen = _check_scopes(scopes)
    expires = _check_until(valid_until)
    with transaction.atomic():
        delegation = Delegation(
            principal=actor,
            delegate_index=index,
            delegate_name=name,
            delegate_id_masked=identity.mask_resident_id(rid),
            scopes=chosen,
            expires_at=expires,
            channel=Delegation.Channel.ONLINE,
        )
        full_clean(delegation, exclude=["principal", "delegate", "recorded_by", "centre"])
        delegation.save()
        _delegation_notify(delegation, "accounts.delegation_granted")
    _acting_choices_forget(delegation)
    return delegation


def delegation_record(
    *,
    actor: Any,
    centre: ServiceCentre,
    person_resident_id: str = "",
    scopes: Sequence[str],
    valid_until: datetime.date | None,
    consent_note: str,
    helper_resident_id: str = "",
    helper_name: str = "",
    person_phone: str = "",
    person_choice: str = "",
) -> Delegation:
    """A window clerk records, with the person present, that a helper acts for them: a family
    member named by resident ID, or (no ID given) the clerk themself as the centre's helper.
    The person is found by resident ID or, without one, by phone number and, when accounts
    share it, the clerk's `person_choice` among them (`user_find_by_phone`; each look-up
    recorded). The consent (how it was given, what was checked) and the clerk are recorded."""
    if not policies.can(actor, policies.Action.DELEGATION_RECORD, centre):
        raise PermissionDenied(
            _("Only a window clerk of this centre's region may record a delegation."),
            code="forbidden",
        )
    note = (consent_note or "").strip()
    if not note or len(note) > 200:
        raise ValidationFailed(
            _("Say how the person gave consent (at most 200 characters)."),
            code="invalid_consent",
        )
    if (person_resident_id or "").strip():
        person = user_find_by_resident_id(actor=actor, resident_id=person_resident_id)
    elif (person_phone or "").strip():
        person = user_find_by_phone(
            actor=actor, phone=person_phone, choice=(person_choice or "").strip()
        )
    else:
        raise ValidationFailed(
            _("Enter the person's resident ID or phone number."), code="invalid_person"
        )
    if person.kind not in policies.SUBJECT_KINDS:
        raise ValidationFailed(_("Only a citizen can be acted for."), code="invalid_person")
    chosen = _check_scopes(scopes)
    expires = _check_until(valid_until)
    delegation = Delegation(
        principal=person,
        scopes=chosen,
        expires_at=expires,
        channel=Delegation.Channel.WINDOW,
        recorded_by=actor,
        centre=centre,
        consent_note=note,
    )
    if (helper_resident_id or "").strip():
        rid = identity.validate_resident_id(helper_resident_id)
        delegation.delegate_index = crypto.blind_index(rid)
        if delegation.delegate_index == person.resident_id_index:
            raise ValidationFailed(
                _("The helper and the person must be two different people."),
                code="invalid_resident_id",
            )
        delegation.delegate_id_masked = identity.mask_resident_id(rid)
        delegation.delegate_name = (helper_name or "").strip()[:60]
        if not delegation.delegate_name:
            raise ValidationFailed(
                _("Enter the helper's name (at most 60 characters)."), code="invalid_name"
            )
    else:
        delegation.delegate = actor
        delegation.delegate_name = (actor.real_name or actor.username)[:60]
    with transaction.atomic():
        full_clean(delegation, exclude=["principal", "delegate", "recorded_by", "centre"])
        delegation.save()
        _delegation_notify(delegation, "accounts.delegation_granted")
    _acting_choices_forget(delegation)
    return delegation


def delegation_revoke(*, actor: Any, delegation: Delegation) -> Delegation:
    """The person ends a delegation at any time (the helper may also give it up); a second
    revoke changes nothing."""
    if not policies.can(actor, policies.Action.DELEGATION_REVOKE, delegation):
        raise NotFound(_("No such delegation."), code="not_found")
    with transaction.atomic():
        row = Delegation.objects.select_for_update().get(pk=delegation.pk)
        if row.revoked_at is None:
            row.revoked_at = timezone.now()
            row.revoked_by = actor
            row.save(update_fields=["revoked_at", "revoked_by"])
    _acting_choices_forget(row)
    return row


def delegation_used(*, actor: Any, reference: str) -> None:
    """Tell the person that their helper submitted application `reference` for them; called by
    `cases` inside the submitting transaction. Nothing for a person acting themself."""
    delegation = getattr(actor, "acting_delegation", None)
    if not policies.is_acting(actor) or delegation is None:
        return
    _delegation_notify(delegation, "accounts.delegation_used", reference=reference)
