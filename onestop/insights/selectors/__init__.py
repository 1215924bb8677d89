"""Indicators of the 12345 hotline: the three rates (三率) per handling unit per month, the
composite score and ranking, and the month's volumes. See docs/insights.md for the formulas.

These are read-only aggregate queries over the hotline's orders and audit events, reached
through `hotline.selectors.orders_for_statistics` / `order_events_for_statistics` (floor 6,
above hotline): insights groups and counts in the database here and never writes. Every
function runs a constant number of queries, whatever the number of orders: grouped `COUNT`s,
no loop over orders in Python.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from onestop.core.errors import PermissionDenied, ValidationFailed
from onestop.hotline import selectors as hotline_selectors
from onestop.hotline.models import WorkOrder
from onestop.hotline.transitions import OPEN_FOR_DEPARTMENT
from onestop.insights import policies
from onestop.org import selectors as org_selectors

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")
PLACES = Decimal("0.0001")
COUNTS = (
    "dispatched",
    "signed_on_time",
    "callbacks",
    "resolved",
    "satisfied",
    "overdue",
    "returned",
    "reopened",
)

# Weights of the composite score (hotline-practice.md §5.3: Zhungeer Banner weighs response
# 30 %, resolution 35 %, satisfaction 35 %). A unit is scored only when all three rates have a
# denominator (orders dispatched to it and callbacks made): ranking on what is known would put a
# unit that resolved nothing and was never called back at 100 %.
WEIGHTS: dict[str, Decimal] = {
    "response_rate": Decimal("0.30"),
    "resolution_rate": Decimal("0.35"),
    "satisfaction_rate": Decimal("0.35"),
}


@dataclass(frozen=True)
class Row:
    """One handling unit's month: counts, the three rates (ratios 0–1, `None` when the
    denominator is 0), the composite score and its rank (1 = best; `None`: unranked)."""

    department: str
    department_name: str
    dispatched: int = 0
    signed_on_time: int = 0
    callbacks: int = 0
    resolved: int = 0
    satisfied: int = 0
    overdue: int = 0
    returned: int = 0
    reopened: int = 0
    response_rate: Decimal | None = None
    resolution_rate: Decimal | None = None
    satisfaction_rate: Decimal | None = None
    composite: Decimal | None = None
    rank: int | None = None


@dataclass(frozen=True)
class Volume:
    key: str
    label: str
    count: int


@dataclass(frozen=True)
class Volumes:
    """Requests received in the month (merged duplicates left out)."""

    total: int = 0
    category_level1: list[Volume] = field(default_factory=list)
    category_level2: list[Volume] = field(default_factory=list)
    channel: list[Volume] = field(default_factory=list)
    request_type: list[Volume] = field(default_factory=list)


@dataclass(frozen=True)
class Dashboard:
    region: str
    month: datetime.date
    rows: list[Row]
    volumes: Volumes
    whole_region: bool  # False: the actor sees only their own department(s)


# --- where the reads go ---------------------------------------------------------------------


REPLICA = "replica"


def read_db() -> str:
    """The database alias the indicators read from: ``replica`` when `DATABASE_REPLICA_URL`
    configured one (settings), else ``default``. Every aggregate query of insights goes there
    (`.using(read_db())`); the writes of the hotspot cards and tasks never do."""
    return REPLICA if REPLICA in settings.DATABASES else "default"


# --- the month ---------------------------------------------------------------------------------


def current_month(now: datetime.datetime | None = None) -> datetime.date:
    """The first day of the current month in Asia/Shanghai."""
    return timezone.localtime(now or timezone.now(), SHANGHAI).date().replace(day=1)


def parse_month(value: str | None, *, now: datetime.datetime | None = None) -> datetime.date:
    """``YYYY-MM`` → the month's first day; empty → the current month; otherwise
    `ValidationFailed` (400)."""
    text = (value or "").strip()
    if not text:
        return current_month(now)
    match = MONTH.match(text)
    if (
        match is None
        or not 1 <= int(match.group(2)) <= 12
        or not 2000 <= int(match.group(1)) <= 2099
    ):
        raise ValidationFailed(
            _("The month must be written as YYYY-MM (for example 2026-05), from 2000 to 2099."),
            code="invalid_month",
            details={"month": text[:20]},
        )
    return datetime.date(int(match.group(1)), int(match.group(2)), 1)


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[start, end) of `month` as aware datetimes, midnight to midnight in Asia/Shanghai."""
    first = month.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    start = datetime.datetime.combine(first, datetime.time(0), tzinfo=SHANGHAI)
    end = datetime.datetime.combine(following, datetime.time(0), tzinfo=SHANGHAI)
    return start, end


# --- scope -------------------------------------------------------------------------------------


def _check_region(region: str) -> str:
    code = (region or "").strip()
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        raise ValidationFailed(_("A region is a six-digit GB/T 2260 code."), code="invalid_region")
    return code


def _scope(actor: Any, region: str) -> frozenset[str] | None:
    if not policies.can(actor, policies.VIEW_HOTLINE, region):
        raise PermissionDenied(
            _(
                "Only supervisors, administrators and department officers of this region may see "
                "the hotline indicators."
            ),
            code="forbidden",
        )
    return policies.department_scope(actor, region)


def check_scope(actor: Any, region: str) -> tuple[str, frozenset[str] | None]:
    """The checked region code and the departments `actor` may read there (`None`: all);
    `PermissionDenied` for those who may not see the indicators."""
    code = _check_region(region)
    return code, _scope(actor, code)


# --- the three rates ---------------------------------------------------------------------------


def ratio(numerator: int, denominator: int) -> Decimal | None:
    """numerator / denominator rounded half-up to 4 places; `None` when the denominator is 0."""
    if denominator == 0:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(PLACES, rounding=ROUND_HALF_UP)


def composite(row: Row) -> Decimal | None:
    """The weighted mean of the three rates (`WEIGHTS`); `None` when any of them has no
    denominator (the unit is then not ranked: `unranked_reason` says why)."""
    rates = [(w, getattr(row, name)) for name, w in WEIGHTS.items()]
    if any(r is None for _w, r in rates):
        return None
    total = sum((w for w, _r in rates), Decimal(0))
    score = sum((w * r for w, r in rates), Decimal(0)) / total
    return score.quantize(PLACES, rounding=ROUND_HALF_UP)


def unranked_reason(row: Row) -> str:
    """Why `row` has no rank ("" when it has one)."""
    if row.composite is not None:
        return ""
    if row.dispatched == 0:
        return str(_("No orders dispatched this month"))
    return str(_("No callbacks yet: resolution and satisfaction are not known"))


def rank(rows: list[Row]) -> list[Row]:
    """Rows with their rank by composite score, best first ("1, 2, 2, 4" on ties), then the
    unranked ones; equal scores are listed by department code."""
    scored = sorted(
        (r for r in rows if r.composite is not None),
        key=lambda r: (-r.composite, r.department),  # type: ignore[operator]
    )
    ranked: list[Row] = []
    for position, row in enumerate(scored, start=1):
        same = ranked and ranked[-1].composite == row.composite
        ranked.append(replace(row, rank=ranked[-1].rank if same else position))
    rest = sorted((r for r in rows if r.composite is None), key=lambda r: r.department)
    return ranked + [replace(r, rank=None) for r in rest]


def order_window(region: str, departments: frozenset[str] | None = None) -> Any:
    """The work orders the three rates count: dispatched to a lead department, merged
    duplicates left out, and not handed over to 110 / 119 / 120 (an emergency that left the
    hotline's handling counts in none of the three rates of the unit that held it)."""
    window = (
        hotline_selectors.orders_for_statistics(region=region)
        .using(read_db())
        .filter(lead_department__isnull=False)
        .exclude(status=WorkOrder.Status.TRANSFERRED)
    )
    if departments is not None:
        window = window.filter(lead_department__in=sorted(departments))
    return window


OWED = Q(status__in=OPEN_FOR_DEPARTMENT)
REPLIED_LATE = Q(replied_at__isnull=False, replied_at__gt=F("resolve_by"))

# The counts of an order that do not move with the clock (the daily rollup `HotlineDay` stores
# them per dispatch day). Overdue does move for an order the department still owes: it is
# overdue once its deadline passed (and stays so while it is owed), so the rollup counts the
# owed orders overdue when rolled, and the pages count live only the owed orders whose
# deadline was still ahead then (`_counts`).
SETTLED = {
    "dispatched": Count("pk"),
    "signed_on_time": Count(
        "pk",
        filter=Q(signed_at__isnull=False, respond_by__isnull=False, signed_at__lte=F("respond_by")),
    ),
    "callbacks": Count("pk", filter=Q(callback_satisfied__isnull=False)),
    "resolved": Count("pk", filter=Q(callback_satisfied__isnull=False, callback_resolved=True)),
    "satisfied": Count("pk", filter=Q(callback_satisfied=True)),
}


def overdue_at(moment: datetime.datetime) -> Count:
    """The orders overdue at `moment`: replied after the deadline, or still owed by the
    department with the deadline passed."""
    return Count("pk", filter=REPLIED_LATE | (OWED & Q(resolve_by__lt=moment)))


def day_ranges(days: list[datetime.date]) -> list[tuple[datetime.date, datetime.date]]:
    """Sorted days as runs of consecutive days [(first, last), ...]."""
    ranges: list[tuple[datetime.date, datetime.date]] = []
    for day in sorted(days):
        if ranges and ranges[-1][1] + datetime.timedelta(days=1) == day:
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return ranges


def rolled_days(
    region: str, first: datetime.date, last: datetime.date
) -> dict[datetime.date, datetime.datetime]:
    """The days from `first` to `last` whose rollup rows are written, with the time they were
    rolled (one query)."""
    from onestop.insights.models import RolledDay

    return dict(
        RolledDay.objects.using(read_db())
        .filter(region=region, day__gte=first, day__lte=last)
        .values_list("day", "rolled_at")
    )


def rolled_q(days: Any) -> Q:
    """The rollup rows of `days` (the marked days): a range of days, less the holes in it (a
    day's rows are written and replaced together with its mark)."""
    ordered = sorted(days)
    q = Q(day__gte=ordered[0], day__lte=ordered[-1])
    present = set(ordered)
    holes = [
        ordered[0] + datetime.timedelta(days=i)
        for i in range((ordered[-1] - ordered[0]).days + 1)
        if ordered[0] + datetime.timedelta(days=i) not in present
    ]
    return q & ~Q(day__in=holes) if holes else q


def _day_bounds(first: datetime.date, last: datetime.date) -> Q:
    start = datetime.datetime.combine(first, datetime.time(0), tzinfo=SHANGHAI)
    end = datetime.datetime.combine(
        last + datetime.timedelta(days=1), datetime.time(0), tzinfo=SHANGHAI
    )
    return Q(dispatched_at__gte=start, dispatched_at__lt=end)


def _counts(
    region: str,
    departments: frozenset[str] | None,
    start: datetime.datetime,
    end: datetime.datetime,
    now: datetime.datetime,
    *,
    rolled: dict[datetime.date, datetime.datetime] | None = None,
) -> dict[str, dict[str, int]]:
    """Per lead department, the counts of the orders dispatched in [start, end): the closed
    days rolled up by the worker from `HotlineDay` (one query, and one for the marks of the
    rolled days), the other days from the orders together with the owed orders of the rolled
    days that became overdue since their roll (one query), and the return / reopen counts from
    the audit trail (one query)."""
    from onestop.insights.models import HotlineDay

    window = order_window(region, departments)
    first = timezone.localtime(start, SHANGHAI).date()
    last = timezone.localtime(end, SHANGHAI).date() - datetime.timedelta(days=1)
    today = timezone.localtime(now, SHANGHAI).date()
    if rolled is None:
        rolled = rolled_days(region, first, min(last, today - datetime.timedelta(days=1)))
    live = [
        first + datetime.timedelta(days=i)
        for i in range((last - first).days + 1)
        if first + datetime.timedelta(days=i) not in rolled
    ]
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))

    def add(code: str, values: dict[str, Any]) -> None:
        row = counts[code]
        for name in ("dispatched", "signed_on_time", "callbacks", "resolved", "satisfied"):
            row[name] += int(values[name] or 0)
        row["overdue"] += int(values["overdue"] or 0)

    # The orders of the rolled days still owed whose deadline was ahead when their day was
    # rolled and has passed since: overdue now, not in the rollup's count (one condition per
    # roll, over the owed orders by deadline).
    pending = Q(dispatched_at__isnull=True)  # nothing
    by_roll: dict[datetime.datetime, list[datetime.date]] = defaultdict(list)
    for day, rolled_at in rolled.items():
        by_roll[rolled_at].append(day)
    for rolled_at, days in by_roll.items():
        if rolled_at >= now:
            continue
        for a, b in day_ranges(days):
            pending |= _day_bounds(a, b) & Q(resolve_by__gte=rolled_at)
    pending &= OWED & ~REPLIED_LATE & Q(resolve_by__lt=now)
    if rolled:
        stored = HotlineDay.objects.using(read_db()).filter(
            org_selectors.region_q(region, "region"), rolled_q(rolled)
        )
        if departments is not None:
            stored = stored.filter(department__in=sorted(departments))
        sums = {name: Sum(name) for name in (*SETTLED, "overdue")}
        for values in stored.order_by().values("department").annotate(**sums):
            add(values["department"], values)
    # One query over the orders of the days not rolled up and the pending ones.
    live_q = Q(dispatched_at__isnull=True)  # nothing
    for a, b in day_ranges(live):
        live_q |= _day_bounds(a, b)
    aggregates = {
        name: Count("pk", filter=live_q & count.filter)
        if count.filter
        else Count("pk", filter=live_q)
        for name, count in SETTLED.items()
    }
    overdue = overdue_at(now)
    grouped = (
        window.filter(live_q | pending, dispatched_at__gte=start, dispatched_at__lt=end)
        .order_by()
        .values("lead_department")
        .annotate(
            **aggregates,
            overdue=Count("pk", filter=live_q & overdue.filter),
            pending=Count("pk", filter=pending),
        )
    )
    for values in grouped:
        add(values["lead_department"], values)
        counts[values["lead_department"]]["overdue"] += values["pending"]
    events = (
        hotline_selectors.order_events_for_statistics(region=region, kinds=("return", "reopen"))
        .using(read_db())
        .filter(department__isnull=False, at__gte=start, at__lt=end)
    )
    if departments is not None:
        events = events.filter(department__in=sorted(departments))
    audit = events.order_by().values("department", "kind").annotate(n=Count("order", distinct=True))
    for values in audit:
        name = "returned" if values["kind"] == "return" else "reopened"
        counts[values["department"]][name] = values["n"]
    return dict(counts)


def _rows(
    region: str,
    departments: frozenset[str] | None,
    month: datetime.date,
    now: datetime.datetime,
) -> list[Row]:
    start, end = month_bounds(month)
    return rows_between(region, departments, start, end, now)


def rows_between(
    region: str,
    departments: frozenset[str] | None,
    start: datetime.datetime,
    end: datetime.datetime,
    now: datetime.datetime,
    *,
    rolled: dict[datetime.date, datetime.datetime] | None = None,
) -> list[Row]:
    """The ranked three-rates rows of the orders dispatched in [start, end) (the month page
    and the steering dashboards' period share it); `departments` as `policies.department_scope`;
    `rolled`: the marks of the rolled-up days of the period when the caller has read them."""
    if start > now:
        return []  # a future month: nothing dispatched yet
    counts = _counts(region, departments, start, end, now, rolled=rolled)
    if not counts:
        return []
    names = {
        d.code: str(d.name)
        for d in org_selectors.department_list().using(read_db()).filter(code__in=sorted(counts))
    }
    rows: list[Row] = []
    for code, values in counts.items():
        row = Row(
            department=code,
            department_name=names.get(code, code),
            **{name: values.get(name, 0) for name in COUNTS},  # type: ignore[arg-type]
        )
        row = replace(
            row,
            response_rate=ratio(row.signed_on_time, row.dispatched),
            resolution_rate=ratio(row.resolved, row.callbacks),
            satisfaction_rate=ratio(row.satisfied, row.callbacks),
        )
        rows.append(replace(row, composite=composite(row)))
    return rank(rows)


def three_rates(
    *,
    actor: Any,
    region: str,
    month: datetime.date,
    now: datetime.datetime | None = None,
) -> list[Row]:
    """The three rates of every handling unit of `region` for `month` that `actor` may see
    (a department officer: their own department only), ranked. Orders count in the month in
    which they were (last) dispatched; merged duplicates are left out. Raises
    `PermissionDenied` for anyone else, `ValidationFailed` for a malformed region."""
    code = _check_region(region)
    departments = _scope(actor, code)
    return _rows(code, departments, month, now or timezone.now())


# --- volumes -----------------------------------------------------------------------------------


def _volumes(counter: dict[str, int], labels: dict[str, str]) -> list[Volume]:
    return [
        Volume(key=key, label=labels.get(key, key), count=n)
        for key, n in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def _volumes_of(
    region: str,
    departments: frozenset[str] | None,
    month: datetime.date,
    now: datetime.datetime,
) -> Volumes:
    start, end = month_bounds(month)
    if start > now:
        return Volumes()
    received = (
        hotline_selectors.orders_for_statistics(region=region)
        .using(read_db())
        .filter(created_at__gte=start, created_at__lt=end)
    )
    if departments is not None:
        received = received.filter(lead_department__in=sorted(departments))
    # One grouped query; its rows are bounded by categories x channels x request types.
    grouped = list(
        received.order_by().values("category", "channel", "request_type").annotate(n=Count("pk"))
    )
    if not grouped:
        return Volumes()
    categories = {c.code: c for c in hotline_selectors.category_list().using(read_db())}

    def ancestor(code: str, level: int) -> str:
        node = categories.get(code)
        while node is not None and node.level > level and node.parent_id:
            node = categories.get(node.parent_id)
        return node.code if node is not None else code

    level1: dict[str, int] = defaultdict(int)
    level2: dict[str, int] = defaultdict(int)
    channel: dict[str, int] = defaultdict(int)
    request_type: dict[str, int] = defaultdict(int)
    for values in grouped:
        n = values["n"]
        level1[ancestor(values["category"], 1)] += n
        level2[ancestor(values["category"], 2)] += n
        channel[values["channel"]] += n
        request_type[values["request_type"]] += n
    names = {code: str(c.name) for code, c in categories.items()}
    return Volumes(
        total=sum(level1.values()),
        category_level1=_volumes(level1, names),
        category_level2=_volumes(level2, names),
        channel=_volumes(channel, {k: str(v) for k, v in WorkOrder.Channel.choices}),
        request_type=_volumes(request_type, {k: str(v) for k, v in WorkOrder.RequestType.choices}),
    )


def hotline_volumes(
    *,
    actor: Any,
    region: str,
    month: datetime.date,
    now: datetime.datetime | None = None,
) -> Volumes:
    """Requests received (created) in `month` in `region` by category (level 1 and level 2),
    channel and request type, merged duplicates left out; a department officer counts only
    the orders their department leads."""
    code = _check_region(region)
    departments = _scope(actor, code)
    return _volumes_of(code, departments, month, now or timezone.now())


def hotline_dashboard(
    *,
    actor: Any,
    region: str,
    month: datetime.date,
    now: datetime.datetime | None = None,
) -> Dashboard:
    """`three_rates` and `hotline_volumes` of one month, checked once."""
    code = _check_region(region)
    departments = _scope(actor, code)
    moment = now or timezone.now()
    return Dashboard(
        region=code,
        month=month,
        rows=_rows(code, departments, month, moment),
        volumes=_volumes_of(code, departments, month, moment),
        whole_region=departments is None,
    )
