"""The steering dashboards: the centre director's (every department of the region) and the
department head's (their own department), one selector for both (`steering`), scoped by
`insights.policies.department_scope`. See docs/insights.md "Steering dashboards".

Every figure is a grouped query over the period (`Filters`): the number of queries does not
grow with the number of cases, orders or tickets, only the grouped rows are walked in Python
(days × departments × items at most). The reads go to `read_db()` (the replica when one is
configured).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from onestop.cases import selectors as case_selectors
from onestop.catalog import selectors as catalog_selectors
from onestop.core import calendar, figures, memo
from onestop.core.errors import ValidationFailed
from onestop.insights.selectors import (
    SHANGHAI,
    Row,
    check_scope,
    day_ranges,
    ratio,
    read_db,
    rolled_days,
    rolled_q,
    rows_between,
)
from onestop.org import selectors as org_selectors

# The catalogue's item-by-item comparison of each scenario (a few queries per scenario): kept
# five minutes per process, as a catalogue change reaches the figures that long after.
_COMPARISONS: memo.TTLCache[int, dict[str, dict[str, int]]] = memo.TTLCache(
    "insights.scenario_comparisons", 300
)
MAX_DAYS = 366
DEFAULT_DAYS = 30
CHANNELS = ("online", "window")


@dataclass(frozen=True)
class Filters:
    """What the dashboard shows: the days `start`..`end` (inclusive, Asia/Shanghai), and
    optionally one department (code), one item (code) and one channel (online / window; the
    case figures only: the hotline has channels of its own)."""

    start: datetime.date
    end: datetime.date
    department: str = ""
    item: str = ""
    channel: str = ""

    def query(self) -> dict[str, str]:
        """The filters as the page's query string (for the export links)."""
        values = {"from": f"{self.start:%Y-%m-%d}", "to": f"{self.end:%Y-%m-%d}"}
        for name in ("department", "item", "channel"):
            if getattr(self, name):
                values[name] = getattr(self, name)
        return values


@dataclass(frozen=True)
class Day:
    day: datetime.date
    received: int = 0
    decided: int = 0


@dataclass
class LimitRow:
    """The time-limit figures of one department or item over the period."""

    code: str
    name: str
    received: int = 0
    decided: int = 0
    kept: int = 0  # decided on or before the due date
    late: int = 0  # decided after the due date
    overdue_open: int = 0  # still open past the due date now
    working_days: int = 0  # sum over the decided cases (clock stops left out)
    promised_days: int = 0  # sum of their promised working days
    supplements: int = 0  # supplement requests made in the period

    @property
    def kept_rate(self) -> Decimal | None:
        return ratio(self.kept, self.kept + self.late)

    @property
    def average_days(self) -> Decimal | None:
        return _mean(self.working_days, self.decided)

    @property
    def average_promised(self) -> Decimal | None:
        return _mean(self.promised_days, self.decided)

    @property
    def supplements_per_case(self) -> Decimal | None:
        return _mean(self.supplements, self.received, places="0.01")


@dataclass(frozen=True)
class QueueRow:
    centre: str
    name: str
    tickets: int
    served: int
    wait_minutes: Decimal | None
    service_minutes: Decimal | None


@dataclass(frozen=True)
class BurdenRow:
    """Completed bundles of one scenario in the period against going item by item."""

    scenario: str
    name: str
    cases: int
    visits_saved: int
    materials_saved: int
    forms_saved: int
    days_saved: int  # promised working days item by item minus the bundle's (parallel) limit


@dataclass(frozen=True)
class ReviewRow:
    department: str
    name: str
    reviews: int
    satisfaction: Decimal | None
    bad: int
    rectified_on_time: Decimal | None


@dataclass(frozen=True)
class BenefitRow:
    """The offers of one benefit rule (免申即享) whose holders became eligible in the period."""

    rule: str
    name: str
    offers: int
    taken_up: int  # confirmed, or granted without confirmation
    paid: int  # the paying department recorded the payment
    waiting: int
    declined: int
    uptake: Decimal | None
    median_days_to_uptake: Decimal | None  # eligibility → confirmation or grant
    median_days: Decimal | None  # eligibility → payment


@dataclass(frozen=True)
class Steering:
    region: str
    filters: Filters
    whole_region: bool
    days: list[Day]
    channels: dict[str, int]
    departments: list[LimitRow]
    items: list[LimitRow]
    queue: list[QueueRow]
    hotline: list[Row]
    reviews: list[ReviewRow] | None  # None: no provider of review figures
    burden: list[BurdenRow]
    benefits: list[BenefitRow] | None = None  # None: no provider of benefit figures
    # False: the benefits policy gives the actor no benefit figures (an administrator who is
    # not a supervisor, an officer of a department that grants none): the page says so
    benefits_in_scope: bool = True
    choices: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    @property
    def received(self) -> int:
        return sum(d.received for d in self.days)

    @property
    def decided(self) -> int:
        return sum(d.decided for d in self.days)

    @property
    def online_share(self) -> Decimal | None:
        return ratio(self.channels.get("online", 0), sum(self.channels.values()))

    @property
    def totals(self) -> LimitRow:
        total = LimitRow(code="", name=_("All"))
        for row in self.departments:
            for name in (
                "received",
                "decided",
                "kept",
                "late",
                "overdue_open",
                "working_days",
                "promised_days",
                "supplements",
            ):
                setattr(total, name, getattr(total, name) + getattr(row, name))
        return total


def _mean(total: int, n: int, places: str = "0.1") -> Decimal | None:
    if not n:
        return None
    return (Decimal(total) / Decimal(n)).quantize(Decimal(places))


# --- the filters --------------------------------------------------------------------------------


def _date(value: str | None, name: str, key: str) -> datetime.date | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        parsed = datetime.date.fromisoformat(text) if len(text) == 10 and text.isascii() else None
    except ValueError:
        parsed = None
    if parsed is None or not 2000 <= parsed.year <= 2099:
        raise ValidationFailed(
            _("%(field)s must be a date written YYYY-MM-DD (for example 2026-05-01).")
            % {"field": name},
            code="invalid_date",
            details={"field": key},
        )
    return parsed


def parse_filters(
    params: Any, *, now: datetime.datetime | None = None, region: str | None = None
) -> Filters:
    """The filters from a query string (`from`, `to`, `department`, `item`, `channel`); the
    default period is the last 30 days up to today (Asia/Shanghai). `ValidationFailed` (400)
    for a malformed date, an inverted or over-long period or an unknown channel."""
    today = timezone.localtime(now or timezone.now(), SHANGHAI).date()
    end = _date(params.get("to"), _("To"), "to") or today
    start = _date(params.get("from"), _("From"), "from") or end - datetime.timedelta(
        days=DEFAULT_DAYS - 1
    )
    if start > end:
        raise ValidationFailed(
            _("The period must not end before it starts."),
            code="invalid_period",
            details={"field": "to"},
        )
    if (end - start).days + 1 > MAX_DAYS:
        raise ValidationFailed(
            _("Choose a period of at most %(days)s days.") % {"days": MAX_DAYS},
            code="invalid_period",
            details={"field": "from"},
        )
    channel = (params.get("channel") or "").strip()
    if channel and channel not in CHANNELS:
        raise ValidationFailed(
            _("Choose the channel from the list."),
            code="invalid_channel",
            details={"field": "channel"},
        )
    department = (params.get("department") or "").strip()[:80]
    item = (params.get("item") or "").strip()[:40]
    return Filters(start=start, end=end, department=department, item=item, channel=channel)


def _bounds(filters: Filters) -> tuple[datetime.datetime, datetime.datetime]:
    start = datetime.datetime.combine(filters.start, datetime.time(0), tzinfo=SHANGHAI)
    end = datetime.datetime.combine(
        filters.end + datetime.timedelta(days=1), datetime.time(0), tzinfo=SHANGHAI
    )
    return start, end


# --- working days -------------------------------------------------------------------------------


def working_day_counter(
    first: datetime.date, last: datetime.date
) -> Callable[[datetime.date, datetime.date], int]:
    """A function (a, b) → working days after `a` up to and including `b` (0 when b ≤ a), from
    one pass over the official calendar between `first` and `last`."""
    prefix: dict[datetime.date, int] = {}
    count = 0
    day = first
    while day <= last:
        if day != first and calendar.is_working_day(day):
            count += 1
        prefix[day] = count
        day += datetime.timedelta(days=1)

    def between(a: datetime.date, b: datetime.date) -> int:
        if b <= a:
            return 0
        return prefix.get(b, count) - prefix.get(a, 0)

    return between


# --- the figures --------------------------------------------------------------------------------


def _case_scope(
    qs: Any, filters: Filters, departments: frozenset[str] | None, prefix: str = ""
) -> Any:
    if departments is not None:
        qs = qs.filter(**{f"{prefix}department_id__in": sorted(departments)})
    if filters.department:
        qs = qs.filter(**{f"{prefix}department_id": filters.department})
    if filters.item:
        qs = qs.filter(**{f"{prefix}item__code": filters.item})
    if filters.channel:
        qs = qs.filter(**{f"{prefix}channel": filters.channel})
    return qs


Bucket = tuple[datetime.date, str, str, str]  # day, department, item, channel


def _ranges_q(field: str, ranges: list[tuple[datetime.date, datetime.date]]) -> Q:
    """`field` within one of the day ranges (inclusive, Asia/Shanghai)."""
    q = Q()
    for first, last in ranges:
        start, end = _bounds(Filters(start=first, end=last))
        q |= Q(**{f"{field}__gte": start, f"{field}__lt": end})
    return q


def _key(values: dict[str, Any]) -> tuple[Any, Any, Any]:
    return values["department_id"], values["item__code"], values["channel"]


def case_buckets(
    region: str,
    ranges: list[tuple[datetime.date, datetime.date]],
    *,
    filters: Filters | None = None,
    departments: frozenset[str] | None = None,
) -> dict[Bucket, LimitRow]:
    """The item-case figures of the days in `ranges` from the raw rows, per
    day × department × item × channel (three grouped queries: received, decided, supplement
    requests). The dashboards run it for the days not rolled up yet, `insights.rollups` for
    the days it writes: both therefore count the same way."""
    buckets: dict[Bucket, LimitRow] = {}
    if not ranges:
        return buckets
    db = read_db()
    base = case_selectors.item_cases_for_statistics(region=region).using(db)
    supplements = case_selectors.supplements_for_statistics(region=region).using(db)
    if filters is not None:
        base = _case_scope(base, filters, departments)
        supplements = _case_scope(supplements, filters, departments, prefix="case__")
    # An item case is received when it is submitted (online) or accepted (at the window): the
    # submission writes `submitted_at` for both.
    received = (
        base.filter(_ranges_q("submitted_at", ranges))
        .annotate(day=TruncDate("submitted_at", tzinfo=SHANGHAI))
        .order_by()
        .values("day", "channel", "department_id", "item__code")
        .annotate(n=Count("pk"))
    )
    decided = list(
        base.filter(_ranges_q("decided_at", ranges))
        .annotate(
            day=TruncDate("decided_at", tzinfo=SHANGHAI),
            accepted_day=TruncDate(Coalesce("accepted_at", "submitted_at"), tzinfo=SHANGHAI),
        )
        .order_by()
        .values("day", "accepted_day", "due_date", "department_id", "item__code", "channel")
        .annotate(n=Count("pk"), paused=Sum("paused_working_days"), promised=Sum("promised_days"))
    )
    requested = (
        supplements.filter(_ranges_q("requested_at", ranges))
        .annotate(day=TruncDate("requested_at", tzinfo=SHANGHAI))
        .order_by()
        .values("day", "case__department_id", "case__item__code", "case__channel")
        .annotate(n=Count("pk"))
    )

    def bucket(day: datetime.date, department: Any, item: Any, channel: Any) -> LimitRow:
        key = (day, department or "", item or "", channel or "")
        row = buckets.get(key)
        if row is None:
            row = buckets[key] = LimitRow(code="", name="")
        return row

    for values in received:
        row = bucket(values["day"], *_key(values))
        row.received += values["n"]
    dates = [v["accepted_day"] for v in decided if v["accepted_day"]] + [v["day"] for v in decided]
    between = working_day_counter(min(dates), max(dates)) if dates else (lambda a, b: 0)
    for values in decided:
        n = values["n"]
        row = bucket(values["day"], *_key(values))
        due = values["due_date"]
        elapsed = between(values["accepted_day"], values["day"]) if values["accepted_day"] else 0
        row.decided += n
        if due is not None:
            if values["day"] <= due:
                row.kept += n
            else:
                row.late += n
        row.working_days += max(0, elapsed * n - int(values["paused"] or 0))
        row.promised_days += int(values["promised"] or 0)
    for values in requested:
        row = bucket(
            values["day"],
            values["case__department_id"],
            values["case__item__code"],
            values["case__channel"],
        )
        row.supplements += values["n"]
    return buckets


SUMMED = ("received", "decided", "kept", "late", "working_days", "promised_days", "supplements")


def _add_rolled(
    region: str,
    rolled: list[datetime.date],
    filters: Filters,
    *,
    departments: frozenset[str] | None,
    days: dict[datetime.date, list[int]],
    channels: dict[str, int],
    add: Callable[[str, str, LimitRow], None],
) -> None:
    """Add the rollup rows (`CaseDay`) of the `rolled` days to the day, channel and
    department × item figures: three grouped queries."""
    from onestop.insights.models import CaseDay

    stored = CaseDay.objects.using(read_db()).filter(
        org_selectors.region_q(region, "region"), rolled_q(rolled)
    )
    if departments is not None:
        stored = stored.filter(department__in=sorted(departments))
    for name in ("department", "item", "channel"):
        if getattr(filters, name):
            stored = stored.filter(**{name: getattr(filters, name)})
    stored = stored.order_by()
    for values in stored.values("day").annotate(r=Sum("received"), d=Sum("decided")):
        days[values["day"]][0] += values["r"] or 0
        days[values["day"]][1] += values["d"] or 0
    for values in stored.values("channel").annotate(r=Sum("received")):
        if values["r"]:
            channels[values["channel"]] = channels.get(values["channel"], 0) + values["r"]
    sums = {name: Sum(name) for name in SUMMED}
    for values in stored.values("department", "item").annotate(**sums):
        summed = {name: int(values[name] or 0) for name in SUMMED}
        add(values["department"], values["item"], LimitRow(code="", name="", **summed))


def _limits(
    region: str,
    filters: Filters,
    departments: frozenset[str] | None,
    now: datetime.datetime,
    rolled: dict[datetime.date, datetime.datetime],
) -> tuple[list[Day], dict[str, int], dict[str, LimitRow], dict[str, LimitRow]]:
    """The case figures of the period: the closed days that are rolled up from the rollup
    table (`CaseDay`: by day, by channel, by department × item: three grouped queries), the
    other days (today, and any day the worker has not rolled yet) from the raw rows
    (`case_buckets`), and the cases open past their due date now (one grouped query)."""
    db = read_db()
    today = timezone.localtime(now, SHANGHAI).date()
    period = [
        filters.start + datetime.timedelta(days=i)
        for i in range((filters.end - filters.start).days + 1)
    ]
    live = [d for d in period if d not in rolled]

    days = {day: [0, 0] for day in period}
    channels: dict[str, int] = dict.fromkeys(CHANNELS, 0)
    by_department: dict[str, LimitRow] = {}
    by_item: dict[str, LimitRow] = {}

    def rows(department: str | None, item: str | None) -> list[LimitRow]:
        d = by_department.setdefault(department or "", LimitRow(code=department or "", name=""))
        i = by_item.setdefault(item or "", LimitRow(code=item or "", name=""))
        return [d, i]

    def add(department: str, item: str, figures: LimitRow) -> None:
        for row in rows(department, item):
            for name in SUMMED:
                setattr(row, name, getattr(row, name) + getattr(figures, name))

    if rolled:
        _add_rolled(
            region,
            sorted(rolled),
            filters,
            departments=departments,
            days=days,
            channels=channels,
            add=add,
        )

    for (day, department, item, channel), counted in case_buckets(
        region, day_ranges(live), filters=filters, departments=departments
    ).items():
        if day in days:
            days[day][0] += counted.received
            days[day][1] += counted.decided
        if counted.received:
            channels[channel] = channels.get(channel, 0) + counted.received
        add(department, item, counted)

    overdue = (
        _case_scope(
            case_selectors.item_cases_for_statistics(region=region).using(db), filters, departments
        )
        .filter(status="accepted", due_date__lt=today)
        .order_by()
        .values("department_id", "item__code")
        .annotate(n=Count("pk"))
    )
    for values in overdue:
        for row in rows(values["department_id"], values["item__code"]):
            row.overdue_open += values["n"]

    day_rows = [Day(day=d, received=r, decided=c) for d, (r, c) in sorted(days.items())]
    return day_rows, channels, by_department, by_item


def _queue(region: str, filters: Filters, departments: frozenset[str] | None) -> list[QueueRow]:
    """Queue tickets taken in the period per centre (one grouped query): the mean wait from
    taking the number to being called, and the mean service from the call to served."""
    start, end = _bounds(filters)
    tickets = (
        org_selectors.queue_tickets_for_statistics(region=region)
        .using(read_db())
        .filter(created_at__gte=start, created_at__lt=end)
    )
    if departments is not None:
        tickets = tickets.filter(department_id__in=sorted(departments))
    if filters.department:
        tickets = tickets.filter(department_id=filters.department)
    wait = ExpressionWrapper(F("called_at") - F("created_at"), output_field=DurationField())
    service = ExpressionWrapper(F("served_at") - F("called_at"), output_field=DurationField())
    grouped = (
        tickets.order_by()
        .values("centre_id", "centre__name_zh", "centre__name_en")
        .annotate(
            tickets=Count("pk"),
            served=Count("pk", filter=Q(status="served")),
            wait=Avg(wait, filter=Q(called_at__isnull=False)),
            service=Avg(service, filter=Q(status="served", called_at__isnull=False)),
        )
        .order_by("centre_id")
    )
    english = _english()

    def minutes(value: Any) -> Decimal | None:
        if value is None:
            return None
        seconds = value.total_seconds() if hasattr(value, "total_seconds") else value / 1e6
        return (Decimal(seconds) / Decimal(60)).quantize(Decimal("0.1"))

    return [
        QueueRow(
            centre=str(v["centre_id"]),
            name=(
                v["centre__name_en"] if english and v["centre__name_en"] else v["centre__name_zh"]
            ),
            tickets=v["tickets"],
            served=v["served"],
            wait_minutes=minutes(v["wait"]),
            service_minutes=minutes(v["service"]),
        )
        for v in grouped
    ]


def _english() -> bool:
    from django.utils import translation

    return (translation.get_language() or "zh-hans").startswith("en")


def _burden(region: str, filters: Filters, departments: frozenset[str] | None) -> list[BurdenRow]:
    """Completed bundles in the period by scenario (one grouped query), against the
    catalogue's item-by-item comparison of each scenario (bounded by the catalogue, not by
    the cases). A department head sees the bundles in which their department handled an
    item."""
    start, end = _bounds(filters)
    bundles = (
        case_selectors.bundles_for_statistics(region=region)
        .using(read_db())
        .filter(completed_at__gte=start, completed_at__lt=end)
    )
    if departments is not None or filters.department:
        wanted = sorted(departments or ()) if not filters.department else [filters.department]
        bundles = bundles.filter(children__department_id__in=wanted).distinct()
    if filters.channel:
        bundles = bundles.filter(channel=filters.channel)
    grouped = list(
        bundles.order_by()
        .values("scenario_id")
        .annotate(n=Count("pk"), materials_n=Sum("materials_submitted"), visits_n=Sum("visits"))
    )
    if not grouped:
        return []
    scenarios = {
        s.pk: s
        for s in catalog_selectors.scenario_list(region=region).filter(
            pk__in=[v["scenario_id"] for v in grouped]
        )
    }
    result: list[BurdenRow] = []
    for values in grouped:
        scenario = scenarios.get(values["scenario_id"])
        if scenario is None:
            continue
        comparison = _COMPARISONS.get(scenario.pk) or _COMPARISONS.put(
            scenario.pk, catalog_selectors.scenario_comparison(scenario=scenario)
        )
        before, bundled = comparison["item_by_item"], comparison["bundled"]
        n = values["n"]
        result.append(
            BurdenRow(
                scenario=scenario.slug,
                name=str(scenario.name),
                cases=n,
                visits_saved=max(0, before["visits"] * n - int(values["visits_n"] or 0)),
                materials_saved=max(0, before["materials"] * n - int(values["materials_n"] or 0)),
                forms_saved=max(0, (before["forms"] - 1) * n),
                days_saved=max(0, (before["days"] - bundled.get("days", before["days"])) * n),
            )
        )
    return sorted(result, key=lambda r: (-r.cases, r.scenario))


def _reviews(filters: Filters, departments: frozenset[str] | None) -> list[ReviewRow] | None:
    """The review figures (好差评) of the period per department, from the reviews app's public
    aggregates (through `core.figures`, as reviews is on this floor)."""
    stats = figures.provider("reviews.stats")
    if stats is None:
        return None
    answer = stats(
        department=filters.department or None,
        item=filters.item or None,
        start=filters.start,
        end=filters.end,
    )
    english = _english()
    return [
        ReviewRow(
            department=row["department"],
            name=(row["name_en"] if english and row["name_en"] else row["name_zh"]),
            reviews=row["reviews"],
            satisfaction=row["satisfaction"],
            bad=row["bad"],
            rectified_on_time=row["rectified_on_time"],
        )
        for row in answer["departments"]
        if departments is None or row["department"] in departments
    ]


def _benefits(actor: Any, filters: Filters) -> tuple[list[BenefitRow] | None, bool]:
    """The benefit figures (免申即享) of the offers whose holders became eligible in the period,
    per rule, from the benefits app (through `core.figures`, as benefits is on this floor),
    which scopes them by its own policy; the department filter narrows them (the item and
    channel filters do not: an offer has neither). The second value is False when that
    policy gives the actor no figures (the provider answers `None`)."""
    provider = figures.provider("benefits.figures")
    if provider is None:
        return None, True
    found = provider(
        actor=actor,
        department=filters.department or None,
        since=filters.start,
        until=filters.end,
    )
    if found is None:
        return [], False
    english = _english()
    rows = [
        BenefitRow(
            rule=row.rule,
            name=(row.name_en if english and row.name_en else row.name_zh),
            offers=row.offers,
            taken_up=row.taken_up,
            paid=row.paid,
            waiting=row.waiting,
            declined=row.declined,
            uptake=ratio(row.taken_up, row.offers),
            median_days_to_uptake=_days(row.median_days_to_uptake),
            median_days=_days(row.median_days),
        )
        for row in found
    ]
    return rows, True


def _days(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _named(rows: dict[str, LimitRow], names: dict[str, str]) -> list[LimitRow]:
    for code, row in rows.items():
        row.name = names.get(code, code) or _("(none)")
    return sorted(rows.values(), key=lambda r: (-r.received, -r.decided, r.code))


@dataclass(frozen=True)
class Choices:
    """What the filter form offers `actor`: the departments (all of the region for a director,
    their own for a department head) and the region's items."""

    whole_region: bool
    departments: list[tuple[str, str]]
    items: list[tuple[str, str]]
    department_names: dict[str, str]
    item_names: dict[str, str]


def choices(*, actor: Any, region: str) -> Choices:
    """The filter form's choices for `actor` (two queries after the scope); `PermissionDenied`
    for those who may not see the indicators. The page shows them with a refused filter too."""
    code, departments = check_scope(actor, region)
    db = read_db()
    department_names = {
        d.code: str(d.name)
        for d in org_selectors.department_list()
        .using(db)
        .filter(org_selectors.region_q(code, "region_id"))
    }
    item_names = {i.code: str(i.name) for i in catalog_selectors.item_list(region=code).using(db)}
    visible = sorted(department_names) if departments is None else sorted(departments)
    return Choices(
        whole_region=departments is None,
        departments=[(c, department_names[c]) for c in visible if c in department_names],
        items=sorted(item_names.items(), key=lambda kv: kv[0]),
        department_names=department_names,
        item_names=item_names,
    )


def steering(
    *,
    actor: Any,
    region: str,
    filters: Filters,
    now: datetime.datetime | None = None,
) -> Steering:
    """The dashboard of `filters` for `actor`: a director (supervisor or administrator of the
    region, or a superuser) sees every department, a department head (department officer)
    their own; `PermissionDenied` for anyone else and for a department filter outside the
    actor's scope; `ValidationFailed` for a malformed region."""
    code, departments = check_scope(actor, region)
    if filters.department and departments is not None and filters.department not in departments:
        from onestop.core.errors import PermissionDenied

        raise PermissionDenied(
            _("You may see the figures of your own department only."), code="forbidden"
        )
    moment = now or timezone.now()
    # The marks of the rolled-up days of the period (one query, for the cases and the hotline).
    yesterday = timezone.localtime(moment, SHANGHAI).date() - datetime.timedelta(days=1)
    rolled = rolled_days(code, filters.start, min(filters.end, yesterday))
    days, channels, by_department, by_item = _limits(code, filters, departments, moment, rolled)
    start, end = _bounds(filters)
    hotline_scope = departments
    if filters.department:
        hotline_scope = frozenset({filters.department})
    offered = choices(actor=actor, region=code)
    benefits, benefits_in_scope = _benefits(actor, filters)
    return Steering(
        region=code,
        filters=filters,
        whole_region=departments is None,
        days=days,
        channels=channels,
        departments=_named(by_department, offered.department_names),
        items=_named(by_item, offered.item_names),
        queue=_queue(code, filters, hotline_scope),
        hotline=rows_between(code, hotline_scope, start, end, moment, rolled=rolled),
        reviews=_reviews(filters, hotline_scope),
        burden=_burden(code, filters, departments),
        benefits=benefits,
        benefits_in_scope=benefits_in_scope,
        choices={"departments": offered.departments, "items": offered.items},
    )
