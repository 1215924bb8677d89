"""The reviews API (/api/v1/reviews): rate a service event, and the public figures.

`POST /reviews` is open to two callers: a signed-in person rating an event of theirs by its
invitation (session and CSRF token, as every write of a signed-in person), or anybody holding
the token of an SMS link or a receipt's QR code (no session needed: the token names one event).
`GET /reviews/stats` is public and answers aggregates only, never a review."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Header, Query, Router
from ninja.responses import Status
from pydantic import WithJsonSchema

from onestop.core.api import SessionAuth
from onestop.core.errors import ValidationFailed
from onestop.reviews import selectors, services
from onestop.reviews.models import Review
from onestop.reviews.schemas import ReviewIn, ReviewOut, StatsOut

router = Router(tags=["reviews"])

_session = SessionAuth(gettext_lazy("Sign in to rate a service of yours, or use your link."))
ERROR_REF = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}}
DEPARTMENT_PATTERN = r"^[0-9]{6}-[a-z0-9-]{1,60}$"
ITEM_PATTERN = r"^[0-9A-Za-z-]{1,40}$"
# A day as YYYY-MM-DD only (pydantic's date would also take a number as a Unix time).
DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
Day = Annotated[
    str | None,
    WithJsonSchema(
        {"type": "string", "format": "date", "pattern": DATE, "description": "YYYY-MM-DD"}
    ),
]


def _body(review: Review) -> dict[str, Any]:
    rectification = getattr(review, "rectification", None)
    return {
        "id": review.pk,
        "event_kind": review.event_kind,
        "event_ref": review.event_ref,
        "version": review.version,
        "channel": review.channel,
        "level": review.level,
        "indicators": list(review.indicators),
        "created_at": review.created_at,
        "rectification": None
        if rectification is None
        else {
            "status": rectification.status,
            "callback_due": rectification.callback_due,
            "due_date": rectification.due_date,
        },
    }


@router.post(
    "",
    response={201: ReviewOut},
    summary="Rate a service event",
    openapi_extra={
        "responses": {
            401: {"description": "Rating by invitation without signing in.", **ERROR_REF},
            403: {"description": "Signed in without a valid CSRF token.", **ERROR_REF},
        }
    },
)
def review_create(
    request: HttpRequest,
    body: ReviewIn,
    idempotency_key: str = Header(..., alias="Idempotency-Key", min_length=1, max_length=100),
) -> Status:
    """Rate one service event (a finished application, a closed 12345 work order, a window
    visit) at one of five levels; a bad level (1 or 2) names at least one reason from the
    national list and opens a rectification. One review per event: rating it again makes a
    new version, the earlier one stops counting. A retry with the same `Idempotency-Key`
    returns the same review. Anonymous to the public; the department sees the reviewer."""
    if (body.invitation is None) == (body.token is None):
        raise ValidationFailed(
            _("Send either the invitation or the token of your link, not both."),
            code="invitation_or_token",
        )
    indicators = [str(i) for i in body.indicators]
    key = idempotency_key.strip()
    if body.token is not None:
        review = services.review_submit(
            actor=None,
            token=body.token,
            level=body.level,
            indicators=indicators,
            text=body.text,
            idempotency_key=key,
        )
    else:
        user = _session(request)
        invitation = services.invitation_get(actor=user, invitation_id=body.invitation)
        review = services.review_submit(
            actor=user,
            invitation=invitation,
            level=body.level,
            indicators=indicators,
            text=body.text,
            idempotency_key=key,
        )
    return Status(201, _body(review))


@router.get("/stats", response=StatsOut, by_alias=True, summary="Public figures of the reviews")
def review_stats(
    request: HttpRequest,
    department: str | None = Query(None, pattern=DEPARTMENT_PATTERN, description="code"),
    item: str | None = Query(None, pattern=ITEM_PATTERN, description="item code"),
    start: Day = Query(None, alias="from", pattern=DATE),  # noqa: B008 - ninja's marker
    end: Day = Query(None, alias="to", pattern=DATE),  # noqa: B008 - ninja's marker
) -> dict[str, Any]:
    """Per department and per item over the period (every day when not given): the number of
    reviews, the satisfaction, the bad reviews and the share rectified on time (a day that does
    not exist, or `from` after `to`: 400). Figures are
    recomputed daily; `computed_at` says when. Aggregates only: no review, no reviewer."""
    data = selectors.stats(department=department, item=item, start=start, end=end)
    return data
