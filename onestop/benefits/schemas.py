"""Schemas of the benefits API."""

from __future__ import annotations

import datetime

from ninja import Field, Schema


class PaymentIn(Schema):
    """The paying department's own reference of the payment (its voucher number)."""

    reference: str = Field(..., min_length=1, max_length=60)


class PaymentOut(Schema):
    id: int
    rule: str
    department: str
    status: str
    eligible_at: datetime.datetime
    paid_at: datetime.datetime | None
    payment_reference: str
