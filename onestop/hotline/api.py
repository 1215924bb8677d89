"""The 12345 work-order API (/api/v1/hotline) for staff: intake, lists, details and one
operation per lifecycle step. Session authentication (staff sign in first); writes need the
CSRF token like any form. Errors have the project's one shape ``{"code", "message"}``."""

from enum import Enum
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import File, Header, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from onestop.core import uploads
from onestop.core.api import SessionAuth
from onestop.hotline import actions, selectors, services
from onestop.hotline.models import WorkOrder
from onestop.hotline.schemas import (
    AttachmentOut,
    TicketActionIn,
    TicketDetailOut,
    TicketIn,
    TicketListItemOut,
)

# The statuses a list may be filtered by, an enum of the OpenAPI document.
StatusParam = Enum("StatusParam", {v: v for v in WorkOrder.Status.values}, type=str)  # type: ignore[misc]

router = Router(
    tags=["hotline"],
    auth=SessionAuth(gettext_lazy("Sign in as hotline or department staff first.")),
)


def _summary(order: WorkOrder, phone: str) -> dict[str, Any]:
    return {
        "number": order.number,
        "region": order.region,
        "request_type": order.request_type,
        "category": order.category_id,
        "channel": order.channel,
        "status": order.status,
        "status_label": str(WorkOrder.Status(order.status).label),
        "contact_name": order.contact_name,
        "contact_phone": phone,
        "address": order.address,
        "township": order.township,
        "latitude": order.latitude,
        "longitude": order.longitude,
        "description": order.description,
        "lead_department": order.lead_department_id,
        "assisting_departments": sorted(d.code for d in order.assisting_departments.all()),
        "respond_by": order.respond_by,
        "resolve_by": order.resolve_by,
        "reply_text": order.reply_text,
        "escalated": order.escalated_at is not None,
        "merged_into": order.merged_into.number if order.merged_into else None,
        "transfer": (
            {
                "service": order.transfer_service,
                "reference": order.transfer_reference,
                "at": order.transferred_at,
            }
            if order.transfer_service
            else None
        ),
        "created_at": order.created_at,
    }


def _detail(actor: Any, order: WorkOrder, *, reveal: bool) -> dict[str, Any]:
    phone = (
        selectors.ticket_contact_phone(actor=actor, order=order)
        if reveal
        else order.contact_phone_masked
    )
    body = _summary(order, phone)
    body["events"] = [
        {
            "kind": e.kind,
            "from_status": e.from_status,
            "to_status": e.to_status,
            "department": e.department_id,
            "reason": e.reason,
            "at": e.at,
        }
        for e in selectors.ticket_events(actor=actor, order=order)
    ]
    return body


@router.post("/tickets", response={201: TicketDetailOut}, summary="Accept a request")
def ticket_create(
    request: HttpRequest,
    payload: TicketIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=100),
) -> Status:
    """Accept a request as a work order. Send an `Idempotency-Key` header: a retry with the
    same key returns the first order and creates nothing."""
    user = request.user
    fields = payload.dict()
    fields["channel"], fields["request_type"] = str(payload.channel), str(payload.request_type)
    order = services.ticket_create(actor=user, idempotency_key=idempotency_key, **fields)
    return Status(201, _detail(user, order, reveal=False))


@router.get("/tickets", response=list[TicketListItemOut], summary="Work orders")
@paginate
def ticket_list(
    request: HttpRequest, status: StatusParam | None = None, overdue: bool | None = None
) -> QuerySet[WorkOrder]:
    """The work orders you may see, newest first (agents and supervisors: their region;
    officers: their departments' orders). Phones are masked here."""
    user = request.user
    return selectors.ticket_list(
        actor=user, status=status.value if status else None, overdue=overdue
    )


@router.get("/tickets/{number}", response=TicketDetailOut, summary="A work order")
def ticket_get(request: HttpRequest, number: str) -> dict[str, Any]:
    """One work order with its history. The caller's phone is in full for hotline agents and
    the lead department's officers (each such view is recorded), masked for others."""
    user = request.user
    order = selectors.ticket_get(actor=user, number=number)
    return _detail(user, order, reveal=True)


@router.post(
    "/tickets/{number}/attachments", response={201: AttachmentOut}, summary="Attach a file"
)
def ticket_attach(request: HttpRequest, number: str, file: File[UploadedFile]) -> Status:
    """Attach a PDF, PNG or JPEG of at most 10 MB (the type is checked from the content)."""
    user = request.user
    order = selectors.ticket_get(actor=user, number=number)
    data = uploads.read_capped(file, services.MAX_ATTACHMENT_BYTES, _("A file has at most 10 MB."))
    attachment = services.attachment_add(actor=user, order=order, name=file.name or "", data=data)
    return Status(
        201,
        {
            "name": attachment.name,
            "content_type": attachment.content_type,
            "size": attachment.size,
            "sha256": attachment.sha256,
        },
    )


@router.post("/tickets/{number}/{action}", response=TicketDetailOut, summary="Move a work order on")
def ticket_action(
    request: HttpRequest, number: str, action: str, payload: TicketActionIn
) -> dict[str, Any]:
    """One lifecycle step: `answer_on_spot`, `dispatch`, `sign_for`, `return`, `arbitrate`,
    `start`, `reply`, `callback`, `extension_request`, `extension_decide`, `escalate`,
    `merge` or `reassign` (see docs/hotline.md for who may do which from which status). A step
    the order's status does not allow is 409; a step you may not take is 403; nothing changes
    either way.
    """
    user = request.user
    step = actions.step_get(action)
    order = selectors.ticket_get(actor=user, number=number)
    done = step(user, order, actions.StepInput(**payload.dict()))
    return _detail(user, selectors.ticket_get(actor=user, number=done.order.number), reveal=False)
