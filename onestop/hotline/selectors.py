"""Reads of the 12345 hotline, scoped to the actor.

Agents and supervisors see the orders of their region(s); department officers see the orders
their department leads or assists with. An order outside the actor's scope is "not found":
its existence is not revealed. The caller's phone is shown in full only to those who call the
citizen (agents and the lead department's officers), and each such view is recorded.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from onestop.core import access_log, crypto
from onestop.core.errors import NotFound
from onestop.hotline import policies, timelimits, tracking, transitions
from onestop.hotline.models import (
    Category,
    Jurisdiction,
    RoutingEvent,
    RoutingModel,
    WorkOrder,
    WorkOrderEvent,
)
from onestop.org import selectors as org_selectors


def _scoped(actor: Any) -> QuerySet[WorkOrder]:
    orders = WorkOrder.objects.select_related("category", "lead_department", "merged_into")
    q = policies.scope_q(actor)
    if q is None:
        return orders
    ids = WorkOrder.objects.filter(q).values("pk")
    return orders.filter(pk__in=ids)


def ticket_list(
    *,
    actor: Any,
    status: str | None = None,
    overdue: bool | None = None,
    now: datetime.datetime | None = None,
) -> QuerySet[WorkOrder]:
    """The orders `actor` may see, newest first; `overdue=True` keeps those whose resolution
    time has passed while a department still owes the answer (`False`: the others)."""
    orders = _scoped(actor)
    if status:
        orders = orders.filter(status=status)
    if overdue is not None:
        late = Q(
            status__in=transitions.OPEN_FOR_DEPARTMENT,
            resolve_by__lt=now or timezone.now(),
        )
        orders = orders.filter(late) if overdue else orders.exclude(late)
    return orders.prefetch_related("assisting_departments").order_by("-created_at", "-number")


def department_queue(*, actor: Any) -> QuerySet[WorkOrder]:
    """The department console's queue: the orders `actor` may see that a department still
    owes an answer to (not merged), the soonest due first. A list of `ticket_list`, so every
    order in it opens for `actor`."""
    return (
        ticket_list(actor=actor)
        .filter(status__in=transitions.OPEN_FOR_DEPARTMENT, merged_into__isnull=True)
        .order_by("resolve_by", "number")
    )


def ticket_get(*, actor: Any, number: str) -> WorkOrder:
    order = _scoped(actor).prefetch_related("assisting_departments").filter(number=number).first()
    if order is None:
        raise NotFound(
            _("There is no work order %(number)s.") % {"number": number}, code="not_found"
        )
    return order


def ticket_events(*, actor: Any, order: WorkOrder) -> QuerySet[WorkOrderEvent]:
    """The audit trail of an order the actor may see."""
    if not policies.can(actor, policies.VIEW, order):
        raise NotFound(
            _("There is no work order %(number)s.") % {"number": order.number}, code="not_found"
        )
    return order.events.select_related("actor", "department").order_by("at", "id")


def ticket_contact_phone(*, actor: Any, order: WorkOrder) -> str:
    """The caller's phone: in full (and recorded in the access log) for hotline agents and the
    lead department's officers, masked for everyone else."""
    if not policies.can(actor, policies.CONTACT_VIEW, order):
        return order.contact_phone_masked
    phone = crypto.decrypt_pii(order.contact_phone_enc)
    access_log.record(
        actor=actor,
        subject_index=order.contact_index,
        dataset="hotline.contact",
        fields=["contact_name", "contact_phone"],
        purpose="application-processing",
        basis=f"12345 work order {order.number}",
    )
    return phone


def orders_for_statistics(*, region: str) -> QuerySet[WorkOrder]:
    """System read for aggregate indicators (`insights`): the work orders of region `region`
    and the regions below it, merged ones left out, unscoped and unordered. The caller
    authorises with its own policy and only counts (no order leaves as a row)."""
    return WorkOrder.objects.filter(org_selectors.region_q(region), merged_into__isnull=True)


def order_events_for_statistics(*, region: str, kinds: Iterable[str]) -> QuerySet[WorkOrderEvent]:
    """System read for aggregate indicators: the audit events of the kinds `kinds` on the
    orders `orders_for_statistics` counts (same contract)."""
    return WorkOrderEvent.objects.filter(
        org_selectors.region_q(region, "order__region"),
        kind__in=sorted(kinds),
        order__merged_into__isnull=True,
    )


def category_list() -> QuerySet[Category]:
    """The dispatch catalogue (public)."""
    return Category.objects.select_related("time_limit_class", "default_kind").order_by("code")


def category_get(*, code: str) -> Category:
    category = category_list().filter(code=code).first()
    if category is None:
        raise NotFound(_("There is no hotline category %(code)s.") % {"code": code})
    return category


# Steps after which a supervisor has settled who handles an order: an arbitration (改派 or the
# return refused) or a reassignment.
SETTLED_KINDS = ("arbitrate_uphold", "arbitrate_reject", "reassign")
_PAST_RETURN = (
    WorkOrder.Status.IN_PROGRESS,
    WorkOrder.Status.REPLIED,
    WorkOrder.Status.CLOSED,
)


def confirmed_dispatches(*, now: datetime.datetime | None = None) -> QuerySet[WorkOrder]:
    """Orders whose category and handling department are confirmed: training data for the
    routing model (a system read, not scoped to an actor; callers must not show it).

    Confirmed means the lead department kept the order: it is in progress, replied or closed
    (a closed order was closed by a satisfied callback); or it is dispatched or signed for and
    either a supervisor settled the department since the last dispatch (an arbitration or a
    reassignment), or the
    return window since the last dispatch has passed without a return. A returned order, one
    never dispatched (new, answered on the call) and a merged duplicate are not confirmed.
    """
    moment = now or timezone.now()
    arbitrated = WorkOrderEvent.objects.filter(
        order=OuterRef("pk"), kind__in=SETTLED_KINDS, at__gte=OuterRef("dispatched_at")
    )
    waiting = Q(status__in=transitions.OPEN_FOR_DEPARTMENT) & ~Q(
        status=WorkOrder.Status.IN_PROGRESS
    )
    settled = Q(dispatched_at__lte=moment - timelimits.return_window()) | Q(Exists(arbitrated))
    closed_unsatisfied = Q(status=WorkOrder.Status.CLOSED) & ~Q(callback_satisfied=True)
    return (
        WorkOrder.objects.filter(merged_into__isnull=True, lead_department__isnull=False)
        .filter(Q(status__in=_PAST_RETURN) | (waiting & settled))
        .exclude(closed_unsatisfied)
        .select_related("lead_department")
        .order_by("pk")
    )


def order_replier(order: WorkOrder) -> Any:
    """The officer who wrote the department's last reply to `order` (None when nobody did):
    the member of staff who served the citizen, for the review of the order (`reviews`)."""
    event = (
        WorkOrderEvent.objects.filter(order=order, kind="reply", actor__isnull=False)
        .select_related("actor")
        .order_by("-at", "-id")
        .first()
    )
    return event.actor if event is not None else None


# --- the citizen's own requests (the portal) ------------------------------------------------

# The steps a citizen sees on the tracking page: where the request is, never the hotline's
# internal handling (routing scores, returns and arbitration, extensions, escalations, drafts).
CITIZEN_KINDS = (
    "create",
    "answer_on_spot",
    "dispatch",
    "reassign",
    "arbitrate_uphold",
    "sign_for",
    "start",
    "reply",
    "callback",
    "reopen",
    "merge",
    "transfer",
)


def my_orders(*, actor: Any) -> QuerySet[WorkOrder]:
    """The requests `actor` filed on the portal, newest first (none for others)."""
    if not getattr(actor, "pk", None) or not getattr(actor, "is_active", False):
        return WorkOrder.objects.none()
    return (
        WorkOrder.objects.filter(created_by=actor, channel=WorkOrder.Channel.PORTAL)
        .select_related("category", "lead_department")
        .order_by("-created_at", "-number")
    )


def ticket_track(*, actor: Any, number: str, token: str = "") -> WorkOrder:
    """The portal request `number`, for the account that filed it or the holder of its
    tracking token (`services.tracking_token`); NotFound for anyone else, also for an order
    that was not filed on the portal (its existence is not revealed)."""
    order = (
        WorkOrder.objects.select_related("category", "lead_department", "merged_into", "agent")
        .filter(number=str(number or "")[:40], channel=WorkOrder.Channel.PORTAL)
        .first()
    )
    if order is None or not (
        policies.can(actor, policies.TRACK, order) or tracking.valid(order, token)
    ):
        raise NotFound(
            _("There is no request %(number)s with this tracking code.")
            % {"number": str(number or "")[:40]},
            code="not_found",
        )
    return order


def citizen_events(*, order: WorkOrder) -> QuerySet[WorkOrderEvent]:
    """The steps of `order` its citizen sees (`CITIZEN_KINDS`; call after `ticket_track`)."""
    return (
        order.events.filter(kind__in=CITIZEN_KINDS)
        .select_related("department")
        .order_by("at", "id")
    )


# --- routing set-up: the jurisdiction table and the model registry -----------------------------


def jurisdiction_list(*, region: str) -> QuerySet[Jurisdiction]:
    """The jurisdiction rules of `region` (a system read: routing reads it for every request;
    the console checks `policies.ROUTING` before showing it)."""
    return Jurisdiction.objects.filter(region=region).select_related("department", "category")


def routing_models() -> QuerySet[RoutingModel]:
    """The routing model registry, newest first."""
    return RoutingModel.objects.all()


def routing_model_live() -> RoutingModel | None:
    return RoutingModel.objects.filter(live=True).first()


def routing_events(*, region: str, limit: int = 20) -> list[RoutingEvent]:
    """The latest changes to the routing set-up of `region` (and the node's models), newest
    first."""
    rows = RoutingEvent.objects.filter(Q(region=region) | Q(region="")).select_related("actor")
    return list(rows.order_by("-at", "-id")[:limit])
