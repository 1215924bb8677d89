"""Writes of the 12345 hotline: one service per lifecycle step (see `transitions.py`).

Every step runs in `transaction.atomic` holding the order's row lock (`select_for_update`),
checks the policy, checks the transition table against the locked row, saves, and appends a
`WorkOrderEvent`; nothing changes when any check fails. Duplicates merged into an order follow
its status. Notifications go out with `transaction.on_commit`, so a rolled-back step sends none.
"""

from __future__ import annotations

import datetime
import hashlib
import importlib
import logging
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onestop.accounts import policies as accounts_policies
from onestop.core import crypto, files, identity, numbering
from onestop.core import tasks as core_tasks
from onestop.core.actors import SYSTEM
from onestop.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed, full_clean
from onestop.core.inserts import rows_insert
from onestop.hotline import hooks, policies, timelimits, tracking, transitions
from onestop.hotline.models import (
    Attachment,
    Category,
    Jurisdiction,
    RoutingEvent,
    RoutingModel,
    TimeLimitClass,
    WorkOrder,
    WorkOrderEvent,
)
from onestop.org import selectors as org_selectors
from onestop.org.models import Department

logger = logging.getLogger(__name__)

S = WorkOrder.Status
NUMBER_SERIES = "hotline"  # core.numbering series of work-order numbers
MAX_DESCRIPTION = 2000
MAX_TEXT = 2000
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
RETURN_WINDOW_HOURS = timelimits.RETURN_WINDOW_HOURS


def _now() -> datetime.datetime:
    """The current time (one place, so that tests can move the clock)."""
    return timezone.now()


def _notify(
    *,
    template: str,
    context: dict[str, Any],
    recipient_phone: str | None = None,
    recipient_user: Any = None,
    channels: Sequence[str] = ("sms",),
    dedupe_key: str | None = None,
) -> None:
    """Hand a message to `notify.services.notification_send`; a no-op while the notify app is
    not installed (ImportError only: any other failure is a real error). With a `dedupe_key`,
    a message already made under that key is not made again."""
    try:
        module = importlib.import_module("onestop.notify.services")
    except ImportError:
        logger.info("notify is not installed; %s not sent", template)
        return
    module.notification_send(
        recipient_phone=recipient_phone,
        recipient_user=recipient_user,
        template=template,
        context=context,
        channels=tuple(channels),
        dedupe_key=dedupe_key,
    )


def _notify_citizens(order: WorkOrder, template: str, context: dict[str, Any]) -> None:
    """After commit: one message to the caller of `order` and of every order merged into it."""
    recipients = ticket_recipients(order)

    def send() -> None:
        for recipient in recipients:
            _notify(
                template=template,
                context={**context, "number": recipient["number"]},
                recipient_phone=recipient["phone"],
            )

    transaction.on_commit(send)


# --- checks -----------------------------------------------------------------------------------


def _text(value: str | None, *, field: str, required: bool, limit: int = MAX_TEXT) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationFailed(
            _("The %(field)s must not be empty.") % {"field": field},
            code="invalid_text",
            details={"field": field},
        )
    if len(text) > limit:
        raise ValidationFailed(
            _("The %(field)s has at most %(limit)s characters.") % {"field": field, "limit": limit},
            code="invalid_text",
            details={"field": field, "limit": limit},
        )
    return text


def _phone(value: str) -> str:
    phone = (value or "").strip().replace(" ", "").replace("-", "")
    if not (phone.isascii() and phone.isdigit() and 7 <= len(phone) <= 15):
        raise ValidationFailed(
            _("Enter the caller's phone number, 7 to 15 digits."), code="invalid_phone"
        )
    return phone


def _coordinate(value: Any, *, low: int, high: int, field: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite() or not low <= number <= high:
        raise ValidationFailed(
            _("The %(field)s must be a number from %(low)s to %(high)s.")
            % {"field": field, "low": low, "high": high},
            code="invalid_location",
            details={"field": field},
        )
    return number.quantize(Decimal("0.000001"))


def _category(code: str) -> Category:
    category = (
        Category.objects.select_related("time_limit_class", "parent__time_limit_class")
        .filter(code=code)
        .first()
    )
    if category is None:
        raise ValidationFailed(
            _("There is no hotline category %(code)s.") % {"code": code},
            code="unknown_category",
            details={"category": code},
        )
    return category


def _department(code: str, *, region: str) -> Department:
    try:
        department = org_selectors.department_get(code=code)
    except NotFound as exc:
        raise ValidationFailed(exc.message, code="unknown_department") from exc
    if not org_selectors.region_covers(region, department.region_id):
        raise ValidationFailed(
            _("Department %(code)s is not in the region of this work order.") % {"code": code},
            code="unknown_department",
        )
    return department


# --- numbers ----------------------------------------------------------------------------------


def _number_last(order: WorkOrder, moment: datetime.datetime) -> str:
    """Number the order just inserted: ``<region>-<yyyymmdd>-<6-digit seq>`` of the node's local
    day (`core.numbering`), as the last statement of the intake's transaction. The day's
    counter row is locked from here to the commit only, not during the inserts, so concurrent
    intakes of a region queue on it for one statement and the commit, and never get the same
    number (`core.numbering.number_row`: on PostgreSQL the counter upsert and the order's update
    in one statement; it was the transaction's first statement, and before that three)."""
    return numbering.number_row(
        model=WorkOrder,
        pk=order.pk,
        field="number",
        series=NUMBER_SERIES,
        region=order.region,
        day=timelimits.local_date(moment),
        digits=6,
    )


# --- the lifecycle core -----------------------------------------------------------------------


def _locked(order: WorkOrder) -> WorkOrder:
    """The order re-read under its row lock (call inside `transaction.atomic`)."""
    return (
        WorkOrder.objects.select_for_update(of=("self",))
        .select_related("category__time_limit_class", "category__parent__time_limit_class")
        .get(pk=order.pk)
    )


def _begin(actor: Any, order: WorkOrder, action: str) -> tuple[WorkOrder, transitions.Transition]:
    """Lock `order`, then check who (PermissionDenied) and whether now (Conflict)."""
    locked = _locked(order)
    if not policies.can(actor, action, locked):
        raise PermissionDenied(
            _("You may not act on work order %(number)s this way.") % {"number": locked.number},
            code="forbidden",
        )
    if locked.merged_into_id is not None:
        raise Conflict(
            _("Work order %(number)s was merged into %(master)s: act on that order.")
            % {"number": locked.number, "master": locked.merged_into.number},  # type: ignore[union-attr]
            code="merged",
        )
    return locked, transitions.transition_for(locked.status, action)


def _event_row(
    order: WorkOrder,
    *,
    kind: str,
    actor: Any,
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
    at: datetime.datetime | None = None,
    keys_checked: bool = False,
) -> WorkOrderEvent:
    """An event of `order`, validated, not saved. `keys_checked`: the caller has read the
    order, actor and department itself (validating them again is a query each)."""
    event = WorkOrderEvent(
        order=order,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        actor=actor if getattr(actor, "pk", None) else None,
        department_id=order.lead_department_id,
        reason=reason,
        data=data or {},
        at=at or _now(),
    )
    event.full_clean(exclude=["order", "actor", "department"] if keys_checked else None)
    return event


def _event(order: WorkOrder, **fields: Any) -> WorkOrderEvent:
    event = _event_row(order, **fields)
    event.save()
    return event


def _finish(
    order: WorkOrder,
    step: transitions.Transition,
    *,
    actor: Any,
    fields: Sequence[str],
    reason: str = "",
    data: dict[str, Any] | None = None,
    kind: str | None = None,
) -> WorkOrder:
    """Save the step: status (when it moves) and `fields`, the event, and the duplicates."""
    from_status = order.status
    if step.target is not None:
        order.status = step.target
    full_clean(order)
    order.save(update_fields=[*{"status", *fields}, "updated_at"])
    _event(
        order,
        kind=kind or step.action,
        actor=actor,
        from_status=from_status,
        to_status=order.status,
        reason=reason,
        data=data,
    )
    _follow(order)
    return order


def _follow(master: WorkOrder) -> None:
    """Orders merged into `master` take its status and handling department."""
    WorkOrder.objects.filter(merged_into=master).update(
        status=master.status,
        lead_department=master.lead_department_id,
        resolve_by=master.resolve_by,
        reply_text=master.reply_text,
        replied_at=master.replied_at,
        closed_at=master.closed_at,
        updated_at=_now(),
    )


def _time_limit_class(order: WorkOrder) -> TimeLimitClass:
    """The category's class, else its parent's, else the general class."""
    category = order.category
    parent = category.parent
    klass = category.time_limit_class or (parent.time_limit_class if parent else None)
    if klass is None:
        klass = TimeLimitClass.objects.get(key=timelimits.DEFAULT_CLASS)
    return klass


def _set_due_times(order: WorkOrder, start: datetime.datetime) -> None:
    order.dispatched_at = start
    order.signed_at = None
    order.escalated_at = None
    order.extension_days = None
    order.respond_by, order.resolve_by = timelimits.due_times(_time_limit_class(order), start)


_DISPATCH_FIELDS = (
    "lead_department",
    "dispatched_at",
    "signed_at",
    "respond_by",
    "resolve_by",
    "escalated_at",
    "extension_days",
)


# --- services ---------------------------------------------------------------------------------


def ticket_create(
    *,
    actor: Any,
    channel: str,
    request_type: str,
    category: str | Category,
    description: str,
    contact_phone: str,
    contact_name: str = "",
    address: str = "",
    township: str = "",
    latitude: Any = None,
    longitude: Any = None,
    region: str | None = None,
    idempotency_key: str | None = None,
    route: bool = False,
    dedupe_seconds: int = 0,
) -> WorkOrder:
    """Accept a request (受理). A retry with the same `idempotency_key` returns the order the
    first call made, and creates nothing.

    `route`: the routing model is to dispatch the order if it is confident (the Open311
    intake; only while settings.HOTLINE_AUTO_DISPATCH is on). Routing does not run in the
    request: the order is accepted ``new`` (its ``create`` event says ``"route": true``) and one
    task row for the worker (`tasks.route_orders`) is written in the same transaction; the
    worker routes the orders waiting in one batch and dispatches the confident ones as the
    system (`ticket_route_waiting`). Until then, and whenever routing declines or fails, the
    order waits for an agent like any other.

    Every check and read happens before the transaction; inside it: the order, its event, the
    task rows for the worker (the receipt SMS, `tasks.notify_citizens`, and the routing, in one
    insert: `core.tasks.enqueue_all`) and last the number (`_number_last`), so the transaction
    is short, holds the day's counter only at its end and commits once.
    """
    region_code = region or str(settings.NODE_REGION)
    if not policies.can(actor, policies.CREATE, region_code):
        raise PermissionDenied(
            _("Only hotline staff of this region may accept requests."), code="forbidden"
        )
    return _accept(
        actor=actor,
        channel=channel,
        request_type=request_type,
        category=category,
        description=description,
        contact_phone=contact_phone,
        contact_name=contact_name,
        address=address,
        township=township,
        latitude=latitude,
        longitude=longitude,
        region_code=region_code,
        idempotency_key=idempotency_key,
        route=route,
        dedupe_seconds=dedupe_seconds,
    )


def _accept(
    *,
    actor: Any,
    channel: str,
    request_type: str,
    category: str | Category,
    description: str,
    contact_phone: str,
    contact_name: str,
    address: str,
    township: str,
    latitude: Any,
    longitude: Any,
    region_code: str,
    idempotency_key: str | None,
    route: bool,
    dedupe_seconds: int,
    agent: Any = None,
) -> WorkOrder:
    """The intake itself, after the caller's policy check (`ticket_create` for staff and
    Open311, `ticket_file` for citizens on the portal)."""
    raw_key = (idempotency_key or "").strip() or None
    if raw_key is not None and len(raw_key) > 100:
        raise ValidationFailed(
            _("An idempotency key has at most 100 characters."), code="invalid_key"
        )
    if channel not in WorkOrder.Channel.values:
        raise ValidationFailed(
            _("Unknown channel %(channel)s.") % {"channel": channel}, code="invalid_channel"
        )
    if request_type not in WorkOrder.RequestType.values:
        raise ValidationFailed(
            _("Unknown request type %(type)s.") % {"type": request_type},
            code="invalid_request_type",
        )
    text = _text(description, field=_("description"), required=True, limit=MAX_DESCRIPTION)
    name = _text(contact_name, field=_("contact name"), required=False, limit=60)
    phone = _phone(contact_phone)
    # A caller that has read the category already (with its time-limit class) passes it.
    found = category if isinstance(category, Category) else _category(category)
    lat = _coordinate(latitude, low=-90, high=90, field=_("latitude"))
    lon = _coordinate(longitude, low=-180, high=180, field=_("longitude"))
    if (
        lat is not None
        and lon is not None
        and not org_selectors.in_region(region_code, float(lat), float(lon))
    ):
        raise ValidationFailed(
            _("The location is outside region %(region)s, which this hotline serves.")
            % {"region": region_code},
            code="location_outside_region",
        )
    address = _text(address, field=_("address"), required=False, limit=300)
    township = _text(township, field=_("township"), required=False, limit=100)
    body = _fingerprint(
        channel,
        request_type,
        found.code,
        text,
        name,
        phone,
        address,
        township,
        lat,
        lon,
        region_code,
    )
    key, existing = _idempotent(actor, raw_key, body, dedupe_seconds)
    if existing is not None:
        return existing
    route = route and auto_dispatch_enabled()
    order = WorkOrder(
        region=region_code,
        request_type=request_type,
        category=found,
        channel=channel,
        contact_name=name,
        contact_phone_enc=crypto.encrypt_pii(phone),
        contact_phone_masked=identity.mask_phone(phone),
        contact_index=crypto.blind_index(phone),
        address=address,
        township=township,
        latitude=lat,
        longitude=lon,
        description=text,
        status=S.NEW,
        idempotency_key=key,
        created_by=actor if getattr(actor, "pk", None) else None,
        agent=agent,
    )
    # Everything but the number is made and checked before the transaction.
    now = _now()
    order.created_at = now
    events = [
        _event_row(
            order,
            kind="create",
            actor=actor,
            to_status=S.NEW,
            data={
                "channel": channel,
                "category": found.code,
                **({"route": True} if route else {}),
                **({"agent": agent.pk} if agent is not None else {}),
            },
            at=now,
            keys_checked=True,
        )
    ]
    # The foreign keys were read above and the number comes from the counter: the database's
    # constraints hold the rest, without a query per check.
    full_clean(
        order,
        exclude=[
            "number",
            "idempotency_key",
            "category",
            "created_by",
            "agent",
            "lead_department",
        ],
        in_database=True,
    )
    from onestop.hotline import tasks

    # A placeholder only this transaction ever sees; the number is given last (`_number_last`).
    order.number = f"new-{uuid.uuid4().hex}"
    try:
        with transaction.atomic():
            # `rows_insert`: the ORM's inserts without building them per request (no signal
            # is connected to work orders; `full_clean` ran above).
            rows_insert([order])
            rows_insert(events)
            # Both task rows in one insert; the receipt reads the number when it is sent.
            core_tasks.enqueue_all(
                [
                    (tasks.notify_citizens, (order.pk, "hotline.received", {})),
                    *([(tasks.route_orders, (order.pk,))] if route else []),
                ]
            )
            order.number = _number_last(order, now)
    except IntegrityError:
        if key is not None:
            existing = WorkOrder.objects.filter(idempotency_key=key).first()
            if existing is not None:
                existing.replayed = True  # type: ignore[attr-defined]
                return existing
        raise
    return order


class IdempotencyKeyReused(ValidationFailed):
    """An idempotency key sent again with another request body (422): the first order stays
    the answer to the first body only."""

    status = 422
    code = "idempotency_key_reused"


def _fingerprint(*fields: Any) -> str:
    """A hash of a request's meaningful fields, as checked (so spacing does not count)."""
    text = "\x1f".join("" if f is None else str(f) for f in fields)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _idempotent(
    actor: Any, raw_key: str | None, body: str, dedupe_seconds: int
) -> tuple[str | None, WorkOrder | None]:
    """The stored idempotency key of a new order, or the order an earlier identical request
    made (marked ``replayed``).

    A caller's key is scoped to the caller (another caller's same key is another order) and
    bound to the body's hash: stored as ``<caller>:<hash of key>:<hash of body>``; the same key
    with another body raises `IdempotencyKeyReused`. Without a key and with `dedupe_seconds`,
    an identical body of the same caller within that window (this period or the last) answers
    the first order: ``<caller>:auto<period>:<hash of body>``."""
    caller = getattr(actor, "pk", None) or 0
    if raw_key is not None:
        scope = f"{caller}:{hashlib.sha256(raw_key.encode()).hexdigest()[:32]}:"
        existing = WorkOrder.objects.filter(idempotency_key__startswith=scope).first()
        if existing is not None:
            if existing.idempotency_key != scope + body:
                raise IdempotencyKeyReused(
                    _(
                        "This Idempotency-Key was already used for another request. Use a new "
                        "key for a new request."
                    )
                )
            existing.replayed = True  # type: ignore[attr-defined]
            return None, existing
        return scope + body, None
    if dedupe_seconds <= 0:
        return None, None
    period = int(_now().timestamp()) // dedupe_seconds
    keys = [f"{caller}:auto{p}:{body}" for p in (period, period - 1)]
    existing = WorkOrder.objects.filter(idempotency_key__in=keys).first()
    if existing is not None:
        existing.replayed = True  # type: ignore[attr-defined]
        return None, existing
    return keys[0], None


def ticket_notify(*, order_id: int, template: str, context: dict[str, Any]) -> int:
    """Send `template` to the caller of the order and of every order merged into it (the
    worker's side of `ticket_create`'s receipt); returns how many messages were handed to
    notify. An order that no longer exists sends nothing.

    Idempotent: a task re-run after its worker was killed (`core.workers`) finds each message
    made already under its key (order, template, recipient's order) and makes none twice."""
    order = WorkOrder.objects.filter(pk=order_id).first()
    if order is None:
        return 0
    recipients = ticket_recipients(order)
    with transaction.atomic():
        for recipient in recipients:
            _notify(
                template=template,
                context={**context, "number": recipient["number"]},
                recipient_phone=recipient["phone"],
                dedupe_key=f"hotline:{order.pk}:{template}:{recipient['number']}",
            )
    return len(recipients)


def ticket_answer_on_spot(*, actor: Any, order: WorkOrder, text: str) -> WorkOrder:
    """Close a consultation on the call with the answer given (即时办结)."""
    answer = _text(text, field=_("answer"), required=True)
    with transaction.atomic():
        locked, step = _begin(actor, order, "answer_on_spot")
        if locked.request_type != WorkOrder.RequestType.CONSULTATION:
            raise Conflict(
                _("Only a consultation can be answered on the call."), code="not_consultation"
            )
        now = _now()
        locked.reply_text, locked.replied_at, locked.closed_at = answer, now, now
        return _finish(locked, step, actor=actor, fields=["reply_text", "replied_at", "closed_at"])


def ticket_dispatch(
    *, actor: Any, order: WorkOrder, department: str, assisting: Sequence[str] = ()
) -> WorkOrder:
    """Send the order to its lead `department`, with co-handling `assisting` departments;
    the due times start now."""
    with transaction.atomic():
        locked, step = _begin(actor, order, "dispatch")
        lead = _department(department, region=locked.region)
        helpers = _assisting(assisting, lead=lead, region=locked.region)
        locked.lead_department = lead
        _set_due_times(locked, _now())
        locked.assisting_departments.set(helpers)
        return _finish(
            locked,
            step,
            actor=actor,
            fields=_DISPATCH_FIELDS,
            data={"department": lead.code, "assisting": [d.code for d in helpers]},
        )


def auto_dispatch_enabled() -> bool:
    """settings.HOTLINE_AUTO_DISPATCH (default True): may the routing model dispatch?"""
    return bool(getattr(settings, "HOTLINE_AUTO_DISPATCH", True))


ROUTE_BATCH = 64  # orders routed together by one `tasks.route_orders`


def _waiting_for_routing(order_ids: Sequence[int], limit: int) -> list[WorkOrder]:
    """New orders whose intake asked for routing and that neither routing nor anyone has
    looked at (no ``route`` and no ``dispatch`` event): those of `order_ids` first, then the
    oldest others, at most `limit`. A task whose order an earlier batch took still routes the
    others waiting: under a backlog that routes ahead of the queue (ending such a task at once
    instead made the orders wait for their own tasks: dispatch p50 23 s against 10 s in the
    same bench run)."""
    waiting = (
        WorkOrder.objects.filter(
            status=S.NEW,
            merged_into__isnull=True,
            events__kind="create",
            events__data__route=True,
        )
        .exclude(events__kind__in=("route", "dispatch"))
        .only("id", "description", "region", "category_id", "status")
    )
    mine = list(waiting.filter(pk__in=order_ids))
    others = list(waiting.exclude(pk__in=order_ids).order_by("id")[: max(0, limit - len(mine))])
    return mine + others


def ticket_route_waiting(*, order_ids: Sequence[int] = (), limit: int = ROUTE_BATCH) -> list[str]:
    """The routing worker (`tasks.route_orders`): route the orders waiting for it in one pass
    of the model and dispatch the confident ones as `SYSTEM`, through the dispatch transition
    and its policy (the event says ``"auto": true`` with the scores). Returns the numbers
    dispatched.

    Idempotent: each order is re-read under its lock, and one that has moved (an agent
    dispatched it meanwhile), was merged or was routed already (a retried task, or a batch
    that took it earlier) is left alone. An order the model is not confident about gets a
    ``route`` event with the scores and waits for an agent; so does every order of the batch
    when routing fails (the event names the error): nothing is lost, nothing is routed twice.
    """
    from onestop.hotline import routing

    orders = _waiting_for_routing(order_ids, limit)
    if not orders:
        return []
    choices: list[dict[str, Any] | None]
    failure = ""
    if not auto_dispatch_enabled():
        choices, failure = [None] * len(orders), "off"
    else:
        try:
            predictions = routing.classify_many([(o.description, o.region) for o in orders])
            choices = [
                routing.confident(p, str(o.category_id))
                for o, p in zip(orders, predictions, strict=True)
            ]
        except Exception as exc:  # the orders wait for an agent; the error is on record
            logger.exception("routing failed; %d work orders wait for an agent", len(orders))
            choices, failure = [None] * len(orders), type(exc).__name__
    return _route_batch(orders, choices, failure=failure)


def _route_batch(
    orders: Sequence[WorkOrder], choices: Sequence[Mapping[str, Any] | None], *, failure: str
) -> list[str]:
    """Dispatch the routed orders (or record why not) in one transaction: the orders are
    locked and re-checked together, each step is the dispatch transition of the table with
    `SYSTEM`'s policy, and the writes are one bulk update and one bulk insert of events (the
    batch form of `ticket_dispatch`: a new order has no assisting departments). Returns the
    numbers dispatched."""
    choice_of = {o.pk: c for o, c in zip(orders, choices, strict=True)}
    leads: dict[tuple[str, str], Department | None] = {}

    def lead_of(code: str, region: str) -> Department | None:
        if (code, region) not in leads:
            try:
                leads[code, region] = _department(code, region=region)
            except ValidationFailed:  # e.g. a department of another region: an agent decides
                leads[code, region] = None
        return leads[code, region]

    now = _now()
    dispatched: list[WorkOrder] = []
    events: list[WorkOrderEvent] = []
    with transaction.atomic():
        locked = list(
            WorkOrder.objects.select_for_update(of=("self",))
            .select_related("category__time_limit_class", "category__parent__time_limit_class")
            .filter(pk__in=choice_of, status=S.NEW, merged_into__isnull=True)
            .order_by("pk")
        )
        # Read after the locks are held: routed by another run meanwhile, or moved and back.
        seen = set(
            WorkOrderEvent.objects.filter(
                order__in=locked, kind__in=("route", "dispatch")
            ).values_list("order_id", flat=True)
        )
        for order in locked:
            if order.pk in seen:
                continue
            choice, error = choice_of[order.pk], failure
            if choice is not None and policies.can(SYSTEM, "dispatch", order):
                lead = lead_of(str(choice["department"]), order.region)
                if lead is not None:
                    step = transitions.transition_for(order.status, "dispatch")
                    assert step.target is not None  # noqa: S101 - dispatch always moves
                    order.lead_department = lead
                    _set_due_times(order, now)
                    order.status = step.target
                    order.updated_at = now
                    scores = {k: v for k, v in choice.items() if k.endswith("_score")}
                    events.append(
                        _event_row(
                            order,
                            kind=step.action,
                            actor=SYSTEM,
                            from_status=S.NEW,
                            to_status=order.status,
                            data={"department": lead.code, "assisting": [], "auto": True, **scores},
                            at=now,
                            keys_checked=True,
                        )
                    )
                    dispatched.append(order)
                    continue
                error = "unknown_department"
            data: dict[str, Any] = {"auto": False}
            if choice is not None:
                data.update({k: v for k, v in choice.items() if k.endswith("_score")})
            if error:
                data["error"] = error
            events.append(
                _event_row(order, kind="route", actor=SYSTEM, data=data, at=now, keys_checked=True)
            )
        if dispatched:
            _update_grouped(dispatched, [*_DISPATCH_FIELDS, "status", "updated_at"])
            masters = set(
                WorkOrder.objects.filter(merged_into__in=dispatched).values_list(
                    "merged_into_id", flat=True
                )
            )
            for order in dispatched:
                if order.pk in masters:
                    _follow(order)
        WorkOrderEvent.objects.bulk_create(events)
    return [o.number for o in dispatched]


def _update_grouped(orders: Sequence[WorkOrder], fields: Sequence[str]) -> None:
    """Write `fields` of `orders` with one UPDATE per distinct set of values (a batch shares
    the time and mostly the department and time limits: a handful of statements).
    `bulk_update` writes a CASE over every order per field, which Django builds slowly (most
    of the routing worker's CPU for a batch of 64)."""
    attnames = [f.attname for f in WorkOrder._meta.concrete_fields if f.name in fields]
    groups: dict[tuple[Any, ...], list[int]] = {}
    for order in orders:
        groups.setdefault(tuple(getattr(order, a) for a in attnames), []).append(order.pk)
    for values, pks in groups.items():
        WorkOrder.objects.filter(pk__in=pks).update(**dict(zip(attnames, values, strict=True)))


def _assisting(codes: Sequence[str], *, lead: Department, region: str) -> list[Department]:
    helpers: list[Department] = []
    for code in dict.fromkeys(codes):
        if code == lead.code:
            continue
        helpers.append(_department(code, region=region))
    return helpers


def ticket_sign_for(*, actor: Any, order: WorkOrder) -> WorkOrder:
    """The lead department signs for the order (签收)."""
    with transaction.atomic():
        locked, step = _begin(actor, order, "sign_for")
        locked.signed_at = _now()
        return _finish(locked, step, actor=actor, fields=["signed_at"])


return_window = timelimits.return_window


def ticket_return(*, actor: Any, order: WorkOrder, reason: str) -> WorkOrder:
    """The lead department sends a wrongly dispatched order back (退单), with a reason, within
    the return window after dispatch; a supervisor then arbitrates."""
    why = _text(reason, field=_("reason"), required=True, limit=500)
    with transaction.atomic():
        locked, step = _begin(actor, order, "return")
        assert locked.dispatched_at is not None  # noqa: S101 - dispatched before it can return
        if _now() - locked.dispatched_at > return_window():
            raise Conflict(
                _(
                    "The time to return this work order has passed: it may be returned within "
                    "%(hours)s hours of dispatch."
                )
                % {"hours": f"{return_window().total_seconds() / 3600:g}"},
                code="return_window_passed",
            )
        return _finish(
            locked,
            step,
            actor=actor,
            fields=[],
            reason=why,
            data={"department": locked.lead_department_id},
        )


def _move_to(
    locked: WorkOrder, department: str | None, assisting: Sequence[str], *, same: str
) -> tuple[Department, list[Department]]:
    """Give the (locked) order to another lead `department` with new assisting departments;
    due times start again. `same` is the refusal when `department` already leads it."""
    if not department:
        raise ValidationFailed(
            _("Name the department the work order goes to instead."),
            code="department_required",
        )
    lead = _department(department, region=locked.region)
    if lead.code == locked.lead_department_id:
        raise ValidationFailed(same, code="same_department")
    helpers = _assisting(assisting, lead=lead, region=locked.region)
    locked.lead_department = lead
    _set_due_times(locked, _now())
    locked.assisting_departments.set(helpers)
    return lead, helpers


def ticket_arbitrate(
    *,
    actor: Any,
    order: WorkOrder,
    uphold: bool,
    department: str | None = None,
    assisting: Sequence[str] = (),
    reason: str = "",
) -> WorkOrder:
    """A supervisor decides on a return: uphold it and re-dispatch to another `department`
    (改派; due times start again), or reject it (the department keeps the order and its due
    times, and must sign for it again)."""
    why = _text(reason, field=_("reason"), required=False, limit=500)
    with transaction.atomic():
        locked, step = _begin(actor, order, "arbitrate_uphold" if uphold else "arbitrate_reject")
        returned_by = locked.lead_department_id
        if not uphold:
            locked.signed_at = None
            return _finish(
                locked,
                step,
                actor=actor,
                fields=["signed_at"],
                reason=why,
                data={"decision": "reject", "department": returned_by},
            )
        lead, _helpers = _move_to(
            locked,
            department,
            assisting,
            same=_("Upholding a return means dispatching to another department."),
        )
        return _finish(
            locked,
            step,
            actor=actor,
            fields=_DISPATCH_FIELDS,
            reason=why,
            data={"decision": "uphold", "returned_by": returned_by, "department": lead.code},
        )


def ticket_reassign(
    *,
    actor: Any,
    order: WorkOrder,
    department: str,
    reason: str,
    assisting: Sequence[str] = (),
) -> WorkOrder:
    """A supervisor moves an open order (dispatched, signed for or in progress) to another
    department outside arbitration (改派), with a reason: the new department must sign for it
    and the due times start again. Finished, returned (arbitrate instead) and new orders
    (dispatch instead) cannot be reassigned."""
    why = _text(reason, field=_("reason"), required=True, limit=500)
    with transaction.atomic():
        locked, step = _begin(actor, order, "reassign")
        previous = locked.lead_department_id
        lead, helpers = _move_to(
            locked,
            department,
            assisting,
            same=_("The work order is already with this department: choose another one."),
        )
        return _finish(
            locked,
            step,
            actor=actor,
            fields=_DISPATCH_FIELDS,
            reason=why,
            data={
                "from": previous,
                "department": lead.code,
                "assisting": [d.code for d in helpers],
            },
        )


def ticket_start(*, actor: Any, order: WorkOrder) -> WorkOrder:
    """The lead department starts handling (办理)."""
    with transaction.atomic():
        locked, step = _begin(actor, order, "start")
        return _finish(locked, step, actor=actor, fields=[])


def ticket_reply(*, actor: Any, order: WorkOrder, text: str) -> WorkOrder:
    """The lead department reports its result (办结); every merged caller is told."""
    answer = _text(text, field=_("reply"), required=True)
    with transaction.atomic():
        locked, step = _begin(actor, order, "reply")
        locked.reply_text, locked.replied_at = answer, _now()
        done = _finish(locked, step, actor=actor, fields=["reply_text", "replied_at"])
        department = done.lead_department.name if done.lead_department else ""
        _notify_citizens(
            done,
            "hotline.replied",
            {"number": done.number, "reply": answer, "department": department},
        )
        for each in [done, *WorkOrder.objects.filter(merged_into=done).order_by("pk")]:
            hooks.order_replied(each, actor=actor)
        return done


def ticket_callback(
    *,
    actor: Any,
    order: WorkOrder,
    satisfied: bool,
    resolved: bool,
    note: str = "",
    rating: Mapping[str, Any] | None = None,
) -> WorkOrder:
    """The hotline calls the citizen back (回访). Satisfied: closed. Unsatisfied: reopened and
    dispatched again to the same department, with new due times. `rating` is the rating heard
    on the call (for `hooks.on_callback` listeners: `reviews` records it before the order
    closes; bad input there undoes the whole call-back)."""
    text = _text(note, field=_("note"), required=False, limit=MAX_TEXT)
    action = "callback_satisfied" if satisfied else "callback_unsatisfied"
    with transaction.atomic():
        locked, step = _begin(actor, order, action)
        hooks.callback_taken(locked, actor=actor, satisfied=satisfied, rating=rating)
        locked.callback_satisfied, locked.callback_resolved = satisfied, resolved
        fields = ["callback_satisfied", "callback_resolved"]
        if satisfied:
            locked.closed_at = _now()
            fields.append("closed_at")
        else:
            locked.reopen_count += 1
            _set_due_times(locked, _now())
            fields += ["reopen_count", *_DISPATCH_FIELDS]
        done = _finish(
            locked,
            step,
            actor=actor,
            fields=fields,
            reason=text,
            data={"satisfied": satisfied, "resolved": resolved},
            kind="callback" if satisfied else "reopen",
        )
        _notify_citizens(done, "hotline.callback", {"number": done.number, "satisfied": satisfied})
        if satisfied:
            hooks.order_closed(done, actor=actor)
        return done


def ticket_extension_request(
    *, actor: Any, order: WorkOrder, working_days: int, reason: str
) -> WorkOrder:
    """The lead department asks for more time (延期申请); a supervisor decides."""
    why = _text(reason, field=_("reason"), required=True, limit=500)
    if not 1 <= working_days <= 30:
        raise ValidationFailed(_("An extension is 1 to 30 working days."), code="invalid_extension")
    with transaction.atomic():
        locked, step = _begin(actor, order, "extension_request")
        if locked.extension_days is not None:
            raise Conflict(
                _("An extension of this work order is already waiting for a decision."),
                code="extension_pending",
            )
        locked.extension_days = working_days
        return _finish(
            locked,
            step,
            actor=actor,
            fields=["extension_days"],
            reason=why,
            data={"working_days": working_days},
        )


def ticket_extension_decide(
    *, actor: Any, order: WorkOrder, approve: bool, reason: str = ""
) -> WorkOrder:
    """A supervisor approves (resolve_by moves by the days asked) or refuses an extension."""
    why = _text(reason, field=_("reason"), required=False, limit=500)
    with transaction.atomic():
        locked, step = _begin(actor, order, "extension_decide")
        days = locked.extension_days
        if days is None:
            raise Conflict(
                _("No extension of this work order is waiting for a decision."),
                code="no_extension",
            )
        data: dict[str, Any] = {"approved": approve, "working_days": days}
        if approve and locked.resolve_by is not None:
            old = locked.resolve_by
            locked.resolve_by = timelimits.extend(_time_limit_class(locked), old, days)
            data |= {"from": old.isoformat(), "to": locked.resolve_by.isoformat()}
        locked.extension_days = None
        return _finish(
            locked,
            step,
            actor=actor,
            fields=["extension_days", "resolve_by"],
            reason=why,
            data=data,
        )


def ticket_escalate(*, actor: Any, order: WorkOrder, reason: str = "") -> WorkOrder:
    """Raise an order to the supervisors (督办), by a supervisor or (`SYSTEM`) by the
    overdue sweep. An order is escalated once per dispatch."""
    why = _text(reason, field=_("reason"), required=False, limit=500)
    with transaction.atomic():
        locked, step = _begin(actor, order, "escalate")
        if locked.escalated_at is not None:
            raise Conflict(_("This work order has already been escalated."), code="escalated")
        locked.escalated_at = _now()
        return _finish(
            locked,
            step,
            actor=actor,
            fields=["escalated_at"],
            reason=why or _("Overdue."),
            data={"resolve_by": locked.resolve_by.isoformat() if locked.resolve_by else None},
        )


def escalate_overdue(*, now: datetime.datetime | None = None) -> list[str]:
    """Escalate every order whose resolution time has passed and that nobody escalated yet;
    returns their numbers. Safe to run from several workers (each order is locked)."""
    moment = now or _now()
    due = WorkOrder.objects.filter(
        status__in=transitions.OPEN_FOR_DEPARTMENT,
        merged_into__isnull=True,
        escalated_at__isnull=True,
        resolve_by__lt=moment,
    ).order_by("resolve_by", "pk")
    done: list[str] = []
    for order in due:
        try:
            ticket_escalate(actor=SYSTEM, order=order)
        except Conflict:
            continue  # moved on or escalated by someone else meanwhile
        done.append(order.number)
    return done


def ticket_merge(*, actor: Any, duplicate: WorkOrder, master: WorkOrder) -> WorkOrder:
    """Merge `duplicate` into `master` (并单): it follows the master's status from now on and
    its caller hears the master's reply. Orders already merged into `duplicate` move along."""
    with transaction.atomic():
        for each in sorted([duplicate, master], key=lambda o: o.pk):
            _locked(each)  # lock both in a fixed order: no deadlock
        locked, step = _begin(actor, duplicate, "merge")
        target = _locked(master)
        if target.pk == locked.pk:
            raise Conflict(_("A work order cannot be merged into itself."), code="merge_self")
        if target.merged_into_id is not None:
            raise Conflict(
                _("Work order %(number)s is itself merged: merge into its master instead.")
                % {"number": target.number},
                code="merge_into_merged",
            )
        if target.region != locked.region or not policies.can(actor, "merge", target):
            raise PermissionDenied(
                _("You may not merge into work order %(number)s.") % {"number": target.number},
                code="forbidden",
            )
        if target.status in (S.ANSWERED, S.CLOSED):
            raise Conflict(
                _("Work order %(number)s is finished: it cannot take duplicates.")
                % {"number": target.number},
                code="master_finished",
            )
        WorkOrder.objects.filter(merged_into=locked).update(merged_into=target)
        locked.merged_into = target
        done = _finish(
            locked,
            step,
            actor=actor,
            fields=["merged_into"],
            data={"master": target.number},
            kind="merge",
        )
        _event(target, kind="merged_in", actor=actor, data={"duplicate": locked.number})
        _follow(target)
        done.refresh_from_db()
        return done


def ticket_recipients(order: WorkOrder) -> list[dict[str, str]]:
    """Who hears about `order`: its caller and the caller of every order merged into it,
    ``[{"number", "name", "phone"}]`` with the phone in clear (for notifications only; never
    show it)."""
    master = order.merged_into if order.merged_into_id else order
    assert master is not None  # noqa: S101 - merged_into_id set implies merged_into
    orders = [master, *WorkOrder.objects.filter(merged_into=master).order_by("number")]
    return [
        {
            "number": o.number,
            "name": o.contact_name,
            "phone": crypto.decrypt_pii(o.contact_phone_enc),
        }
        for o in orders
    ]


# --- knowledge ------------------------------------------------------------------------------


ARTICLE_EVENT = "article"


def article_source(order: WorkOrder) -> str:
    """The citation a draft made from `order`'s reply carries (Chinese, like the draft)."""
    department = order.lead_department.name_zh if order.lead_department else ""
    return "；".join(p for p in (f"12345工单{order.number}答复", department) if p)


def ticket_article_draft(
    *,
    actor: Any,
    order: WorkOrder,
    title_zh: str,
    question_zh: str,
    body_zh: str,
    source: str = "",
) -> Any:
    """Turn the reply of a finished order (closed, or answered on the call) into a draft FAQ
    of the knowledge base (`knowledge.services.article_from_ticket_reply`), for hotline agents
    and supervisors of the region. The draft cites the order (`article_source`) and the lead
    department's kind; an ``article`` event on the order keeps its slug. One draft per order:
    a second one is a `Conflict`. A supervisor publishes the draft."""
    from onestop.knowledge import services as knowledge

    with transaction.atomic():
        locked = _locked(order)
        if not policies.can(actor, policies.ARTICLE, locked):
            raise PermissionDenied(
                _("You may not turn the reply of work order %(number)s into an article.")
                % {"number": locked.number},
                code="forbidden",
            )
        if locked.merged_into_id is not None or locked.status not in (S.CLOSED, S.ANSWERED):
            raise Conflict(
                _("Only the reply of a closed work order can become an article."),
                code="not_closed",
            )
        if not locked.reply_text.strip():
            raise Conflict(_("This work order has no reply to publish."), code="no_reply")
        earlier = locked.events.filter(kind=ARTICLE_EVENT).first()
        if earlier is not None:
            raise Conflict(
                _("The reply of this work order is already the draft article %(slug)s.")
                % {"slug": earlier.data.get("slug", "")},
                code="article_exists",
            )
        department = locked.lead_department
        article = knowledge.article_from_ticket_reply(
            actor=actor,
            title_zh=title_zh,
            body_zh=body_zh,
            question_zh=question_zh,
            source=(source or "").strip() or article_source(locked),
            department_kind=department.kind_id if department else None,
        )
        _event(locked, kind=ARTICLE_EVENT, actor=actor, data={"slug": article.slug})
        return article


# --- attachments ------------------------------------------------------------------------------


def sniff(data: bytes) -> tuple[str, tuple[str, ...]] | None:
    """(content type, allowed extensions) of a PDF, PNG or JPEG by its first bytes."""
    kind = files.sniff(data)
    return (kind.content_type, kind.extensions) if kind else None


def attachment_add(*, actor: Any, order: WorkOrder, name: str, data: bytes) -> Attachment:
    """Attach a PDF, PNG or JPEG of at most 10 MB; the type is read from the content, and the
    file name's extension must agree with it."""
    if not policies.can(actor, policies.ATTACH, order):
        raise PermissionDenied(
            _("You may not add files to work order %(number)s.") % {"number": order.number},
            code="forbidden",
        )
    filename, content_type = _checked_file(name, data)
    with transaction.atomic():
        return _attachment_write(
            _locked(order), actor=actor, filename=filename, content_type=content_type, data=data
        )


def _checked_file(
    name: str, data: bytes, *, photo: bool = False, field: str = "file"
) -> tuple[str, str]:
    """(safe file name, content type) of an upload: at most 10 MB, PDF, PNG or JPEG by its
    first bytes (`photo`: PNG or JPEG only), the name's extension agreeing; else
    ValidationFailed with `details.field` = `field`."""
    filename = _text(name, field=_("file name"), required=True, limit=200).replace("/", "_")
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise ValidationFailed(
            _("A file has at most 10 MB."), code="file_too_large", details={"field": field}
        )
    if not data:
        raise ValidationFailed(_("The file is empty."), code="file_empty", details={"field": field})
    sniffed = sniff(data)
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if photo and sniffed is not None and sniffed[0] not in PHOTO_TYPES:
        raise ValidationFailed(
            _("A photo must be a PNG or JPEG image, and the file name must match it."),
            code="file_type",
            details={"field": field},
        )
    if sniffed is None or suffix not in sniffed[1]:
        raise ValidationFailed(
            _("A photo must be a PNG or JPEG image, and the file name must match it.")
            if photo
            else _("Only PDF, PNG and JPEG files are accepted, and the file name must match them."),
            code="file_type",
            details={"field": field},
        )
    return filename, sniffed[0]


PHOTO_TYPES = ("image/png", "image/jpeg")


def _attachment_write(
    locked: WorkOrder, *, actor: Any, filename: str, content_type: str, data: bytes
) -> Attachment:
    """Store a checked file on the order (locked, inside the caller's transaction)."""
    digest = hashlib.sha256(data).hexdigest()
    attachment = Attachment(
        order=locked,
        name=filename,
        content_type=content_type,
        size=len(data),
        sha256=digest,
        uploaded_by=actor if getattr(actor, "pk", None) else None,
    )
    attachment.file.save(filename, ContentFile(data), save=False)
    # A citizen who filed without an account uploads as nobody (the field is nullable).
    full_clean(attachment, exclude=["uploaded_by"])
    attachment.save()
    _event(
        locked,
        kind="attach",
        actor=actor,
        data={"name": filename, "sha256": digest, "size": len(data)},
    )
    return attachment


# --- the citizen's own 12345 (the portal) ---------------------------------------------------

# What a citizen may file on the portal: the request types the hotline takes from anyone but
# reports and praise, which go through the phone or the agents.
PORTAL_REQUEST_TYPES = (
    WorkOrder.RequestType.CONSULTATION,
    WorkOrder.RequestType.COMPLAINT,
    WorkOrder.RequestType.ASSISTANCE,
    WorkOrder.RequestType.SUGGESTION,
)


def tracking_token(order: WorkOrder) -> str:
    """The secret of `order`'s tracking page (`tracking.token`)."""
    return tracking.token(order)


def ticket_file(
    *,
    actor: Any,
    request_type: str,
    category: str,
    description: str,
    contact_phone: str,
    contact_name: str = "",
    address: str = "",
    township: str = "",
    latitude: Any = None,
    longitude: Any = None,
    photo: tuple[str, bytes] | None = None,
    idempotency_key: str | None = None,
) -> WorkOrder:
    """A citizen files an inquiry, complaint, help request or suggestion on the portal, signed
    in (`actor` their account: the order is theirs in "my space") or not (an anonymous user:
    the tracking page with `tracking_token` is the way back). The same intake as every other
    channel (`_accept`, channel ``portal``), routed by the worker like an Open311 request
    (`route=True`: a confident routing dispatches it, else an agent does). An optional photo
    (PNG or JPEG, checked by its content) is attached in the same transaction. Bad input
    changes nothing; a retry with the same `idempotency_key` returns the first order and
    attaches nothing again.

    A helper acting for the person under a delegation naming ``hotline`` files it as the
    person's (theirs in "my space"), with the helper recorded as `agent` on the order and its
    ``create`` event; any other acting-for is refused by the policy."""
    region_code = str(settings.NODE_REGION)
    if not policies.can(actor, policies.FILE, region_code):
        raise PermissionDenied(_("You may not file a request here."), code="forbidden")
    if request_type not in PORTAL_REQUEST_TYPES:
        raise ValidationFailed(
            _("Choose what kind of request this is."),
            code="invalid_request_type",
            details={"field": "request_type"},
        )
    found = Category.objects.filter(code=str(category or ""), level=2).first()
    if found is None:
        raise ValidationFailed(
            _("Choose the topic of your request."),
            code="unknown_category",
            details={"field": "category"},
        )
    checked = _checked_file(photo[0], photo[1], photo=True, field="photo") if photo else None
    with transaction.atomic():
        order = _accept(
            actor=actor if getattr(actor, "pk", None) else None,
            channel=WorkOrder.Channel.PORTAL,
            request_type=request_type,
            category=found,
            description=description,
            contact_phone=contact_phone,
            contact_name=contact_name,
            address=address,
            township=township,
            latitude=latitude,
            longitude=longitude,
            region_code=region_code,
            idempotency_key=idempotency_key,
            route=True,
            dedupe_seconds=0,
            agent=accounts_policies.acting_agent(actor),
        )
        if checked is not None and not getattr(order, "replayed", False):
            _attachment_write(
                _locked(order),
                actor=actor,
                filename=checked[0],
                content_type=checked[1],
                data=photo[1],  # type: ignore[index]
            )
    return order


# --- emergencies: the hand-over to 110 / 119 / 120 ------------------------------------------


def ticket_transfer(
    *,
    actor: Any,
    order: WorkOrder,
    service: str,
    reference: str,
    note: str = "",
    at: datetime.datetime | None = None,
) -> WorkOrder:
    """An agent or supervisor hands an emergency over to 110, 119 or 120 (12345–110 linkage):
    the order leaves the hotline's handling (status ``transferred``) with the receiving
    service, its reference number and the time of the hand-over (`at`, default now; not in
    the future), and a ``transfer`` event on the timeline. Open orders only (new, with a
    department, or returned); not replied or finished ones."""
    if str(service or "") not in WorkOrder.EmergencyService.values:
        raise ValidationFailed(
            _("Choose the emergency service: 110, 119 or 120."),
            code="invalid_service",
            details={"field": "service"},
        )
    ref = _text(reference, field=_("reference number"), required=True, limit=60)
    why = _text(note, field=_("note"), required=False, limit=500)
    now = _now()
    moment = at or now
    if moment > now + datetime.timedelta(minutes=5):
        raise ValidationFailed(
            _("The time of the hand-over cannot be in the future."),
            code="invalid_time",
            details={"field": "at"},
        )
    with transaction.atomic():
        locked, step = _begin(actor, order, "transfer")
        locked.transfer_service = str(service)
        locked.transfer_reference = ref
        locked.transferred_at = moment
        return _finish(
            locked,
            step,
            actor=actor,
            fields=["transfer_service", "transfer_reference", "transferred_at"],
            reason=why,
            data={"service": str(service), "reference": ref, "at": moment.isoformat()},
        )


# --- routing set-up: the jurisdiction table and the model registry -----------------------------

MAX_PLACE = 40
# The figures on the evaluation set a new model must reach (each at least the live model's)
# before it goes live (`routing_model_promote`).
GATE_FIGURES = ("department_top1", "category_top1")


def _routing_event(kind: str, *, actor: Any, region: str = "", **data: Any) -> RoutingEvent:
    return RoutingEvent.objects.create(
        kind=kind,
        region=region,
        actor=actor if getattr(actor, "pk", None) else None,
        data=data,
        at=_now(),
    )


def _may_route(actor: Any, region: str) -> None:
    """The region's supervisors change its routing; the system too (the demo seed)."""
    if actor is not SYSTEM and not policies.can(actor, policies.ROUTING, region):
        raise PermissionDenied(_("Only the region's hotline supervisors may change its routing."))


def jurisdiction_set(
    *, actor: Any, region: str, category: str, department: str, place: str = ""
) -> Jurisdiction:
    """Set who handles `category` in `region` (optionally only for requests naming `place`):
    the department must be one of the region's, the category a level-2 category. One rule per
    (region, category, place): setting it again replaces the department. Audited."""
    _may_route(actor, region)
    where = _text(place, field=_("place"), required=False, limit=MAX_PLACE)
    found = Category.objects.filter(code=category or "", level=2).first()
    if found is None:
        raise ValidationFailed(
            _("Choose a category of the dispatch catalogue."),
            code="invalid_category",
            details={"field": "category"},
        )
    dept = org_selectors.department_list(region=region).filter(code=department or "").first()
    if dept is None:
        raise ValidationFailed(
            _("Choose a department of this region."),
            code="invalid_department",
            details={"field": "department"},
        )
    with transaction.atomic():
        rule, _created = Jurisdiction.objects.update_or_create(
            region=region, category=found, place=where, defaults={"department": dept}
        )
        _routing_event(
            "jurisdiction_set",
            actor=actor,
            region=region,
            category=found.code,
            place=where,
            department=dept.code,
        )
    return rule


def jurisdiction_remove(*, actor: Any, region: str, rule: int) -> None:
    """Remove a rule of `region`'s jurisdiction table (the category then goes to its
    catalogue owner again). Audited; an unknown rule is NotFound."""
    _may_route(actor, region)
    with transaction.atomic():
        found = Jurisdiction.objects.select_for_update().filter(pk=rule, region=region).first()
        if found is None:
            raise NotFound(_("There is no such jurisdiction rule."), code="unknown_rule")
        _routing_event(
            "jurisdiction_remove",
            actor=actor,
            region=region,
            category=found.category_id,
            place=found.place,
            department=found.department_id,
        )
        found.delete()


def routing_model_register(
    *,
    model: Any,
    figures: Mapping[str, Any],
    sources: Mapping[str, int],
    actor: Any = SYSTEM,
) -> RoutingModel:
    """Keep a newly trained routing model in the registry (its file under DATA_DIR/models/
    hotline-routing/, its figures on the evaluation set, what it learnt from); not live."""
    from onestop.hotline import routing

    with transaction.atomic():
        last = RoutingModel.objects.select_for_update().order_by("-version").first()
        version = (last.version if last else 0) + 1
        path = routing.save(model, routing.version_path(version))
        entry = RoutingModel.objects.create(
            version=version,
            created_at=_now(),
            file=str(path.relative_to(settings.DATA_DIR)),
            n_examples=model.n_examples,
            sources=dict(sources),
            figures=dict(figures),
            threshold=model.meta.get("threshold"),
        )
        _routing_event("model_register", actor=actor, version=version, figures=dict(figures))
    return entry


def figures_reach(new: Mapping[str, Any], live: Mapping[str, Any]) -> bool:
    """Whether figures `new` are at least `live`'s on every one of GATE_FIGURES."""
    return all(float(new.get(name) or 0.0) >= float(live.get(name) or 0.0) for name in GATE_FIGURES)


def _make_live(
    entry: RoutingModel, *, actor: Any, kind: str, previous: RoutingModel | None
) -> None:
    from onestop.hotline import routing

    if previous is not None:
        RoutingModel.objects.filter(pk=previous.pk).update(live=False)
    RoutingModel.objects.filter(pk=entry.pk).update(live=True, live_since=_now())
    _routing_event(
        kind,
        actor=actor,
        version=entry.version,
        previous=previous.version if previous else None,
    )
    path = Path(settings.DATA_DIR) / entry.file
    transaction.on_commit(lambda: routing.install(path))


def routing_model_promote(*, actor: Any, version: int) -> RoutingModel:
    """Make model `version` live, only if its figures on the evaluation set are at least the
    live model's (`GATE_FIGURES`); a worse model stays in the registry (Conflict). Audited;
    every process loads the new file at its next routing call."""
    if not (actor is SYSTEM or policies.can(actor, policies.ROUTING, str(settings.NODE_REGION))):
        raise PermissionDenied(_("Only the hotline supervisors may change the routing model."))
    with transaction.atomic():
        entries = {m.version: m for m in RoutingModel.objects.select_for_update()}
        entry = entries.get(version)
        if entry is None:
            raise NotFound(_("There is no routing model of this version."), code="unknown_model")
        live = next((m for m in entries.values() if m.live), None)
        if live is not None and live.version == entry.version:
            raise Conflict(_("This model is already live."), code="already_live")
        if live is not None and not figures_reach(entry.figures, live.figures):
            raise Conflict(
                _(
                    "Model %(new)s scores lower than the live model %(live)s on the evaluation "
                    "set; it stays in the registry."
                )
                % {"new": entry.version, "live": live.version},
                code="model_worse",
            )
        _make_live(entry, actor=actor, kind="model_promote", previous=live)
    entry.refresh_from_db()
    return entry


def routing_model_rollback(*, actor: Any) -> RoutingModel:
    """Make the model that was live before the current one live again (whatever its figures:
    the way back from a promotion that misbehaves on the floor). Audited."""
    if not policies.can(actor, policies.ROUTING, str(settings.NODE_REGION)):
        raise PermissionDenied(_("Only the hotline supervisors may change the routing model."))
    with transaction.atomic():
        entries = {m.version: m for m in RoutingModel.objects.select_for_update()}
        live = next((m for m in entries.values() if m.live), None)
        last = (
            RoutingEvent.objects.filter(kind__in=("model_promote", "model_rollback"))
            .order_by("-at", "-id")
            .first()
        )
        previous = (last.data or {}).get("previous") if last is not None else None
        entry = entries.get(previous) if previous is not None else None
        if live is None or entry is None:
            raise Conflict(_("There is no earlier live model to go back to."), code="no_previous")
        _make_live(entry, actor=actor, kind="model_rollback", previous=live)
    entry.refresh_from_db()
    return entry
