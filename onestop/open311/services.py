"""Writes of the Open311 gateway: issuing and revoking API clients, filing requests.

Requests are filed through `hotline.services.ticket_create` (and `attachment_add`) with the
client's service account as the actor and `route=True`: the order is written ``new`` with one
task row for the worker, which routes the orders waiting in a batch and dispatches the
confident ones (`hotline.services.ticket_route_waiting`), so no request runs the model. This
app never writes hotline tables itself.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from onestop.accounts import services as account_services
from onestop.accounts.models import StaffRole
from onestop.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from onestop.hotline import selectors as hotline_selectors
from onestop.hotline import services as hotline_services
from onestop.hotline.models import WorkOrder
from onestop.open311 import catalogue, keys, policies, selectors
from onestop.open311.keys import hash_key
from onestop.open311.models import ApiClient, PublicService

logger = logging.getLogger(__name__)

MAX_DESCRIPTION = 2000  # the hotline's limit (GeoReport allows 4,000)
MAX_IDEMPOTENCY_KEY = 80
# Identical POSTs of one client (same body, no Idempotency-Key) within this many seconds are
# one order: a client that retries in a loop files its request once.
DEDUPE_SECONDS = 60


def client_create(
    *,
    actor: Any,
    name: str,
    region: str,
    contact: str = "",
    key: str | None = None,
    public_reads: bool = False,
) -> tuple[ApiClient, str]:
    """Issue an API client and its service account (a hotline agent of `region` with an
    unusable password); returns the client and the clear key, which is not stored.

    `actor` must administer `region` (this app's `policies.can`, checked before anything else;
    `accounts.services.staff_create` checks it again for the account). `key` is for the demo
    seed only; otherwise a random key is drawn.
    """
    if not policies.can(actor, policies.Action.CLIENT_MANAGE, region):
        raise PermissionDenied(
            _("Only an administrator of region %(region)s may issue a key.") % {"region": region},
            code="forbidden",
        )
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationFailed(_("A client name has 1 to 100 characters."), code="invalid_name")
    clear = key or secrets.token_urlsafe(32)
    digest = hash_key(clear)
    if ApiClient.objects.filter(name=name).exists():
        raise Conflict(_("An Open311 client with this name exists."), code="duplicate_client")
    if ApiClient.objects.filter(key_hash=digest).exists():
        raise Conflict(_("This key is already in use."), code="duplicate_key")
    slug = slugify(name)[:40] or secrets.token_hex(4)
    try:
        with transaction.atomic():
            account = account_services.staff_create(
                actor=actor,
                username=f"open311-{slug}",
                password=secrets.token_urlsafe(48),
                real_name=name[:60],
                roles=[(StaffRole.Role.HOTLINE_AGENT, region, None)],
            )
            # Nobody signs in as a service account: only the API key reaches it.
            account.set_unusable_password()
            account.save(update_fields=["password"])
            client = ApiClient(
                name=name,
                contact=(contact or "").strip(),
                region=region,
                key_hash=digest,
                key_prefix=clear[:8],
                account=account,
                public_reads=public_reads,
            )
            try:
                client.full_clean()
            except ValidationError as exc:
                raise ValidationFailed(" ".join(exc.messages)) from exc
            client.save()
    except IntegrityError as exc:
        raise Conflict(_("An Open311 client with these details exists.")) from exc
    return client, clear


def client_deactivate(*, actor: Any, client: ApiClient) -> ApiClient:
    """Revoke a client's key: it is refused from now on (and stops serving keyless reads)."""
    if not policies.can(actor, policies.Action.CLIENT_MANAGE, client):
        raise PermissionDenied(
            _("Only an administrator of region %(region)s may revoke this key.")
            % {"region": client.region}
        )
    with transaction.atomic():
        locked = ApiClient.objects.select_for_update().get(pk=client.pk)
        locked.active = False
        locked.public_reads = False
        locked.save(update_fields=["active", "public_reads"])
    keys.forget(locked)  # this process refuses it at once; the others within the cache time
    return locked


def service_publish(*, actor: Any, code: str, public: bool) -> PublicService:
    """Whether readers without an API key see the description and address of the service
    `code`'s requests (an administrator of the node's region, or a superuser)."""
    from django.conf import settings

    if not policies.can(actor, policies.Action.CLIENT_MANAGE, settings.NODE_REGION):
        raise PermissionDenied(
            _("Only an administrator of this node may publish a service's texts."),
            code="forbidden",
        )
    service = hotline_selectors.category_list().filter(code=code).first()
    if service is None or service.level != catalogue.SERVICE_LEVEL:
        raise NotFound(
            _("There is no service %(code)s.") % {"code": code}, code="unknown_service_code"
        )
    with transaction.atomic():
        row, _created = PublicService.objects.select_for_update().get_or_create(service=service)
        row.public = bool(public)
        row.save(update_fields=["public", "updated_at"])
    return row


# --- filing a request ---------------------------------------------------------------------------


@dataclass
class RequestIn:
    """The parsed body of ``POST requests.{fmt}`` (empty values count as absent)."""

    service_code: str = ""
    lat: str = ""
    long: str = ""
    address_string: str = ""
    address_id: str = ""
    description: str = ""
    phone: str = ""
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    attributes: dict[str, str] = field(default_factory=dict)


def _coordinate(value: str, *, low: int, high: int, name: str) -> Decimal:
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite() or not low <= number <= high:
        raise ValidationFailed(
            _("%(name)s must be a number from %(low)s to %(high)s.")
            % {"name": name, "low": low, "high": high},
            code="invalid_location",
        )
    return number


def _attributes(values: dict[str, str], service_code: str) -> dict[str, str]:
    definitions = {a.code: a for a in catalogue.ATTRIBUTES}
    for code, value in values.items():
        attribute = definitions.get(code)
        if attribute is None:
            raise ValidationFailed(
                _("Service %(service)s has no attribute %(code)s.")
                % {"service": service_code, "code": code},
                code="invalid_attribute",
            )
        if attribute.choices and value not in attribute.choices:
            raise ValidationFailed(
                _("%(value)s is not a value of attribute %(code)s.")
                % {"value": value, "code": code},
                code="invalid_attribute",
            )
    for attribute in catalogue.ATTRIBUTES:
        if attribute.required and not values.get(attribute.code):
            raise ValidationFailed(
                _("The attribute %(code)s is required.") % {"code": attribute.code},
                code="missing_attribute",
            )
    return values


def _location(data: RequestIn) -> tuple[Decimal | None, Decimal | None]:
    if data.lat or data.long:
        if not (data.lat and data.long):
            raise ValidationFailed(
                _("Send both lat and long, or neither."), code="invalid_location"
            )
        return (
            _coordinate(data.lat, low=-90, high=90, name="lat"),
            _coordinate(data.long, low=-180, high=180, name="long"),
        )
    if not data.address_string:
        raise ValidationFailed(
            _("A location is required: lat and long, or address_string."),
            code="missing_location",
        )
    return None, None


def _check_text(data: RequestIn) -> str:
    """The description, once phone and email are checked too."""
    description = data.description.strip()
    if not description:
        raise ValidationFailed(_("description is required."), code="missing_description")
    if len(description) > MAX_DESCRIPTION:
        raise ValidationFailed(
            _("description has at most %(limit)s characters.") % {"limit": MAX_DESCRIPTION},
            code="invalid_description",
        )
    if not data.phone:
        raise ValidationFailed(
            _("phone is required: the 12345 hotline calls the citizen back."),
            code="missing_phone",
        )
    if data.email:
        try:
            validate_email(data.email)
        except ValidationError as exc:
            raise ValidationFailed(
                _("email is not a valid address."), code="invalid_email"
            ) from exc
    return description


def request_create(
    *,
    client: ApiClient,
    data: RequestIn,
    idempotency_key: str | None = None,
    media: Sequence[tuple[str, bytes]] = (),
) -> WorkOrder:
    """File one request as a work order of `client`'s region (channel ``open311``).

    Raises `ValidationFailed` (400) for bad input, `NotFound` (404) for an unknown service
    code and `PermissionDenied` (403) for an inactive client; nothing is written then. A retry
    with the same `idempotency_key` (per client) returns the first order and adds nothing.
    """
    if not client.active or not client.account.is_active:
        raise PermissionDenied(_("This api_key has been revoked."), code="invalid_api_key")
    if not data.service_code:
        raise ValidationFailed(_("service_code is required."), code="missing_service_code")
    category = selectors.service_for_intake(code=data.service_code)
    # A location outside the client's region is refused by the intake itself
    # (`hotline.services`), as for every channel.
    lat, lon = _location(data)
    description = _check_text(data)
    attributes = _attributes(data.attributes, data.service_code)
    key = (idempotency_key or "").strip()
    if len(key) > MAX_IDEMPOTENCY_KEY:
        raise ValidationFailed(
            _("An Idempotency-Key has at most %(limit)s characters.")
            % {"limit": MAX_IDEMPOTENCY_KEY},
            code="invalid_idempotency_key",
        )
    # The key is scoped to the client's service account and bound to the body by
    # `ticket_create`; without one, identical bodies within DEDUPE_SECONDS are one order.
    actor = client.account
    # ticket_create is one transaction; an outer one (a savepoint more) only when files come
    # along, so that the order and its attachments commit together.
    with transaction.atomic() if media else contextlib.nullcontext():
        order = hotline_services.ticket_create(
            actor=actor,
            channel=WorkOrder.Channel.OPEN311,
            request_type=attributes.get("request_type") or catalogue.DEFAULT_REQUEST_TYPE,
            category=category,
            description=description,
            contact_phone=data.phone,
            contact_name=" ".join(p for p in (data.first_name, data.last_name) if p),
            address=data.address_string,
            township=attributes.get("township", ""),
            latitude=lat,
            longitude=lon,
            region=client.region,
            idempotency_key=key or None,
            route=True,
            dedupe_seconds=DEDUPE_SECONDS,
        )
        if not getattr(order, "replayed", False):
            for name, content in media:
                hotline_services.attachment_add(actor=actor, order=order, name=name, data=content)
    return order
