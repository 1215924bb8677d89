"""Reads of the Open311 gateway. Work orders are read through `hotline.selectors`, scoped to
the service account of the client that asks (or of the client that serves keyless reads)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from onestop.accounts import policies as account_policies
from onestop.core import memo
from onestop.core.errors import NotFound, PermissionDenied
from onestop.hotline import selectors as hotline_selectors
from onestop.hotline.models import Category, WorkOrder
from onestop.open311 import catalogue, keys
from onestop.open311.models import ApiClient, PublicService


def client_authenticate(*, key: str | None) -> ApiClient:
    """The active client holding `key`; `PermissionDenied` for a missing, unknown or revoked
    key (the three are not told apart).

    The client comes with its service account and the account's roles read (what an intake
    checks), and is kept per process for ``OPEN311_CACHE_SECONDS`` (`keys.verified`): the
    next request with the key reads nothing."""
    client = None
    if key:
        digest = keys.hash_key(key)
        client = keys.recall(digest)
        if client is None:
            client = (
                ApiClient.objects.select_related("account")
                .filter(key_hash=digest, active=True, account__is_active=True)
                .first()
            )
            if client is not None:
                account_policies.roles(client.account)  # read now, kept with the client
                keys.verified.put(digest, client)
    if client is None:
        raise PermissionDenied(
            _("Invalid api_key received: the request cannot be processed."),
            code="invalid_api_key",
        )
    return client


def client_reader(*, key: str | None) -> ApiClient:
    """Who reads for a GET: the client of `key` when one is sent, else the active client that
    serves keyless reads; `PermissionDenied` when there is none."""
    if key:
        return client_authenticate(key=key)
    client = (
        ApiClient.objects.select_related("account")
        .filter(public_reads=True, active=True, account__is_active=True)
        .first()
    )
    if client is None:
        raise PermissionDenied(
            _("This node publishes no requests without an api_key."), code="invalid_api_key"
        )
    return client


def public_service_codes() -> set[str]:
    """The services whose request texts keyless readers may read (`PublicService.public`)."""
    return set(PublicService.objects.filter(public=True).values_list("service_id", flat=True))


def client_list() -> QuerySet[ApiClient]:
    return ApiClient.objects.select_related("account").order_by("name")


def service_list() -> QuerySet[Category]:
    """The services: the hotline's level-2 categories, with their level-1 group."""
    return (
        hotline_selectors.category_list()
        .filter(level=catalogue.SERVICE_LEVEL)
        .select_related("parent")
        .order_by("code")
    )


_services: memo.TTLCache[str, Category] = memo.TTLCache("open311.services", keys.cache_seconds)


def service_for_intake(*, code: str) -> Category:
    """The service `code` with what filing a request under it reads (its time-limit class and
    default kind), kept per process for ``OPEN311_CACHE_SECONDS`` as the keys are; `NotFound`
    for an unknown code or a category that is not a service (never cached)."""
    service = _services.get(code)
    if service is None:
        service = (
            hotline_selectors.category_list()
            .filter(code=code, level=catalogue.SERVICE_LEVEL)
            .first()
        )
        if service is None:
            raise NotFound(
                _("There is no service %(code)s.") % {"code": code}, code="unknown_service_code"
            )
        _services.put(code, service)
    return service


def service_get(*, code: str) -> Category:
    service = service_list().filter(code=code).first()
    if service is None:
        raise NotFound(
            _("There is no service %(code)s.") % {"code": code}, code="unknown_service_code"
        )
    return service


def changeset() -> datetime.datetime | None:
    """When the service list last changed (discovery's `changeset`)."""
    latest = service_list().order_by("-updated_at").values_list("updated_at", flat=True).first()
    return latest


def request_list(
    *,
    actor: Any,
    numbers: Sequence[str] = (),
    service_codes: Sequence[str] = (),
    statuses: Sequence[str] = (),
    start: datetime.datetime | None = None,
    end: datetime.datetime | None = None,
    limit: int | None = None,
) -> list[WorkOrder]:
    """Work orders `actor` may see, newest first, at most `limit`. `numbers`, when given,
    overrides every other filter (GeoReport: ``service_request_id`` wins). `limit` defaults to
    `catalogue.MAX_RESULTS` (1,000)."""
    cap = catalogue.MAX_RESULTS if limit is None else limit
    orders = hotline_selectors.ticket_list(actor=actor).select_related("category")
    if numbers:
        orders = orders.filter(number__in=list(numbers))
    else:
        if service_codes:
            orders = orders.filter(category_id__in=list(service_codes))
        wanted = set(statuses)
        if wanted == {"open"}:
            orders = orders.exclude(status__in=catalogue.CLOSED_STATUSES)
        elif wanted == {"closed"}:
            orders = orders.filter(status__in=catalogue.CLOSED_STATUSES)
        window = Q()
        if start is not None:
            window &= Q(created_at__gte=start)
        if end is not None:
            window &= Q(created_at__lte=end)
        orders = orders.filter(window)
    return list(orders.order_by("-created_at", "-number")[:cap])


def request_get(*, actor: Any, number: str) -> WorkOrder:
    """One work order `actor` may see; `NotFound` otherwise."""
    try:
        return hotline_selectors.ticket_get(actor=actor, number=number)
    except NotFound as exc:
        raise NotFound(
            _("There is no service request %(id)s.") % {"id": number}, code="unknown_request"
        ) from exc
