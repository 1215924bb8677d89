"""The back office: department queues, the officer's case page, the supervisor board.

The queues filter on the columns the core copies from the engine after every step
(`Case.task_name` / `task_lane`) and never restore a workflow per row: one queue page is a
fixed handful of queries whatever the number of cases.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from onestop.accounts import selectors as accounts_selectors
from onestop.accounts.models import StaffRole
from onestop.accounts.policies import roles
from onestop.cases import clock, policies
from onestop.cases.answers import answer_text
from onestop.cases.models import WAITING, Case, CaseEvent, CaseMaterial, Supplement
from onestop.cases.provenance import answer_source
from onestop.cases.selectors.cases import case_task_view
from onestop.cases.selectors.items import case_form_schema
from onestop.cases.services.access import case_access_record
from onestop.cases.uploads import NOT_UPLOADED
from onestop.core.errors import NotFound, PermissionDenied

Role = StaffRole.Role

S = Case.Status

PAGE_SIZE = 25

BOARD_LIMIT = 50

WARN_FRACTION = 0.8

# A supplement request the applicant has not answered after this many days shows on the board.
SUPPLEMENT_LONG = datetime.timedelta(days=5)

OPEN = (S.ACCEPTED, S.SUPPLEMENT)

# The department tasks of the standard process (BPMN ids), as the queue filter offers them.
TASK_LABELS = {
    "review": gettext_lazy("Review"),
    "special_step": gettext_lazy("Special step (inspection, public notice)"),
    "decide": gettext_lazy("Decision"),
    "supplement": gettext_lazy("Waiting for the applicant's supplements"),
}

LANE_LABELS = {
    "department": gettext_lazy("Department"),
    "window": gettext_lazy("Window"),
    "applicant": gettext_lazy("Applicant"),
}

SORTS = {"due": ("due_date", "number"), "-due": ("-due_date", "-number")}

# What an officer's form may ask for, per task (BPMN id) → the actions offered.
ACTIONS = {
    "review": ("pass", "supplement"),
    "special_step": ("special_pass", "special_fail"),
    "decide": ("approve", "reject"),
}


def _not_found() -> NotFound:
    return NotFound(_("There is no such case."), code="case_not_found")


def _region_q(scope: str) -> Q:
    """Cases of region `scope` or below (GB/T 2260 codes nest)."""
    if len(scope) == 6 and scope.endswith("0000"):
        return Q(region_id__startswith=scope[:2])
    if len(scope) == 6 and scope.endswith("00"):
        return Q(region_id__startswith=scope[:4])
    return Q(region_id=scope)


def officer_scope(actor: Any) -> Q | None:
    """The item cases `actor` handles as a department officer; None when they handle none."""
    if getattr(actor, "is_superuser", False):
        return Q(kind=Case.Kind.ITEM)
    parts = []
    for held in roles(actor):
        if held.role != Role.DEPARTMENT_OFFICER:
            continue
        if held.department_id is not None:
            parts.append(Q(department_id=held.department_id))
        else:
            parts.append(_region_q(held.region_id))
    if not parts:
        return None
    scope = parts[0]
    for part in parts[1:]:
        scope |= part
    return Q(kind=Case.Kind.ITEM) & scope


def supervisor_scope(actor: Any) -> Q | None:
    """Every case of the regions `actor` supervises; None when they supervise none."""
    if getattr(actor, "is_superuser", False):
        return Q()
    parts = [_region_q(held.region_id) for held in roles(actor) if held.role == Role.SUPERVISOR]
    if not parts:
        return None
    scope = parts[0]
    for part in parts[1:]:
        scope |= part
    return scope


def has_officer_queue(actor: Any) -> bool:
    return officer_scope(actor) is not None


def has_supervisor_board(actor: Any) -> bool:
    return supervisor_scope(actor) is not None


def _visible(actor: Any) -> Q | None:
    officer = officer_scope(actor)
    supervisor = supervisor_scope(actor)
    if supervisor is not None:
        supervisor = Q(kind=Case.Kind.ITEM) & supervisor
    if officer is None:
        return supervisor
    if supervisor is None:
        return officer
    return officer | supervisor


def office_case_get(*, actor: Any, number: str) -> Case:
    """The item case `number` if `actor` may open it in the office; else NotFound."""
    scope = _visible(actor)
    if scope is None or not number or len(number) > 30:
        raise _not_found()
    case = (
        Case.objects.filter(scope, number=number)
        .exclude(status__in=(S.DRAFT, S.NOTICE))
        .select_related("parent", "item", "department", "region", "scenario")
        .first()
    )
    if case is None:
        raise _not_found()
    return case


def used_fraction(case: Case, *, today: datetime.date | None = None) -> float:
    """Working days used / promised, paused days excluded (the clock's figure)."""
    return clock.used_fraction(case, today=today)


def due_state(case: Case, *, today: datetime.date | None = None) -> str:
    """``overdue`` (past the due date), ``warn`` (≥ 80 % of the working days used) or ``ok``.
    While the clock is stopped (waiting for supplements) the due date has not moved on yet, so
    only the working days used before the stop count."""
    if case.status not in OPEN or case.due_date is None:
        return "ok"
    today = today or timezone.localdate()
    if case.paused_since is not None:
        used = used_fraction(case, today=today)
        if used > 1:
            return "overdue"
        return "warn" if case.promised_days and used >= WARN_FRACTION else "ok"
    if case.due_date < today:
        return "overdue"
    if case.promised_days and used_fraction(case, today=today) >= WARN_FRACTION:
        return "warn"
    return "ok"


def _applicant_name(case: Case) -> str:
    top = case.parent if case.parent_id is not None else case
    return (top.applicant_name if top is not None else "") or ""


def task_label(case: Case) -> str:
    if case.status == S.SUPPLEMENT:
        return str(TASK_LABELS["supplement"])
    label = TASK_LABELS.get(case.task_name)
    return str(label) if label is not None else case.task_name


# The columns a queue or board row needs (the JSON form data and the rest stay in the table).
ROW_FIELDS = (
    "number",
    "kind",
    "parent",
    "item",
    "region",
    "department",
    "status",
    "applicant_name",
    "accepted_at",
    "promised_days",
    "due_date",
    "paused_since",
    "paused_working_days",
    "task_name",
    "task_lane",
    "warned_at",
    "escalated_at",
    "parent__number",
    "parent__applicant_name",
    "parent__accepted_at",
    "item__code",
    "item__name_zh",
    "item__name_en",
    "department__name_zh",
    "department__name_en",
)


def rows_by_pk(pks: list[Any]) -> list[Case]:
    """The cases `pks` (in that order) with their item, bundle and department, in one query."""
    if not pks:
        return []
    found = {
        c.pk: c
        for c in Case.objects.filter(pk__in=pks)
        .select_related("item", "parent", "department")
        .only(*ROW_FIELDS)
        .order_by()
    }
    return [found[pk] for pk in pks if pk in found]


@dataclass
class QueueRow:
    case: Case
    applicant_name: str
    task: str
    due: str


@dataclass
class QueuePage:
    rows: list[QueueRow]
    page: Page
    task: str
    status: str
    sort: str
    filters: dict[str, str] = field(default_factory=dict)


def queue_queryset(
    *, actor: Any, task: str = "", status: str = "", sort: str = "due"
) -> QuerySet[Case]:
    """The officer's waiting item cases: a department task ready, or supplements awaited."""
    scope = officer_scope(actor)
    if scope is None:
        raise PermissionDenied(
            _("Only department officers have a department queue."), code="not_officer"
        )
    # Exactly the predicate of the partial index `cases_waiting` (department, due date, number),
    # so PostgreSQL walks that index in page order instead of sorting the department's cases.
    qs = Case.objects.filter(scope, WAITING)
    if task == "supplement":
        qs = qs.filter(status=S.SUPPLEMENT)
    elif task in ACTIONS:
        qs = qs.filter(status=S.ACCEPTED, task_name=task)
    if status in OPEN:
        qs = qs.filter(status=status)
    return qs.order_by(*SORTS.get(sort, SORTS["due"]))


def department_queue(
    *, actor: Any, task: str = "", status: str = "", sort: str = "due", page: Any = 1
) -> QueuePage:
    """One page of the department queue: a count and a page of rows (with the item and the
    bundle joined in), whatever the number of cases."""
    task = task if task in TASK_LABELS else ""
    status = status if status in OPEN else ""
    sort = sort if sort in SORTS else "due"
    qs = queue_queryset(actor=actor, task=task, status=status, sort=sort)
    # Two queries whatever the number of cases, both answered from the partial index
    # `cases_waiting` without visiting the table (EXPLAIN in docs/operations.md, "Officer
    # queue"): the count (an index-only scan), then the page's rows, loaded by the ids of an
    # index-only walk to the page (the OFFSET skips index entries, not rows) in a subquery.
    paginator: Paginator[Any] = Paginator(qs.values_list("pk", flat=True), PAGE_SIZE)
    ids = paginator.get_page(page)
    cases = list(
        Case.objects.filter(pk__in=ids.object_list)
        .select_related("item", "parent", "department")
        .only(*ROW_FIELDS)
        .order_by(*SORTS[sort])
    )
    page_obj: Page[Any] = Page(cases, ids.number, paginator)
    today = timezone.localdate()
    rows = [
        QueueRow(
            case=c,
            applicant_name=_applicant_name(c),
            task=task_label(c),
            due=due_state(c, today=today),
        )
        for c in cases
    ]
    filters = {k: v for k, v in (("task", task), ("status", status), ("sort", sort)) if v}
    return QueuePage(rows=rows, page=page_obj, task=task, status=status, sort=sort, filters=filters)


@dataclass
class BoardRow:
    case: Case
    due: str
    holder: str
    lane: str
    supplement: Supplement | None = None


def _holders(cases: list[Case]) -> dict[str, str]:
    """Department code → the names of its officers (one query for the whole board)."""
    codes = {c.department_id for c in cases if c.department_id}
    names: dict[str, list[str]] = {}
    officer_roles = accounts_selectors.role_holders(role=Role.DEPARTMENT_OFFICER, departments=codes)
    for role in officer_roles:
        user = role.user
        names.setdefault(str(role.department_id), []).append(
            getattr(user, "real_name", "") or user.get_username()
        )
    return {code: "、".join(values) for code, values in names.items()}


def _board_rows(cases: list[Case], holders: dict[str, str], today: datetime.date) -> list[BoardRow]:
    rows = []
    for c in cases:
        if c.status == S.SUPPLEMENT:
            lane = str(LANE_LABELS["applicant"])
            holder = _applicant_name(c)
        else:
            lane = str(LANE_LABELS.get(c.task_lane, c.task_lane or ""))
            holder = holders.get(str(c.department_id), "") if c.task_lane == "department" else ""
        rows.append(BoardRow(case=c, due=due_state(c, today=today), holder=holder, lane=lane))
    return rows


def supervisor_board(*, actor: Any, now: datetime.datetime | None = None) -> dict[str, Any]:
    """The region's overdue (escalated ones marked), warned, and long-waiting supplement cases,
    each with its department, due date and who holds it. A fixed number of queries."""
    scope = supervisor_scope(actor)
    if scope is None:
        raise PermissionDenied(
            _("Only supervisors may open the supervisor board."), code="not_supervisor"
        )
    now = now or timezone.now()
    today = timezone.localdate(now)
    base = Case.objects.filter(scope, kind=Case.Kind.ITEM, status__in=OPEN)
    conditions = {
        "overdue": Q(status=S.ACCEPTED, due_date__lt=today) | Q(escalated_at__isnull=False),
        "warned": Q(
            status=S.ACCEPTED,
            warned_at__isnull=False,
            due_date__gte=today,
            escalated_at__isnull=True,
        ),
        "waiting": Q(status=S.SUPPLEMENT, paused_since__lt=now - SUPPLEMENT_LONG),
    }
    orders = {
        "overdue": ("due_date", "number"),
        "warned": ("due_date", "number"),
        "waiting": ("paused_since", "number"),
    }
    sections = {
        name: base.filter(condition).order_by(*orders[name])
        for name, condition in conditions.items()
    }
    # The three totals in one pass over the region's open cases.
    counts = base.aggregate(
        **{name: Count("pk", filter=condition) for name, condition in conditions.items()}
    )
    pks = {
        name: list(qs.values_list("pk", flat=True)[:BOARD_LIMIT]) for name, qs in sections.items()
    }
    loaded = {c.pk: c for c in rows_by_pk([pk for ids in pks.values() for pk in ids])}
    overdue, warned, waiting = (
        [loaded[pk] for pk in pks[name] if pk in loaded]
        for name in ("overdue", "warned", "waiting")
    )
    holders = _holders(overdue + warned)
    latest: dict[Any, Supplement] = {}
    for sup in Supplement.objects.filter(
        case_id__in=[c.pk for c in waiting], answered_at__isnull=True
    ).order_by("case_id", "-requested_at"):
        latest.setdefault(sup.case_id, sup)
    waiting_rows = _board_rows(waiting, holders, today)
    for row in waiting_rows:
        row.supplement = latest.get(row.case.pk)
    return {
        "overdue": _board_rows(overdue, holders, today),
        "warned": _board_rows(warned, holders, today),
        "waiting": waiting_rows,
        "counts": counts,
        "limit": BOARD_LIMIT,
        "today": today,
    }


def _form_fields(case: Case) -> dict[str, tuple[str, dict[str, Any]]] | None:
    """Field key → (label in the active language, schema) of the fields of the case's item,
    from the merged form; None when the form cannot say (every stored field is then shown)."""

    try:
        schema = case_form_schema(case=case.top)
    except Exception:  # labels are a nicety; the raw keys are shown instead
        return None
    props = schema.get("properties", {}) if isinstance(schema, dict) else {}
    english = (get_language() or "").startswith("en")
    code = case.item.code if case.item is not None else ""
    fields: dict[str, tuple[str, dict[str, Any]]] = {}
    for key, spec in props.items():
        if not isinstance(spec, dict):
            continue
        items = spec.get("x-items")
        if case.parent_id is not None and items and code not in items:
            continue  # another item's field of the bundle: not this department's business
        raw_titles = spec.get("x-title")
        titles: dict[str, Any] = raw_titles if isinstance(raw_titles, dict) else {}
        fields[key] = (str((english and titles.get("en")) or spec.get("title") or key), spec)
    return fields


def _timeline(case: Case) -> list[CaseEvent]:
    """The item case's own events and the bundle's, never the sibling departments' notes, and
    not the applicant's drafting ("draft saved": the officer's file starts at the submission)."""
    return list(
        CaseEvent.objects.filter(Q(case=case) | Q(case=case.top))
        .exclude(case=case.top, kind=CaseEvent.Kind.CREATED)
        .select_related("case", "actor")
        .order_by("at", "id")
    )


def _tasks(case: Case) -> tuple[list[Any], int | None]:
    """The engine's ready tasks of `case` (restoring its one workflow) and the instance version."""
    if case.status not in (*OPEN, S.APPROVED):
        return [], None

    view = case_task_view(case=case)
    return list(view.get("tasks") or []), view.get("version")


def case_page(*, actor: Any, case: Case) -> dict[str, Any]:
    """Everything the officer's case page shows; records the access (who looked, at what)."""

    top = case.top
    fields = _form_fields(case)
    form_rows = []
    for key, value in (top.form_data or {}).items():
        if fields is not None and key not in fields:
            continue
        # "From government records" only while the answer is the value fetched; a
        # pre-filled value the applicant changed says so.
        origin, source = answer_source(top, key)
        label, spec = fields[key] if fields is not None else (key, {})
        form_rows.append(
            {
                "key": key,
                "label": label,
                # the option's label in the page's language, not the stored value
                "value": answer_text(spec, value),
                "source": source if origin == "record" else "",
                "edited_from": source if origin == "edited" else "",
            }
        )
    materials = list(
        CaseMaterial.objects.filter(case=top).select_related("credential").order_by("id")
    )
    mine = [m for m in materials if _needed_by(m, case)]
    tasks, version = _tasks(case)
    acting = policies.can_act(actor, case, policies.LANE_DEPARTMENT)
    task_forms = [
        {
            "task": t,
            "name": getattr(t, "name", ""),
            "id": getattr(t, "id", ""),
            # Our translated name for the standard tasks; the diagram's own name otherwise.
            "title": task_label_for(getattr(t, "name", ""))
            if getattr(t, "name", "") in TASK_LABELS
            else getattr(t, "title", "") or getattr(t, "name", ""),
            "actions": ACTIONS.get(getattr(t, "name", ""), ()),
        }
        for t in tasks
        if getattr(t, "lane", "") == "department"
    ]
    case_access_record(
        actor=actor,
        case=case,
        fields=["applicant", "applicant_id_masked", *[r["key"] for r in form_rows], "materials"],
    )
    return {
        "case": case,
        "top": top,
        "form_rows": form_rows,
        "materials": mine,
        # Only what can be handed in again: not the materials held by the government or
        # verified as e-licences (the service refuses those).
        "supplementable": [m for m in mine if m.mode not in NOT_UPLOADED],
        "events": _timeline(case),
        "task_forms": task_forms if acting else [],
        "other_tasks": [t for t in tasks if getattr(t, "lane", "") != "department"],
        "version": version,
        "can_act": acting,
        "due": due_state(case),
        "task_label": task_label(case) if case.status in OPEN else "",
        "open_supplements": list(case.supplements.filter(answered_at__isnull=True)),
    }


def task_label_for(name: str) -> str:
    label = TASK_LABELS.get(name)
    return str(label) if label is not None else name


def _needed_by(material: CaseMaterial, case: Case) -> bool:
    """Whether the case's item needs `material` (a bundle's other items' papers stay hidden)."""
    code = case.item.code if case.item is not None else ""
    return not material.items or code in material.items


def material_get(*, actor: Any, case: Case, key: str) -> CaseMaterial:
    """An uploaded material of the case's top case that the case's item needs, for download
    (the caller has already checked the case through `office_case_get`)."""
    material = (
        CaseMaterial.objects.filter(case=case.top, key=key, mode=CaseMaterial.Mode.UPLOAD)
        .exclude(file="")
        .first()
    )
    if material is None or not _needed_by(material, case):
        raise NotFound(_("There is no such file."), code="material_not_found")

    case_access_record(actor=actor, case=case, fields=[f"materials.{key}"])
    return material
