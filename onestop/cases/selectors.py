"""Reads of `cases`. Every read of one case goes through `policies`; a case the actor may not
see is "not found", with the same message as a number that does not exist."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from onestop.cases import policies
from onestop.cases.models import Case, CaseEvent, ItemProcess
from onestop.catalog.importer import form_schema
from onestop.catalog.models import Item, Material
from onestop.catalog.selectors import scenario_items
from onestop.core.errors import NotFound

DEFAULT_PROCESS = "item_standard"


def _not_found() -> NotFound:
    return NotFound(_("There is no case with this number that you may see."), code="case_not_found")


def _cases() -> QuerySet[Case]:
    return Case.objects.select_related(
        "parent", "scenario", "item", "department", "region", "applicant"
    )


def case_get(*, actor: Any, number: str) -> Case:
    """The case with `number` if `actor` may see it; NotFound otherwise (same message whether
    or not the number exists)."""
    number = str(number or "").strip()
    case = _cases().filter(number=number).first() if number and len(number) <= 30 else None
    if case is None or not policies.can_view(actor, case):
        raise _not_found()
    return case


def case_get_draft(*, actor: Any, case_id: Any) -> Case:
    """A draft (or a window draft with a one-time notice) by its id, for its owner or the
    clerk handling it; NotFound for anybody else."""
    try:
        pk = uuid.UUID(str(case_id))
    except (TypeError, ValueError):
        raise _not_found() from None
    case = (
        _cases()
        .filter(pk=pk, parent__isnull=True, status__in=[Case.Status.DRAFT, Case.Status.NOTICE])
        .first()
    )
    if case is None or not policies.can_edit_draft(actor, case):
        raise _not_found()
    return case


def case_get_by_id(*, actor: Any, case_id: Any) -> Case:
    """Any case by its id (drafts have no number yet) if `actor` may see it."""
    try:
        pk = uuid.UUID(str(case_id))
    except (TypeError, ValueError):
        raise _not_found() from None
    case = _cases().filter(pk=pk).first()
    if case is None:
        raise _not_found()
    if case.status in (Case.Status.DRAFT, Case.Status.NOTICE):
        if not policies.can_edit_draft(actor, case):
            raise _not_found()
    elif not policies.can_view(actor, case):
        raise _not_found()
    return case


def case_list_for_applicant(*, actor: Any) -> QuerySet[Case]:
    """The actor's own top cases (drafts included), newest first."""
    if getattr(actor, "pk", None) is None or not getattr(actor, "is_authenticated", False):
        return Case.objects.none()
    return _cases().filter(applicant_id=actor.pk, parent__isnull=True).order_by("-created_at")


def children(*, case: Case) -> list[Case]:
    """The item cases of a bundle in number order (a lone item case: itself)."""
    if case.kind == Case.Kind.ITEM:
        return [case]
    return list(_cases().filter(parent=case).order_by("number", "created_at"))


def excluded_items(*, scenario: Any, answers: dict[str, Any]) -> set[str]:
    """Codes of the scenario's items that the variant answers exclude."""
    excluded: set[str] = set()
    for question in scenario.variants or []:
        chosen = answers.get(str(question.get("key", "")))
        if chosen in (None, ""):
            continue
        for option in question.get("options", []):
            if str(option.get("value")) == str(chosen):
                excluded.update(option.get("exclude_items", []))
    return excluded


def selected_items(*, case: Case) -> list[Item]:
    """The items the case applies for: a single item case → [its item]; a bundle → the
    scenario's items (in bundle order) minus those the variant answers exclude; an accepted
    bundle → the items of its item cases."""
    top = case.top
    if top.kind == Case.Kind.ITEM:
        assert top.item_id is not None  # noqa: S101 - an item case always has its item
        item = Item.objects.prefetch_related("materials").get(pk=top.item_id)
        return [item]
    if top.number and top.pk is not None:
        codes = list(top.children.values_list("item__code", flat=True))
        if codes:
            assert top.scenario is not None  # noqa: S101
            return [i for i in scenario_items(scenario=top.scenario) if i.code in codes]
    assert top.scenario is not None  # noqa: S101 - a bundle always has its scenario
    excluded = excluded_items(scenario=top.scenario, answers=top.variant_answers or {})
    return [i for i in scenario_items(scenario=top.scenario) if i.code not in excluded]


def case_form_schema(*, case: Case) -> dict[str, Any]:
    """The merged form (JSON Schema) of the selected items: the scenario's form restricted to
    the fields of the items that apply, or the single item's form. `required` lists every
    field (the catalogue marks none optional): a field the applicant leaves empty is reported
    missing at submission and on the one-time notice."""
    top = case.top
    items = selected_items(case=top)
    codes = {i.code for i in items}
    if top.kind == Case.Kind.BUNDLE and top.scenario is not None and top.scenario.form_schema:
        base = top.scenario.form_schema
        properties = {
            key: prop
            for key, prop in (base.get("properties") or {}).items()
            if isinstance(prop, dict) and codes.intersection(prop.get("x-items") or [])
        }
        schema = {**base, "properties": properties}
    else:
        schema = form_schema(
            title_zh=items[0].name_zh if items else "",
            title_en=items[0].name_en if items else "",
            fields=[(item.code, list(item.form_fields or [])) for item in items],
        )
    schema["required"] = list(schema.get("properties", {}).keys())
    return schema


def item_materials(*, items: list[Item]) -> list[Material]:
    return [m for item in items for m in item.materials.all()]


def process_key_for(*, item: Item) -> tuple[str, bool]:
    """The process an item runs and whether it decides by rules (ItemProcess by template key,
    else `item_standard`)."""
    row = ItemProcess.objects.filter(template_key=item.template_key).first()
    if row is None:
        return DEFAULT_PROCESS, False
    return row.process_key, row.auto


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
        .select_related("case", "actor")
        .order_by("at", "id")
    )
