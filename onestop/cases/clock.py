"""The time limit of item cases, in working days on the official calendar.

An item case promises a result within `promised_days` working days from the day it was
accepted (the day of acceptance is not counted; 0 = on the spot, due the same day). While
the applicant is asked for supplements the clock stops (`pause`, `resume`): the working days
spent waiting move the due date on. The due date itself is the last day of the limit: a case
is overdue from the day after it.

`tick` runs periodically (`onestop cases_tick`, the worker task `cases.tasks.tick`, and the
ticker of `onestop serve`): it warns the department's officers once when 80% of the limit is
used, and escalates overdue cases to the region's supervisors once. Paused cases never warn
or escalate (their clock is stopped).
"""

from __future__ import annotations

import datetime
import logging
import math
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from onestop.accounts import selectors as accounts_selectors
from onestop.accounts.models import StaffRole
from onestop.accounts.policies import region_covers
from onestop.cases.models import Case, CaseEvent
from onestop.core import calendar, dates
from onestop.notify import templates as notify_templates

logger = logging.getLogger(__name__)

WARN_FRACTION = 0.8
# Item cases whose clock runs: accepted and not yet decided.
RUNNING = (Case.Status.ACCEPTED,)

for _template in (
    notify_templates.MessageTemplate(
        key="case.warned",
        subject_zh="办件即将超期",
        body_zh="办件 {number}（{item}）已用去承诺时限的 80% 以上，请于 {due} 前办结。",
        subject_en="A case is close to its time limit",
        body_en=(
            "Case {number} ({item}) has used more than 80% of its promised time limit; "
            "please finish it by {due}."
        ),
    ),
    notify_templates.MessageTemplate(
        key="case.pledge_overdue",
        subject_zh="容缺材料逾期未补",
        body_zh="办件 {number}（{item}）容缺受理的材料应于 {due} 前补齐，至今未补：{materials}。",
        subject_en="Pledged materials not supplied",
        body_en=(
            "Case {number} ({item}) was accepted against a pledge to supply materials by {due}; "
            "they have not been supplied: {materials}."
        ),
    ),
    notify_templates.MessageTemplate(
        key="case.escalated",
        subject_zh="办件超期督办",
        body_zh=(
            "办件 {number}（{item}，{department}）已超过承诺时限（应于 {due} 前办结），请督办。"
        ),
        subject_en="Overdue case escalated",
        body_en=(
            "Case {number} ({item}, {department}) is past its promised time limit (due {due}); "
            "please follow it up."
        ),
    ),
):
    notify_templates.register(_template)


def due_date_for(
    *, start: datetime.date, promised_days: int, paused_working_days: int = 0
) -> datetime.date:
    """The last day of a limit of `promised_days` working days counted from `start` (the
    acceptance date, not counted itself), moved on by the working days spent paused."""
    if promised_days < 0 or paused_working_days < 0:
        raise ValueError("days must not be negative")
    return calendar.add_working_days(start, promised_days + paused_working_days)


def _local_date(moment: datetime.datetime | datetime.date) -> datetime.date:
    if isinstance(moment, datetime.datetime):
        if timezone.is_aware(moment):
            return timezone.localdate(moment)
        return moment.date()
    return moment


def start_date(case: Case) -> datetime.date | None:
    """The acceptance date of `case` (its own, else its bundle's), in local time."""
    accepted = case.accepted_at
    if accepted is None and case.parent_id is not None:
        accepted = case.top.accepted_at
    return _local_date(accepted) if accepted is not None else None


def pause(case: Case, *, now: datetime.datetime | None = None) -> None:
    """Stop the clock of `case` (a supplement was requested). No save: the caller saves.
    Pausing a paused case changes nothing."""
    if case.paused_since is None:
        case.paused_since = now or timezone.now()


def resume(case: Case, *, now: datetime.datetime | None = None) -> None:
    """Restart the clock: the working days since `paused_since` (after the day it stopped,
    up to and including today) are added to `paused_working_days` and the due date moves on.
    No save: the caller saves. Resuming a running clock changes nothing."""
    if case.paused_since is None:
        return
    today = _local_date(now or timezone.now())
    waited = max(0, calendar.working_days_between(_local_date(case.paused_since), today))
    case.paused_working_days = (case.paused_working_days or 0) + waited
    case.paused_since = None
    start = start_date(case)
    if start is not None and case.promised_days is not None:
        case.due_date = due_date_for(
            start=start,
            promised_days=case.promised_days,
            paused_working_days=case.paused_working_days,
        )


def used_days(case: Case, *, today: datetime.date | None = None) -> int:
    """Working days of the limit used so far (paused days excluded; 0 before acceptance)."""
    start = start_date(case)
    if start is None:
        return 0
    day = today or timezone.localdate()
    if case.paused_since is not None:
        day = min(day, _local_date(case.paused_since))
    return max(0, calendar.working_days_between(start, day) - (case.paused_working_days or 0))


def used_fraction(case: Case, *, today: datetime.date | None = None) -> float:
    """Share of the promised limit used: 0.0 at acceptance, 1.0 on the due date, above 1.0
    when overdue. An on-the-spot item (0 days) is at 0.0 on its day and 1.0 + the days late
    afterwards. A case without a limit is at 0.0."""
    if case.promised_days is None:
        return 0.0
    used = used_days(case, today=today)
    if case.promised_days == 0:
        return 0.0 if used == 0 else 1.0 + used
    return used / case.promised_days


def remaining_days(case: Case, *, today: datetime.date | None = None) -> int | None:
    """Working days left until the due date (negative when overdue), or None without one."""
    if case.due_date is None:
        return None
    return calendar.working_days_between(today or timezone.localdate(), case.due_date)


# --- the periodic tick ------------------------------------------------------------------


def _warn_filter(today: datetime.date, promised_values: list[int]) -> Q:
    """Cases with 80% used: remaining working days <= promised - ceil(0.8 * promised), i.e.
    due on or before that many working days from today (one condition per promised value)."""
    condition = Q(pk__in=[])
    for promised in promised_values:
        if promised <= 0:
            continue  # an on-the-spot item has no 80% point; it can only be overdue
        left = promised - math.ceil(WARN_FRACTION * promised - 1e-9)
        threshold = calendar.add_working_days(today, left)
        condition |= Q(promised_days=promised, due_date__lte=threshold)
    return condition


def _officers(case: Case) -> list[Any]:
    """The department officers who reach `case` (its department, or region-wide)."""
    users = []
    seen: set[int] = set()
    roles = accounts_selectors.role_holders(
        role=StaffRole.Role.DEPARTMENT_OFFICER,
        departments=[case.department_id] if case.department_id else [],
        region_wide=True,
    )
    for role in roles:
        if not region_covers(role.region_id, case.region_id) or not role.user.is_active:
            continue
        if role.user_id not in seen:
            seen.add(role.user_id)
            users.append(role.user)
    return users


def _supervisors(case: Case) -> list[Any]:
    users = []
    seen: set[int] = set()
    for role in accounts_selectors.role_holders(role=StaffRole.Role.SUPERVISOR):
        if not region_covers(role.region_id, case.region_id) or not role.user.is_active:
            continue
        if role.user_id not in seen:
            seen.add(role.user_id)
            users.append(role.user)
    return users


def _named(obj: Any, language: str) -> str:
    """A catalogue or org name in `language` (Chinese when there is no English one)."""
    if obj is None:
        return ""
    english = str(getattr(obj, "name_en", "") or "")
    return english if language.startswith("en") and english else str(obj.name_zh)


def _context(case: Case, language: str) -> dict[str, str]:
    """A staff notice's values in the recipient's language, the due day their local date."""
    return {
        "number": case.number or "",
        "item": _named(case.item, language),
        "department": _named(case.department, language),
        "due": dates.date_text(case.due_date, language),
    }


def _notify(case: Case, users: list[Any], *, template: str) -> int:
    from onestop.notify import services as notify_services

    sent = 0
    for user in users:
        notify_services.notification_send(
            template=template,
            context=_context(case, notify_services.recipient_language(user)),
            recipient_user=user,
            channels=("in_app",),
            dedupe_key=f"{template}:{case.pk}:{user.pk}",
        )
        sent += 1
    return sent


def _running() -> Any:
    # A mirror of another region's case runs on the handling node's calendar, not here.
    return Case.objects.filter(
        kind=Case.Kind.ITEM,
        status__in=RUNNING,
        paused_since__isnull=True,
        due_date__isnull=False,
        promised_days__isnull=False,
        handling_region__in=("", settings.NODE_REGION),
    )


def _warn_one(pk: Any, moment: datetime.datetime) -> bool:
    with transaction.atomic():
        case = (
            Case.objects.select_for_update()
            .filter(pk=pk, warned_at__isnull=True, paused_since__isnull=True, status__in=RUNNING)
            .first()
        )
        if case is None:
            return False
        case.warned_at = moment
        case.save(update_fields=["warned_at", "updated_at"])
        CaseEvent.objects.create(
            case=case,
            kind=CaseEvent.Kind.WARNED,
            at=moment,
            data={
                "due_date": case.due_date.isoformat() if case.due_date else None,
                "used": round(used_fraction(case, today=_local_date(moment)), 3),
            },
        )
        _notify(case, _officers(case), template="case.warned")
        return True


def _escalate_one(pk: Any, moment: datetime.datetime) -> bool:
    with transaction.atomic():
        case = (
            Case.objects.select_for_update()
            .filter(pk=pk, escalated_at__isnull=True, paused_since__isnull=True, status__in=RUNNING)
            .first()
        )
        if case is None:
            return False
        case.escalated_at = moment
        case.save(update_fields=["escalated_at", "updated_at"])
        CaseEvent.objects.create(
            case=case,
            kind=CaseEvent.Kind.ESCALATED,
            at=moment,
            data={"due_date": case.due_date.isoformat() if case.due_date else None},
        )
        _notify(case, _supervisors(case), template="case.escalated")
        return True


# Applications accepted against a pledge whose materials are still owed.
PLEDGE_OPEN = (Case.Status.ACCEPTED, Case.Status.SUPPLEMENT)


def _pledge_flagged(case: Case) -> bool:
    return CaseEvent.objects.filter(
        case=case, kind=CaseEvent.Kind.WARNED, data__pledge=True
    ).exists()


def _pledge_one(pk: Any, moment: datetime.datetime, today: datetime.date) -> bool:
    """Flag one application whose pledge is overdue (event WARNED with {"pledge": true} on the
    top case) and tell the region's supervisors, once."""
    from onestop.cases.models import CaseMaterial

    with transaction.atomic():
        case = (
            Case.objects.select_for_update()
            .filter(pk=pk, parent__isnull=True, status__in=PLEDGE_OPEN, pledge_due__lt=today)
            .first()
        )
        if case is None or _pledge_flagged(case):
            return False
        owed = list(case.materials.filter(mode=CaseMaterial.Mode.PLEDGED).order_by("key"))
        if not owed:
            return False
        CaseEvent.objects.create(
            case=case,
            kind=CaseEvent.Kind.WARNED,
            at=moment,
            data={
                "pledge": True,
                "pledge_due": case.pledge_due.isoformat() if case.pledge_due else None,
                "materials": [m.key for m in owed],
            },
        )
        subject = case.scenario or case.item
        from onestop.notify import services as notify_services

        for user in _supervisors(case):
            language = notify_services.recipient_language(user)
            english = language.startswith("en")
            context = {
                "number": case.number or "",
                "item": _named(subject, language),
                "due": dates.date_text(case.pledge_due, language),
                "materials": (", " if english else "、").join(_named(m, language) for m in owed),
            }
            notify_services.notification_send(
                template="case.pledge_overdue",
                context=context,
                recipient_user=user,
                channels=("in_app",),
                dedupe_key=f"case.pledge_overdue:{case.pk}:{user.pk}",
            )
        return True


def pledges_overdue(*, today: datetime.date) -> Any:
    """Top cases accepted against a pledge, past its date, with pledged materials still owed."""
    from onestop.cases.models import CaseMaterial

    owing = CaseMaterial.objects.filter(mode=CaseMaterial.Mode.PLEDGED).values("case_id")
    return Case.objects.filter(
        parent__isnull=True,
        status__in=PLEDGE_OPEN,
        pledge_due__isnull=False,
        pledge_due__lt=today,
        pk__in=owing,
    ).order_by("pledge_due", "number")


def tick(*, now: datetime.datetime | None = None) -> dict[str, list[str]]:
    """Warn at 80% and escalate overdue item cases, each once, and flag applications whose
    pledged materials are overdue, once; returns the case numbers {"warned": [...],
    "escalated": [...], "pledges": [...]}. Safe to run from several workers at once (each case
    is locked and re-checked)."""
    moment = now or timezone.now()
    today = _local_date(moment)
    running = _running()

    promised_values = sorted(
        set(
            running.filter(warned_at__isnull=True)
            .values_list("promised_days", flat=True)
            .distinct()
        )
    )
    warned: list[str] = []
    to_warn = (
        running.filter(warned_at__isnull=True)
        .filter(_warn_filter(today, promised_values))
        .order_by("due_date", "number")
        .values_list("pk", "number")
    )
    for pk, number in list(to_warn):
        if _warn_one(pk, moment):
            warned.append(number)

    escalated: list[str] = []
    overdue = (
        running.filter(escalated_at__isnull=True, due_date__lt=today)
        .order_by("due_date", "number")
        .values_list("pk", "number")
    )
    for pk, number in list(overdue):
        if _escalate_one(pk, moment):
            escalated.append(number)
    pledges: list[str] = []
    flagged = CaseEvent.objects.filter(kind=CaseEvent.Kind.WARNED, data__pledge=True).values(
        "case_id"
    )
    overdue_pledges = pledges_overdue(today=today).exclude(pk__in=flagged)
    for pk, number in list(overdue_pledges.values_list("pk", "number")):
        if _pledge_one(pk, moment, today):
            pledges.append(number)
    if warned or escalated or pledges:
        logger.info(
            "cases tick: %s warned, %s escalated, %s pledges overdue",
            len(warned),
            len(escalated),
            len(pledges),
        )
    return {"warned": warned, "escalated": escalated, "pledges": pledges}
