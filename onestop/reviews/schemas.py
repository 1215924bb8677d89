"""Shapes of the reviews API (/api/v1/reviews)."""

from __future__ import annotations

import datetime
import uuid

from ninja import Field, Schema

from onestop.core.api import one_of
from onestop.reviews.models import Indicator


class ReviewIn(Schema):
    """Exactly one of `invitation` (signed in: the author of the event) and `token` (the
    token of an SMS link or of a receipt's QR code, no sign-in)."""

    invitation: uuid.UUID | None = Field(None, description="the invitation's id (my space)")
    token: str | None = Field(None, min_length=1, max_length=200, description="link token")
    level: int = Field(
        ...,
        ge=1,
        le=5,
        description="5 very satisfied, 4 satisfied, 3 basically satisfied, 2 dissatisfied, "
        "1 very dissatisfied (1 and 2 are bad reviews)",
    )
    indicators: list[Indicator] = Field(
        default_factory=list,
        max_length=len(Indicator.values),
        description="what went wrong: at least one with a bad review, none otherwise",
    )
    text: str = Field("", max_length=1000, description="free text")

    model_config = {"json_schema_extra": one_of("invitation", "token")}


class RectificationOut(Schema):
    status: str
    callback_due: datetime.date
    due_date: datetime.date


class ReviewOut(Schema):
    id: int
    event_kind: str = Field(description="case, order or visit")
    event_ref: str = Field(description="the case or work-order number")
    version: int = Field(description="1 for the first rating; a change adds a version")
    channel: str
    level: int
    indicators: list[str]
    created_at: datetime.datetime
    rectification: RectificationOut | None = Field(
        None, description="opened by a bad review: call back in 1 working day, then rectify"
    )


class FiguresOut(Schema):
    reviews: int
    satisfaction: float | None = Field(description="share of the three upper levels (0-1)")
    mean_level: float | None = Field(description="mean level (1-5)")
    bad: int = Field(description="bad reviews (the two lowest levels)")
    rectified_on_time: float | None = Field(
        description="share of the bad reviews whose result was sent within the limit (0-1)"
    )


class DepartmentFiguresOut(FiguresOut):
    department: str
    name_zh: str
    name_en: str


class ItemFiguresOut(FiguresOut):
    item: str
    name_zh: str
    name_en: str
    department: str | None


class StatsOut(Schema):
    from_: datetime.date | None = Field(None, alias="from")
    to: datetime.date | None = None
    computed_at: datetime.datetime | None = Field(description="when the figures were computed")
    total: FiguresOut
    departments: list[DepartmentFiguresOut]
    items: list[ItemFiguresOut]
