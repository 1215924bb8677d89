"""The writes of insights: hotspot cards (未诉先办) raised by the worker's scan, and the one
proactive task a department opens for a card. See docs/insights.md "Hotspots"."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.db.models.functions import Round, TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from onestop.accounts import selectors as account_selectors
from onestop.accounts.models import StaffRole
from onestop.core.actors import SYSTEM
from onestop.core.errors import PermissionDenied, ValidationFailed
from onestop.core.urls import absolute
from onestop.hotline import selectors as hotline_selectors
from onestop.insights import policies, spikes
from onestop.insights.models import Hotspot, ProactiveTask
from onestop.insights.selectors import SHANGHAI, read_db
from onestop.notify import services as notify_services
from onestop.org import selectors as org_selectors

# Problems people call about; consultations, suggestions and praise are not spikes to act on.
COUNTED_TYPES = ("complaint", "assistance", "report")
ORDERS_PER_CARD = 200
GRID = "grid:"


def week_start(moment: datetime.datetime) -> datetime.date:
    """The Monday of the week of `moment` in Asia/Shanghai."""
    day = timezone.localtime(moment, SHANGHAI).date()
    return day - datetime.timedelta(days=day.weekday())


def _midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(0), tzinfo=SHANGHAI)


@dataclass(frozen=True)
class ScanResult:
    week: datetime.date
    cells: int  # category × place cells with requests this week
    raised: int  # new cards
    updated: int  # cards of this week that grew


def _place_counts(region: str, since: datetime.datetime, until: datetime.datetime) -> Any:
    """Requests per (region, category, place, day) since `since`: two grouped queries, one by
    township, one by grid cell (coordinates rounded to 0.01°, about 1 km) for requests with
    coordinates but no township."""
    orders = (
        hotline_selectors.orders_for_statistics(region=region)
        .using(read_db())
        .filter(created_at__gte=since, created_at__lt=until, request_type__in=COUNTED_TYPES)
        .annotate(day=TruncDate("created_at", tzinfo=SHANGHAI))
        .order_by()
    )
    by_township = (
        orders.exclude(township="")
        .values("region", "category_id", "township", "day")
        .annotate(n=Count("pk"))
    )
    by_grid = (
        orders.filter(township="", latitude__isnull=False, longitude__isnull=False)
        .annotate(
            lat=Round("latitude", 2),
            lon=Round("longitude", 2),
        )
        .values("region", "category_id", "lat", "lon", "day")
        .annotate(n=Count("pk"))
    )
    for v in by_township:
        yield v["region"], v["category_id"], v["township"], v["day"], v["n"]
    for v in by_grid:
        place = f"{GRID}{float(v['lat']):.2f},{float(v['lon']):.2f}"
        yield v["region"], v["category_id"], place, v["day"], v["n"]


def _owners(region_codes: set[str], categories: set[str]) -> dict[tuple[str, str], str]:
    """(region, category) → the code of the department that owns the category there (the
    department of the category's default kind), when the region has one."""
    kinds = {
        c.code: c.default_kind_id
        for c in hotline_selectors.category_list().filter(code__in=sorted(categories))
    }
    existing = set(
        org_selectors.department_list()
        .filter(region_id__in=sorted(region_codes))
        .values_list("code", flat=True)
    )
    owners: dict[tuple[str, str], str] = {}
    for region in region_codes:
        for code, kind in kinds.items():
            candidate = f"{region}-{kind}" if kind else ""
            if candidate in existing:
                owners[(region, code)] = candidate
    return owners


def _orders_behind(
    region: str,
    cells: list[tuple[str, str, str]],
    since: datetime.datetime,
    until: datetime.datetime,
) -> dict[tuple[str, str, str], list[str]]:
    """The numbers of the requests of each spiking cell this week (one query)."""
    if not cells:
        return {}
    match = Q()
    for cell_region, category, place in cells:
        where = Q(region=cell_region, category_id=category)
        if place.startswith(GRID):
            lat, lon = (float(x) for x in place[len(GRID) :].split(","))
            where &= Q(
                township="",
                latitude__gte=lat - 0.005,
                latitude__lt=lat + 0.005,
                longitude__gte=lon - 0.005,
                longitude__lt=lon + 0.005,
            )
        else:
            where &= Q(township=place)
        match |= where
    rows = (
        hotline_selectors.orders_for_statistics(region=region)
        .filter(match, created_at__gte=since, created_at__lt=until, request_type__in=COUNTED_TYPES)
        .order_by("created_at")
        .values_list("region", "category_id", "township", "latitude", "longitude", "number")
    )
    wanted = set(cells)
    found: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for cell_region, category, township, latitude, longitude, number in rows:
        place = township or f"{GRID}{float(latitude or 0):.2f},{float(longitude or 0):.2f}"
        key = (cell_region, category, place)
        if key in wanted and len(found[key]) < ORDERS_PER_CARD:
            found[key].append(number)
    return found


def hotspot_scan(*, region: str, now: datetime.datetime | None = None) -> ScanResult:
    """Test every category × place of `region` for a spike this week (so far) against its
    `spikes.BASELINE_WEEKS` previous weeks (`spikes.test`), raise a card for each new spike
    and tell the officers of the owning department; a card of this week already raised is
    brought up to date (count, requests) without a second notice. Constant queries: the
    grouped counts, the owners, the requests behind the spikes, the existing cards."""
    moment = now or timezone.now()
    monday = week_start(moment)
    first = monday - datetime.timedelta(weeks=spikes.BASELINE_WEEKS)
    since, until = _midnight(first), _midnight(monday + datetime.timedelta(days=7))
    history: dict[tuple[str, str, str], list[int]] = defaultdict(
        lambda: [0] * (spikes.BASELINE_WEEKS + 1)
    )
    for cell_region, category, place, day, n in _place_counts(region, since, until):
        index = (day - first).days // 7
        if 0 <= index <= spikes.BASELINE_WEEKS:
            history[(cell_region, category, place)][index] += n
    verdicts = {}
    current_cells = 0
    for key, weeks in history.items():
        if weeks[-1] == 0:
            continue
        current_cells += 1
        verdict = spikes.test(weeks[:-1], weeks[-1])
        if verdict.spike:
            verdicts[key] = verdict
    if not verdicts:
        return ScanResult(week=monday, cells=current_cells, raised=0, updated=0)
    owners = _owners({k[0] for k in verdicts}, {k[1] for k in verdicts})
    behind = _orders_behind(region, sorted(verdicts), _midnight(monday), until)
    existing = {
        (h.region, h.category, h.place): h
        for h in Hotspot.objects.filter(week=monday, region__in=sorted({k[0] for k in verdicts}))
    }
    raised = updated = 0
    for key, verdict in sorted(verdicts.items()):
        cell_region, category, place = key
        card = existing.get(key)
        if card is not None:
            if verdict.count > card.count:
                Hotspot.objects.filter(pk=card.pk).update(
                    count=verdict.count,
                    p_value=verdict.p_value,
                    orders=behind.get(key, []),
                    updated_at=moment,
                )
                updated += 1
            continue
        try:
            with transaction.atomic():
                card = Hotspot.objects.create(
                    region=cell_region,
                    category=category,
                    place=place[:100],
                    week=monday,
                    department_id=owners.get((cell_region, category)),
                    count=verdict.count,
                    baseline=verdict.baseline,
                    p_value=verdict.p_value,
                    orders=behind.get(key, []),
                    detected_at=moment,
                    updated_at=moment,
                )
                _tell_department(card)
        except IntegrityError:
            continue  # another scan raised it at the same moment
        raised += 1
    return ScanResult(week=monday, cells=current_cells, raised=raised, updated=updated)


def place_label(place: str) -> str:
    """A place as people read it: the township, or "grid cell near lat, lon"."""
    if place.startswith(GRID):
        return _("Grid cell near %(where)s") % {"where": place[len(GRID) :]}
    return place


def _tell_department(card: Hotspot) -> None:
    """An in-app notice to each officer of the owning department (none when no department
    owns the category: the director sees the card on the list)."""
    if not card.department_id:
        return
    category = hotline_selectors.category_list().filter(code=card.category).first()
    name = (
        {"zh": category.name_zh, "en": category.name_en or category.name_zh}
        if category
        else card.category
    )
    link = absolute(reverse("insights:hotspot", args=[card.pk]))
    holders = account_selectors.role_holders(
        role=StaffRole.Role.DEPARTMENT_OFFICER, departments=[card.department_id]
    )
    for role in holders:
        notify_services.notification_send(
            template="insights.hotspot",
            context={
                "category": name,
                "place": place_label(card.place),
                "count": card.count,
                "baseline": f"{card.baseline:.1f}",
                "link": link,
            },
            recipient_user=role.user,
            channels=("in_app",),
            dedupe_key=f"insights.hotspot:{card.pk}:{role.user_id}",
        )


# --- the proactive task ---------------------------------------------------------------------------


def _refuse() -> PermissionDenied:
    return PermissionDenied(
        _("Only the officers of the department that owns this hotspot may act on it."),
        code="forbidden",
    )


def proactive_task_open(
    *, actor: Any, hotspot: Hotspot, title: str, note: str = ""
) -> ProactiveTask:
    """Open the card's proactive task, owned by `actor` (an officer of the owning
    department). One per card: opening again returns the task already open (idempotent)."""
    if actor is SYSTEM or not policies.can(actor, policies.ACT_HOTSPOT, hotspot):
        raise _refuse()
    title = " ".join((title or "").split())[:200]
    note = (note or "").strip()[:2000]
    if not title:
        raise ValidationFailed(
            _("Give the task a title: what the department will do."),
            code="required",
            details={"field": "title"},
        )
    with transaction.atomic():
        locked = Hotspot.objects.select_for_update().get(pk=hotspot.pk)
        task = ProactiveTask.objects.filter(hotspot=locked).first()
        if task is not None:
            return task
        now = timezone.now()
        task = ProactiveTask.objects.create(
            hotspot=locked,
            department_id=locked.department_id,  # type: ignore[misc]  # a hotspot's card always has its owner
            owner=actor,
            title=title,
            note=note,
            created_at=now,
            updated_at=now,
        )
        Hotspot.objects.filter(pk=locked.pk).update(status=Hotspot.Status.TASKED, updated_at=now)
    return task


def proactive_task_update(
    *, actor: Any, task: ProactiveTask, status: str, note: str | None = None
) -> ProactiveTask:
    """Move the task to `status` (open, in progress, done), optionally with a new note."""
    if actor is SYSTEM or not policies.can(actor, policies.ACT_HOTSPOT, task.hotspot):
        raise _refuse()
    if status not in ProactiveTask.Status.values:
        raise ValidationFailed(
            _("Choose the status from the list."), code="invalid_status", details={}
        )
    changes: dict[str, Any] = {"status": status, "updated_at": timezone.now()}
    if note is not None:
        changes["note"] = note.strip()[:2000]
    ProactiveTask.objects.filter(pk=task.pk).update(**changes)
    task.refresh_from_db()
    return task
