"""Reads of one case and of an applicant's cases. A case the actor may not see is
"not found", with the same message as a number that does not exist.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from onestop.accounts.policies import Scope, acts_for
from onestop.cases import policies
from onestop.cases.models import Case, CaseEvent
from onestop.core.errors import NotFound


def case_not_found() -> NotFound:
    return NotFound(_("There is no case with this number that you may see."), code="case_not_found")


def unique_row(queryset: QuerySet[Case]) -> Case | None:
    """The row of a query filtered on a unique key (id, number, idempotency key), or None.

    Like `.first()` without its ORDER BY: with the six related tables a case is read with,
    Django spends about 2.5 ms of CPU matching an ordering against the 170 selected columns,
    for a query that returns one row whatever its order."""
    rows = list(queryset.order_by()[:1])
    return rows[0] if rows else None


def _cases() -> QuerySet[Case]:
    return Case.objects.select_related(
        "parent", "scenario", "item", "department", "region", "applicant"
    )


def case_get(*, actor: Any, number: str) -> Case:
    """The case with `number` if `actor` may see it; NotFound otherwise (same message whether
    or not the number exists)."""
    number = str(number or "").strip()
    case = unique_row(_cases().filter(number=number)) if number and len(number) <= 30 else None
    if case is None or not policies.can_view(actor, case):
        raise case_not_found()
    return case


def case_get_draft(*, actor: Any, case_id: Any) -> Case:
    """A draft (or a window draft with a one-time notice) by its id, for its owner or the
    clerk handling it; NotFound for anybody else."""
    try:
        pk = uuid.UUID(str(case_id))
    except (TypeError, ValueError):
        raise case_not_found() from None
    case = unique_row(
        _cases().filter(
            pk=pk, parent__isnull=True, status__in=[Case.Status.DRAFT, Case.Status.NOTICE]
        )
    )
    if case is None or not policies.can_edit_draft(actor, case):
        raise case_not_found()
    return case


def case_get_by_id(*, actor: Any, case_id: Any) -> Case:
    """Any case by its id (drafts have no number yet) if `actor` may see it."""
    try:
        pk = uuid.UUID(str(case_id))
    except (TypeError, ValueError):
        raise case_not_found() from None
    case = unique_row(_cases().filter(pk=pk))
    if case is None:
        raise case_not_found()
    if case.status in (Case.Status.DRAFT, Case.Status.NOTICE):
        if not policies.can_edit_draft(actor, case):
            raise case_not_found()
    elif not policies.can_view(actor, case):
        raise case_not_found()
    return case


def case_list_for_applicant(*, actor: Any) -> QuerySet[Case]:
    """The actor's own top cases (drafts included), newest first."""
    if not acts_for(actor, getattr(actor, "pk", None), Scope.CASES):
        return Case.objects.none()  # nobody, or a helper whose delegation does not reach them
    return _cases().filter(applicant_id=actor.pk, parent__isnull=True).order_by("-created_at")


# The item cases a service has just written for a bundle, kept on the bundle object it
# returns (`children_keep`), so the answer to the same request does not read them back.
_KEPT = "_onestop_children"


def children(*, case: Case) -> list[Case]:
    """The item cases of a bundle in number order (a lone item case: itself)."""
    if case.kind == Case.Kind.ITEM:
        return [case]
    kept: list[Case] | None = getattr(case, _KEPT, None)
    if kept is not None:
        return sorted(kept, key=lambda c: (str(c.number), c.created_at))
    return list(_cases().filter(parent=case).order_by("number", "created_at"))


def children_keep(case: Case, items: list[Case]) -> None:
    """`children(case=case)` is `items` from now on, for this object only (a service that has
    just written a bundle's item cases hands them to its caller with the bundle)."""
    setattr(case, _KEPT, list(items))


def case_task_view(*, case: Case) -> dict[str, Any]:
    """The engine's view of an item case: ready tasks, the instance version to name when
    completing one, the instance and its variables. Restores the workflow: one case page only."""
    from onestop.workflow import selectors as workflow_selectors

    if case.kind != Case.Kind.ITEM or not case.number:
        return {"tasks": [], "version": None, "instance": None, "variables": {}}
    try:
        instance = workflow_selectors.instance_get(business_key=case.number)
    except NotFound:
        return {"tasks": [], "version": None, "instance": None, "variables": {}}
    return {
        "tasks": workflow_selectors.ready_tasks(instance=instance),
        "version": instance.version,
        "instance": instance,
        "variables": workflow_selectors.instance_variables(instance=instance),
    }


def case_timeline(*, case: Case) -> list[CaseEvent]:
    """The events of the top case and of its item cases, in time order."""
    top = case.top
    return list(
        CaseEvent.objects.filter(Q(case=top) | Q(case__parent=top))
        .select_related("case", "actor", "agent")
        .order_by("at", "id")
    )


def remote_supplement(*, case: Case, english: bool = False) -> dict[str, Any] | None:
    """The supplement the handling node asked for on a mirror (`forwarding_after`), still to
    be answered on this node — by the applicant in their space or by a clerk at the window —
    with each material's name in the reader's language; None when nothing waits."""
    top = case.top
    asked = (top.remote_item or {}).get("supplement") if top.is_mirror else None
    if top.status != Case.Status.SUPPLEMENT or not asked or asked.get("answered"):
        return None
    return {
        **asked,
        "materials": [
            {"key": m["key"], "name": (english and m.get("name_en")) or m.get("name_zh")}
            for m in asked.get("materials") or []
        ],
    }


def case_numbers_for_refs(refs: set[str]) -> dict[str, str]:
    """{reference: what the person reads} for the case references of access records: a
    draft's "draft <uuid>" becomes the number its application got once submitted, or "an
    application not submitted yet" (the number alone: nothing else about the case). One
    query. For the data tracker, whose records are about the person reading them."""
    drafts: dict[uuid.UUID, str] = {}
    for ref in refs:
        if ref.startswith("draft "):
            try:
                drafts[uuid.UUID(ref[len("draft ") :])] = ref
            except ValueError:
                continue
    if not drafts:
        return {}
    found: dict[str, str] = {}
    rows = Case.objects.filter(pk__in=drafts).select_related("parent")
    for case in rows.only("pk", "number", "parent__number"):
        number = case.number or (case.parent.number if case.parent_id and case.parent else "")
        found[drafts[case.pk]] = number or _("an application not submitted yet")
    for ref in drafts.values():
        found.setdefault(ref, _("an application not submitted yet"))
    return found


# A case still being handled (or, at the window, still being put together): a new application
# for the same thing by the same person is a duplicate unless they mean it.
OPEN_FOR_DUPLICATES = (
    Case.Status.NOTICE,
    Case.Status.FORWARDED,
    Case.Status.ACCEPTED,
    Case.Status.SUPPLEMENT,
    Case.Status.APPROVED,
)


def open_case_for(
    *, applicant: Any = None, index: str = "", scenario: Any = None, item: Any = None
) -> Case | None:
    """The newest open top case of the same applicant (their account, or the blind index of
    their resident ID / credit code, whatever the channel) for the same scenario or item: one
    being handled, or a window application still being put together (an online draft is
    resumed instead, never duplicated). None when there is none."""
    who = Q()
    if applicant is not None:
        who |= Q(applicant=applicant)
    if index:
        who |= Q(applicant_index=index)
    if not who:
        return None
    being_handled = Q(status__in=OPEN_FOR_DUPLICATES) | Q(
        status=Case.Status.DRAFT, channel=Case.Channel.WINDOW
    )
    return (
        _cases()
        .filter(who, being_handled, parent__isnull=True, scenario=scenario, item=item)
        .order_by("-created_at")
        .first()
    )
