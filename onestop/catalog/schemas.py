"""Shapes of the catalogue API."""

from __future__ import annotations

from typing import Any

from ninja import Schema

from onestop.catalog.models import Item, Material, Scenario
from onestop.catalog.selectors import (
    material_source_label,
    scenario_comparison,
    scenario_items,
)


class MaterialSourceOut(Schema):
    type: str
    dataset: str | None
    licence: str | None
    label: str


class MaterialOut(Schema):
    key: str
    name: str
    name_zh: str
    name_en: str
    form: str
    copies: int
    required: bool
    key_material: bool
    source: MaterialSourceOut

    @staticmethod
    def resolve_source(obj: Material) -> dict[str, Any]:
        return {
            "type": obj.source_type,
            "dataset": obj.source_dataset or None,
            "licence": obj.source_licence or None,
            "label": material_source_label(obj),
        }


class ItemOut(Schema):
    code: str
    template_key: str
    name: str
    name_zh: str
    name_en: str
    type: str
    audience: str
    competent_department: str
    competent_department_name: str
    implementing_department: str
    implementing_department_name: str
    statutory_days: int | None
    promised_days: int
    visits: int
    online_depth: int
    cross_province: bool
    themes: list[str]
    popularity: int

    @staticmethod
    def resolve_competent_department(obj: Item) -> str:
        return obj.competent_department_id

    @staticmethod
    def resolve_competent_department_name(obj: Item) -> str:
        return obj.competent_department.name

    @staticmethod
    def resolve_implementing_department(obj: Item) -> str:
        return obj.implementing_department_id

    @staticmethod
    def resolve_implementing_department_name(obj: Item) -> str:
        return obj.implementing_department.name


class ItemDetailOut(ItemOut):
    region: str
    legal_basis: list[str]
    applicant_scope_zh: str
    applicant_scope_en: str
    conditions_zh: list[str]
    conditions_en: list[str]
    steps: list[str]
    special_steps: list[dict[str, Any]]
    time_limit_note_zh: str
    fee_zh: str
    fee_en: str
    result: dict[str, Any]
    form_fields: list[dict[str, Any]]
    materials: list[MaterialOut]

    @staticmethod
    def resolve_region(obj: Item) -> str:
        return obj.region_id

    @staticmethod
    def resolve_materials(obj: Item) -> list[Material]:
        return list(obj.materials.all())


class ScenarioOut(Schema):
    slug: str
    region: str
    name: str
    name_zh: str
    name_en: str
    audience: str
    lead_department: str
    lead_department_name: str
    summary_zh: str
    summary_en: str

    @staticmethod
    def resolve_region(obj: Scenario) -> str:
        return obj.region_id

    @staticmethod
    def resolve_lead_department(obj: Scenario) -> str:
        return obj.lead_department_id

    @staticmethod
    def resolve_lead_department_name(obj: Scenario) -> str:
        return obj.lead_department.name


class ComparisonOut(Schema):
    items: int
    materials: int
    materials_held: int
    visits: int
    days: int
    forms: int


class ScenarioDetailOut(ScenarioOut):
    items: list[ItemOut]
    variants: list[dict[str, Any]]
    form_schema: dict[str, Any]
    comparison: dict[str, ComparisonOut]

    @staticmethod
    def resolve_items(obj: Scenario) -> list[Item]:
        return scenario_items(scenario=obj)

    @staticmethod
    def resolve_comparison(obj: Scenario) -> dict[str, dict[str, int]]:
        return scenario_comparison(scenario=obj)
