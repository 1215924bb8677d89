"""Reads of the hotspot cards (未诉先办): the list a director or a department head sees, one
card with the requests behind it. Scoped by `insights.policies`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from onestop.core.errors import NotFound
from onestop.hotline import selectors as hotline_selectors
from onestop.hotline.models import WorkOrder
from onestop.insights import policies
from onestop.insights.models import Hotspot
from onestop.insights.selectors import check_scope

LIST_LIMIT = 100


def hotspot_list(*, actor: Any, region: str) -> list[Hotspot]:
    """The latest cards of `region` the actor may see: every card for the director, the cards
    of their own department for a department head (`PermissionDenied` for others)."""
    code, departments = check_scope(actor, region)
    cards: QuerySet[Hotspot] = Hotspot.objects.filter(region__startswith=code[:6]).select_related(
        "department", "task"
    )
    if departments is not None:
        cards = cards.filter(department_id__in=sorted(departments))
    return list(cards.order_by("-week", "-count", "pk")[:LIST_LIMIT])


def hotspot_get(*, actor: Any, pk: Any) -> Hotspot:
    """One card, if the actor may see it (404 otherwise: a card of another department is not
    acknowledged)."""
    try:
        card = Hotspot.objects.select_related("department", "task", "task__owner").get(pk=int(pk))
    except (Hotspot.DoesNotExist, TypeError, ValueError):
        card = None
    if card is None or not policies.can(actor, policies.VIEW_HOTSPOT, card):
        raise NotFound(_("There is no such hotspot."))
    return card


@dataclass(frozen=True)
class Behind:
    number: str
    created_at: Any
    status: str
    request_type: str


def orders_behind(*, card: Hotspot) -> list[Behind]:
    """The requests behind a card (number, time, status, type; no contact or text: the order
    page of the hotline shows those to whoever may see them, and records the access)."""
    rows = (
        hotline_selectors.orders_for_statistics(region=card.region)
        .filter(number__in=list(card.orders))
        .order_by("created_at")
        .values_list("number", "created_at", "status", "request_type")
    )
    labels = dict(WorkOrder.Status.choices)
    return [
        Behind(number, created_at, str(labels.get(status, status)), request_type)
        for number, created_at, status, request_type in rows
    ]


def category_names(codes: list[str]) -> dict[str, str]:
    return {c.code: str(c.name) for c in hotline_selectors.category_list().filter(code__in=codes)}
