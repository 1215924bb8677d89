"""Shapes of the hotline API (/api/v1/hotline)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema
from pydantic import ConfigDict

from onestop.hotline.models import WorkOrder

# The bounds `services.ticket_create` checks, in the OpenAPI document too.
PHONE_PATTERN = r"^[ -]*([0-9][ -]*){7,15}$"  # 7 to 15 digits; spaces and dashes are dropped


class TicketIn(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "channel": "phone",
                    "request_type": "complaint",
                    "category": "urban-management.street-vending",
                    "description": "Stalls block the pavement outside the school gate.",
                    "contact_phone": "13800138000",
                    "contact_name": "Wang",
                    "address": "Jiefang Road 88",
                }
            ]
        }
    )

    channel: WorkOrder.Channel
    request_type: WorkOrder.RequestType
    category: str = Field(
        min_length=1, max_length=120, description="A hotline category code (unknown: 400)."
    )
    description: str = Field(max_length=2000, pattern=r"\S", description="Not blank.")
    contact_phone: str = Field(pattern=PHONE_PATTERN, description="7 to 15 digits.")
    contact_name: str = Field("", max_length=60)
    address: str = Field("", max_length=300)
    township: str = Field("", max_length=100)
    # Numbers in the OpenAPI document (a decimal string would be allowed there, "" included).
    # strict: a number (or null), never a string or a boolean coerced into one
    latitude: float | None = Field(None, ge=-90, le=90, strict=True)
    longitude: float | None = Field(None, ge=-180, le=180, strict=True)


class CallbackRatingIn(Schema):
    """The rating the citizen gave on the call-back, as the agent heard it (好差评): one of the
    five levels, the national indicators for a bad one, their words; recorded before the order
    closes, or nothing changes."""

    level: int
    indicators: list[str] = []
    text: str = ""
    idempotency_key: str | None = None


class TicketActionIn(Schema):
    """The fields of a lifecycle step; each action reads the ones it needs:

    - ``answer_on_spot``, ``reply``: `text`;
    - ``dispatch``: `department`, `assisting`;
    - ``return``: `reason`;
    - ``arbitrate``: `uphold`, `department` and `assisting` (when upheld), `reason`;
    - ``callback``: `satisfied`, `resolved`, `note`, and the citizen's `rating` as heard;
    - ``extension_request``: `working_days`, `reason`; ``extension_decide``: `approve`,
      `reason`;
    - ``escalate``: `reason`; ``merge``: `master` (the number of the order to merge into);
    - ``transfer``: `service` (``110``, ``119`` or ``120``), `reference` (the receiving
      service's number for the case), `note`;
    - ``sign_for``, ``start``: nothing.
    """

    text: str = ""
    department: str | None = None
    assisting: list[str] = []
    reason: str = ""
    uphold: bool | None = None
    satisfied: bool | None = None
    resolved: bool | None = None
    note: str = ""
    working_days: int | None = None
    approve: bool | None = None
    master: str | None = None
    service: str | None = None
    reference: str = ""
    rating: CallbackRatingIn | None = None


class TransferOut(Schema):
    """The hand-over of an emergency to 110 / 119 / 120."""

    service: str
    reference: str
    at: datetime


class TicketOut(Schema):
    number: str
    region: str
    request_type: str
    category: str
    channel: str
    status: str
    status_label: str
    contact_name: str
    contact_phone: str
    address: str
    township: str
    latitude: Decimal | None
    longitude: Decimal | None
    description: str
    lead_department: str | None
    assisting_departments: list[str]
    respond_by: datetime | None
    resolve_by: datetime | None
    reply_text: str
    escalated: bool
    merged_into: str | None
    transfer: TransferOut | None = None
    created_at: datetime


class TicketEventOut(Schema):
    kind: str
    from_status: str
    to_status: str
    department: str | None
    reason: str
    at: datetime


class TicketDetailOut(TicketOut):
    events: list[TicketEventOut]


class TicketListItemOut(Schema):
    number: str
    request_type: str
    category: str = Field(alias="category_id")
    status: str
    contact_phone: str = Field(alias="contact_phone_masked")
    lead_department: str | None = Field(alias="lead_department_id")
    resolve_by: datetime | None
    escalated: bool
    merged_into: str | None
    created_at: datetime

    @staticmethod
    def resolve_escalated(obj: Any) -> bool:
        return obj.escalated_at is not None

    @staticmethod
    def resolve_merged_into(obj: Any) -> str | None:
        return obj.merged_into.number if obj.merged_into_id else None


class AttachmentOut(Schema):
    name: str
    content_type: str
    size: int
    sha256: str


# --- routing (POST /api/v1/hotline/classify) ---


class ClassifyIn(Schema):
    text: str = Field(..., min_length=1, max_length=2000, pattern=r"\S")
    region: str | None = Field(
        None, pattern=r"^[0-9]{6}$", description="GB/T 2260 code (default: this node's region)"
    )


class CategoryScoreOut(Schema):
    code: str
    score: float


class DepartmentScoreOut(Schema):
    code: str
    kind: str
    score: float


class ClassifyOut(Schema):
    categories: list[CategoryScoreOut]
    departments: list[DepartmentScoreOut]
    auto: bool
