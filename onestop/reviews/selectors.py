"""Every read of the reviews app that leaves it, scoped to what the actor may see.

- The reviewer's own: the invitations of "my space" with their current review and
  rectification (`my_invitations`), one event's state (`event_state`).
- The department console: reviews and rectifications by `policies.scope_q`; the reviewer's real
  name only through `reviewer_identity`, which records the access.
- The public figures (`stats`): aggregates of `DailyStat` only, never a review.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext as _

from onestop.core.errors import NotFound, ValidationFailed
from onestop.reviews import policies
from onestop.reviews.models import (
    Channel,
    DailyStat,
    EventKind,
    Invitation,
    Rectification,
    Review,
)

FOUR = Decimal("0.0001")


@dataclass(frozen=True)
class EventState:
    invitation: Invitation
    review: Review | None
    rectification: Rectification | None

    @property
    def open(self) -> bool:
        from django.utils import timezone

        return self.invitation.expires_at >= timezone.now()


def _states(invitations: list[Invitation]) -> list[EventState]:
    """Each invitation with its event's current review and that review's rectification (two
    queries for the whole list)."""
    if not invitations:
        return []
    keys = Q(pk__in=[])
    for invitation in invitations:
        keys |= Q(event_kind=invitation.event_kind, event_ref=invitation.event_ref)
    reviews = {
        (r.event_kind, r.event_ref): r
        for r in Review.objects.filter(keys, current=True).select_related("rectification")
    }
    states = []
    for invitation in invitations:
        review = reviews.get((invitation.event_kind, invitation.event_ref))
        rectification = getattr(review, "rectification", None) if review is not None else None
        states.append(EventState(invitation, review, rectification))
    return states


def my_invitations(*, actor: Any, limit: int = 50) -> list[EventState]:
    """The services `actor` was invited to rate in "my space", newest first."""
    if not getattr(actor, "is_authenticated", False) or getattr(actor, "pk", None) is None:
        return []
    rows = list(
        Invitation.objects.filter(reviewer_id=actor.pk, channel=Channel.ONLINE)
        .select_related("department", "item", "scenario")
        .order_by("-created_at")[:limit]
    )
    return _states(rows)


def my_invitation(*, actor: Any, invitation_id: Any) -> EventState:
    """One invitation of `actor` with its state; NotFound for anybody else's."""
    from onestop.reviews.services import invitation_get

    invitation = invitation_get(actor=actor, invitation_id=invitation_id)
    return _states([invitation])[0]


def event_state(*, invitation: Invitation) -> EventState:
    """The state of the event of `invitation` (the caller has authorised it: a token)."""
    return _states([invitation])[0]


# --- the rating screen at the window (一次一评) ------------------------------------------------


def pad_window(*, window_id: int) -> Any:
    """The window a rating screen is paired with (with its centre), or None when it is gone."""
    from onestop.org import selectors as org_selectors

    return (
        org_selectors.window_list(centres=org_selectors.centre_list_all())
        .filter(pk=window_id)
        .first()
    )


def pad_visit(*, window_id: int) -> Invitation | None:
    """The current visit of a window (一次一评): the latest application accepted there within
    the last `REVIEWS_PAD_MINUTES` whose rating is still open; None when nobody was served."""
    from django.conf import settings
    from django.utils import timezone

    now = timezone.now()
    since = now - datetime.timedelta(minutes=int(settings.REVIEWS_PAD_MINUTES))
    return (
        Invitation.objects.filter(
            window_id=window_id,
            event_kind=EventKind.VISIT,
            channel=Channel.WINDOW,
            created_at__gte=since,
            expires_at__gte=now,
        )
        .select_related("department", "item", "scenario")
        .order_by("-created_at")
        .first()
    )


def pad_state(*, window_id: int) -> EventState | None:
    """The current visit of a window with its rating (None: nobody to rate now)."""
    visit = pad_visit(window_id=window_id)
    return _states([visit])[0] if visit is not None else None


def pad_windows(*, actor: Any) -> list[Any]:
    """The windows whose rating screen `actor` may pair (a clerk's windows)."""
    from onestop.cases.selectors import clerk_regions, windows_for_clerk

    if not getattr(actor, "is_authenticated", False):
        return []
    if not (clerk_regions(actor) or getattr(actor, "is_superuser", False)):
        return []
    return list(windows_for_clerk(actor=actor).select_related("centre"))


@dataclass(frozen=True)
class ConsoleFilter:
    """What the department console shows: a status of the rectifications (`open`: every
    running one; `all`; or one status), a rating (`bad` or a level), a department and an item
    (codes), a period (dates, inclusive) and only the overdue ones."""

    status: str = "open"
    level: str = ""
    department: str = ""
    item: str = ""
    start: datetime.date | None = None
    end: datetime.date | None = None
    overdue: bool = False


def _common(rows: QuerySet[Any], f: ConsoleFilter, *, prefix: str, at: str) -> QuerySet[Any]:
    if f.level == "bad":
        rows = rows.filter(**{f"{prefix}level__lte": 2})
    elif f.level:
        rows = rows.filter(**{f"{prefix}level": int(f.level)})
    if f.department:
        rows = rows.filter(department_id=f.department)
    if f.item:
        rows = rows.filter(**{f"{prefix}item__code": f.item})
    if f.start:
        rows = rows.filter(**{f"{at}__date__gte": f.start})
    if f.end:
        rows = rows.filter(**{f"{at}__date__lte": f.end})
    return rows


def department_reviews(
    *, actor: Any, bad_only: bool = False, filters: ConsoleFilter | None = None
) -> QuerySet[Review]:
    """The current reviews `actor` sees in the console (their department's; a supervisor's
    region), newest first, without the reviewer's identity; narrowed by `filters` (its
    rating, department, item and period)."""
    scope = policies.scope_q(actor)
    if scope is None:
        return Review.objects.none()
    rows = Review.objects.filter(scope, current=True).select_related(
        "department", "item", "invitation", "rectification"
    )
    if bad_only:
        rows = rows.filter(level__lte=2)
    if filters is not None:
        rows = _common(rows, filters, prefix="", at="created_at")
    return rows.order_by("-created_at", "-id")


def department_rectifications(
    *, actor: Any, open_only: bool = True, filters: ConsoleFilter | None = None
) -> QuerySet[Rectification]:
    """The rectifications `actor` sees in the console, the most urgent first; `filters`
    (status, rating, department, item, period of opening, overdue only) replace `open_only`."""
    scope = policies.scope_q(actor)
    if scope is None:
        return Rectification.objects.none()
    rows = Rectification.objects.filter(scope).select_related(
        "review", "department", "review__item"
    )
    status = filters.status if filters is not None else ("open" if open_only else "all")
    if status == "open":
        rows = rows.exclude(status__in=[*_final()])
    elif status != "all":
        rows = rows.filter(status=status)
    if filters is not None:
        rows = _common(rows, filters, prefix="review__", at="opened_at")
        if filters.overdue:
            from django.utils import timezone

            from onestop.reviews.transitions import RUNNING

            late = Q(due_date__lt=timezone.localdate(), status__in=[str(v) for v in RUNNING])
            rows = rows.filter(late | Q(on_time=False))
    return rows.order_by("due_date", "id")


def console_choices(*, actor: Any) -> dict[str, list[tuple[str, str]]]:
    """The departments and items of the reviews `actor` sees (the console's filter options;
    two queries)."""
    scope = policies.scope_q(actor)
    if scope is None:
        return {"departments": [], "items": []}
    rows = Review.objects.filter(scope, current=True)
    departments = (
        rows.filter(department__isnull=False)
        .values_list("department_id", "department__name_zh", "department__name_en")
        .distinct()
        .order_by("department_id")
    )
    items = (
        rows.filter(item__isnull=False)
        .values_list("item__code", "item__name_zh", "item__name_en")
        .distinct()
        .order_by("item__code")
    )
    from django.utils.translation import get_language

    english = (get_language() or "").startswith("en")

    def name(zh: str, en: str | None) -> str:
        return (en or zh) if english else zh

    return {
        "departments": [(code, name(zh, en)) for code, zh, en in departments],
        "items": [(code, name(zh, en)) for code, zh, en in items],
    }


def _final() -> tuple[str, ...]:
    from onestop.reviews.transitions import FINAL

    return tuple(str(s) for s in FINAL)


def appeals_to_decide(*, actor: Any) -> QuerySet[Rectification]:
    """The appeals waiting for a decision in the regions `actor` supervises."""
    return department_rectifications(actor=actor, open_only=False).filter(
        status=Rectification.Status.APPEALED
    )


def rectification_get(*, actor: Any, pk: Any) -> Rectification:
    """One rectification `actor` may see; NotFound otherwise (also for a malformed id)."""
    try:
        number = int(pk)
    except (TypeError, ValueError):
        number = 0
    found = (
        Rectification.objects.select_related(
            "review", "review__invitation", "review__item", "review__agent", "department"
        )
        .filter(pk=number)
        .first()
    )
    if found is None or not policies.can(actor, policies.VIEW, found):
        raise NotFound(_("There is no such rectification."), code="not_found")
    return found


def rectification_events(*, rectification: Rectification) -> list[Any]:
    return list(rectification.events.select_related("actor").order_by("at", "id"))


def reviewer_identity(*, actor: Any, rectification: Rectification) -> dict[str, str]:
    """The reviewer's real name for the department (the review is anonymous to the public):
    every call is an access to the reviewer's data, recorded through `sharing`."""
    from onestop.sharing.services import access_record

    review = rectification.review
    invitation = review.invitation
    person = review.author or invitation.reviewer
    name = str(getattr(person, "real_name", "") or "") if person is not None else ""
    phone_masked = ""
    if invitation.phone:
        phone = str(invitation.phone)
        phone_masked = f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"
    if invitation.reviewer_index:
        access_record(
            actor=actor,
            subject_index=invitation.reviewer_index,
            dataset="reviews",
            fields=["name", "phone"],
            purpose="review-rectification",
            basis="review",
            case_ref=review.event_ref,
        )
    helper = review.agent
    return {
        "name": name or _("(name not given)"),
        "phone": phone_masked,
        # 帮办代办: the rating was given for the reviewer by their helper
        "helper": str(helper.real_name or helper.username) if helper is not None else "",
    }


# --- public figures -------------------------------------------------------------------------


def _date(value: Any, field: str) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationFailed(
            _("%(field)s must be a date written YYYY-MM-DD.") % {"field": field},
            code="invalid_date",
            details={"field": field},
        ) from None


def _rate(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) / Decimal(whole)).quantize(FOUR) if whole else None


def stats(
    *,
    department: str | None = None,
    item: str | None = None,
    start: Any = None,
    end: Any = None,
) -> dict[str, Any]:
    """The public figures between `start` and `end` (inclusive dates, YYYY-MM-DD), for one
    department and/or item (codes) if given: per department and per item, the number of
    reviews, the satisfaction (share of the three upper levels), the mean level, the bad
    reviews and the share of them rectified on time. Aggregates only."""
    first = _date(start, "from")
    last = _date(end, "to")
    if first and last and first > last:
        raise ValidationFailed(
            _("The period must not end before it starts."),
            code="invalid_period",
            details={"field": "to"},
        )
    rows = DailyStat.objects.all()
    if first:
        rows = rows.filter(day__gte=first)
    if last:
        rows = rows.filter(day__lte=last)
    if department:
        rows = rows.filter(department_id=department)
    if item:
        rows = rows.filter(item__code=item)
    sums = {
        "n": Sum("reviews"),
        "good": Sum("satisfied"),
        "score": Sum("score_sum"),
        "bad_n": Sum("bad"),
        "timely": Sum("rectified_on_time"),
    }
    by_department = (
        rows.filter(department__isnull=False)
        .values("department_id", "department__name_zh", "department__name_en")
        .annotate(**sums)
        .order_by("department_id")
    )
    by_item = (
        rows.filter(item__isnull=False)
        .values("item__code", "item__name_zh", "item__name_en", "department_id")
        .annotate(**sums)
        .order_by("item__code")
    )
    totals = rows.aggregate(**sums)
    computed = rows.order_by("-computed_at").values_list("computed_at", flat=True).first()
    return {
        "from": first,
        "to": last,
        "computed_at": computed,
        "total": _figures(totals),
        "departments": [
            {
                "department": row["department_id"],
                "name_zh": row["department__name_zh"],
                "name_en": row["department__name_en"] or "",
                **_figures(row),
            }
            for row in by_department
        ],
        "items": [
            {
                "item": row["item__code"],
                "name_zh": row["item__name_zh"],
                "name_en": row["item__name_en"] or "",
                "department": row["department_id"],
                **_figures(row),
            }
            for row in by_item
        ],
    }


def _figures(row: dict[str, Any]) -> dict[str, Any]:
    n = int(row.get("n") or 0)
    bad = int(row.get("bad_n") or 0)
    score = int(row.get("score") or 0)
    return {
        "reviews": n,
        "satisfaction": _rate(int(row.get("good") or 0), n),
        "mean_level": (Decimal(score) / Decimal(n)).quantize(Decimal("0.01")) if n else None,
        "bad": bad,
        "rectified_on_time": _rate(int(row.get("timely") or 0), bad),
    }


PANEL_DAYS = 365


def totals(*, department: str | None = None, item: Any = None) -> dict[str, Any]:
    """The public figures of one department (code) or one item (id) over the last
    `PANEL_DAYS` days (the panels of the department and item pages; one query), with the time
    they were computed (`computed_at`: the daily refresh)."""
    from django.db.models import Max
    from django.utils import timezone

    rows = DailyStat.objects.filter(
        day__gte=timezone.localdate() - datetime.timedelta(days=PANEL_DAYS - 1)
    )
    if department is not None:
        rows = rows.filter(department_id=department)
    if item is not None:
        rows = rows.filter(item_id=getattr(item, "pk", item))
    found = rows.aggregate(
        n=Sum("reviews"),
        good=Sum("satisfied"),
        score=Sum("score_sum"),
        bad_n=Sum("bad"),
        timely=Sum("rectified_on_time"),
        computed=Max("computed_at"),
    )
    return {**_figures(found), "computed_at": found["computed"], "days": PANEL_DAYS}


def department_totals(*, department: str) -> dict[str, Any]:
    """The public figures of one department over the last year (one query)."""
    return totals(department=department)


def order_invitation(*, number: str, channel: str) -> EventState | None:
    """The invitation of the 12345 work order `number` through `channel`, with its state
    (None when there is none). The caller has authorised the order (its tracking page, or
    a hotline agent's order page)."""
    found = (
        Invitation.objects.filter(event_kind="order", event_ref=number, channel=channel)
        .select_related("department")
        .first()
    )
    return _states([found])[0] if found is not None else None
