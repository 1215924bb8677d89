"""What a case applies for: the selected items, the merged form, materials, processes."""

from __future__ import annotations

from typing import Any

from onestop.cases.models import Case, ItemProcess
from onestop.catalog.models import Item, Material
from onestop.catalog.selectors import (
    excluded_items,
    item_get,
    items_form_schema,
    scenario_items,
)

DEFAULT_PROCESS = "item_standard"


def selected_items(*, case: Case) -> list[Item]:
    """The items the case applies for: a single item case → [its item]; a bundle → the
    scenario's items (in bundle order) minus those the variant answers exclude; an accepted
    bundle → the items of its item cases."""
    top = case.top
    if top.kind == Case.Kind.ITEM:
        assert top.item is not None  # noqa: S101 - an item case always has its item
        return [item_get(code=top.item.code)]
    if top.number and top.pk is not None:
        codes = list(top.children.values_list("item__code", flat=True))
        if codes:
            assert top.scenario is not None  # noqa: S101
            return [i for i in scenario_items(scenario=top.scenario) if i.code in codes]
    assert top.scenario is not None  # noqa: S101 - a bundle always has its scenario
    excluded = excluded_items(scenario=top.scenario, answers=top.variant_answers or {})
    return [i for i in scenario_items(scenario=top.scenario) if i.code not in excluded]


def case_form_schema(*, case: Case, items: list[Item] | None = None) -> dict[str, Any]:
    """The merged form (JSON Schema) of the selected items: the scenario's form restricted to
    the fields of the items that apply, or the single item's form. `required` lists every
    field (the catalogue marks none optional): a field the applicant leaves empty is reported
    missing at submission and on the one-time notice."""
    top = case.top
    items = selected_items(case=top) if items is None else items
    scenario = top.scenario if top.kind == Case.Kind.BUNDLE else None
    schema = items_form_schema(items=items, scenario=scenario)
    schema["required"] = list(schema.get("properties", {}).keys())
    return schema


def item_materials(*, items: list[Item]) -> list[Material]:
    return [m for item in items for m in item.materials.all()]


def process_key_for(*, item: Item) -> tuple[str, bool]:
    """The process an item runs and whether it decides by rules (ItemProcess by template key,
    else `item_standard`)."""
    return process_keys_for(items=[item])[item.code]


def process_keys_for(*, items: list[Item]) -> dict[str, tuple[str, bool]]:
    """`process_key_for` of several items in one query: item code → (process key, auto)."""
    rows = {
        row.template_key: (row.process_key, row.auto)
        for row in ItemProcess.objects.filter(template_key__in={i.template_key for i in items})
    }
    return {i.code: rows.get(i.template_key, (DEFAULT_PROCESS, False)) for i in items}
