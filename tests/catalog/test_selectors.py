"""Catalogue reads: filters, ordering, comparison rule, themes and source labels."""

# Expected values are Chinese catalogue text, full-width punctuation included.

from __future__ import annotations

import pytest
from django.utils import translation

from onestop.catalog import selectors
from onestop.catalog.models import Material
from onestop.core.errors import NotFound, ValidationFailed

pytestmark = pytest.mark.django_db


def test_item_list_filters(catalogue: None) -> None:
    assert selectors.item_list(region="371121").count() == 147
    assert selectors.item_list(region="320707").count() == 147
    tax = list(selectors.item_list(region="371121", department="tax"))
    assert {i.competent_department.kind_id for i in tax} | {
        i.implementing_department.kind_id for i in tax
    } >= {"tax"}
    newborn = [i.code for i in selectors.item_list(region="371121", scenario="newborn")]
    assert newborn == sorted(newborn)
    assert len(newborn) == 8
    both = selectors.item_list(region="371121", audience="both")
    assert {i.audience for i in both} == {"both"}
    with pytest.raises(ValidationFailed):
        selectors.item_list(region="371121", theme="astrology")


def test_item_and_scenario_get(catalogue: None) -> None:
    item = selectors.item_get(code="37112100SP-XK-0001")
    assert [m.position for m in item.materials.all()] == list(range(7))
    with pytest.raises(NotFound):
        selectors.item_get(code="nope")
    scenario = selectors.scenario_get(region="371121", slug="transport-business-opening")
    codes = [i.code for i in selectors.scenario_items(scenario=scenario)]
    # Bundle order follows scenarios.json; the driver qualification (added) comes last.
    assert codes[0] == "37112100SP-XK-0002"
    assert codes[-1] == "37112100JT-XK-0001"
    with pytest.raises(NotFound):
        selectors.scenario_get(region="371121", slug="nope")
    assert selectors.scenario_list(region="371121", audience="enterprise").count() == 7


def test_scenario_comparison_rule(catalogue: None) -> None:
    scenario = selectors.scenario_get(region="371121", slug="enterprise-info-change")
    items = selectors.scenario_items(scenario=scenario)
    materials = [m for i in items for m in i.materials.all()]
    submitted = {m.key for m in materials if m.source_type == Material.Source.APPLICANT}
    held = {m.key for m in materials} - submitted

    comparison = selectors.scenario_comparison(scenario=scenario)

    assert comparison["item_by_item"] == {
        "items": 6,
        "materials": len(materials),
        "materials_held": 0,
        "visits": sum(i.visits for i in items),
        "days": sum(i.promised_days for i in items),
        "forms": 6,
    }
    assert comparison["bundled"] == {
        "items": 6,
        "materials": len(submitted),
        "materials_held": len(held),
        "visits": min(1, max(i.visits for i in items)),
        "days": max(i.promised_days for i in items),
        "forms": 1,
    }
    assert comparison["bundled"]["materials"] < comparison["item_by_item"]["materials"]


def test_popular_items_and_themes(catalogue: None) -> None:
    popular = selectors.popular_items(region="371121", limit=3)
    assert [i.name_zh for i in popular] == [
        "居民身份证换领",
        "社会保障卡申领（含电子社会保障卡）",
        "个人所得税综合所得年度汇算",
    ]
    themes = {t["key"]: t for t in selectors.themes(region="371121")}
    assert (
        themes["birth-childcare"]["count"]
        == selectors.item_list(region="371121", theme="birth-childcare").count()
    )
    assert themes["tax"]["name_en"] == "Tax"


def test_material_source_labels(catalogue: None) -> None:
    item = selectors.item_get(code="37112100SP-XK-0001")
    by_key = {m.key: m for m in item.materials.all()}
    with translation.override("en"):
        assert selectors.material_source_label(by_key["business-licence"]) == (
            "E-licence: Business licence"
        )
        assert selectors.material_source_label(by_key["power-of-attorney"]) == (
            "Provided by the applicant"
        )
    dataset_material = Material.objects.filter(source_type="dataset").select_related("item").first()
    assert dataset_material is not None
    with translation.override("en"):
        label = selectors.material_source_label(dataset_material)
    assert label.startswith("Shared data: ")
    assert label.endswith(")")


def test_excluded_items_follow_the_chosen_options() -> None:
    """The one variant-exclusion rule (catalogue pages and applications both use it)."""
    from onestop.catalog.models import Scenario

    scenario = Scenario(
        variants=[
            {
                "key": "married",
                "options": [
                    {"value": "yes", "exclude_items": []},
                    {"value": "no", "exclude_items": ["A", "B"]},
                ],
            },
            {"key": "abroad", "options": [{"value": 1, "exclude_items": ["C"]}]},
        ]
    )

    assert selectors.excluded_items(scenario=scenario, answers={}) == set()
    assert selectors.excluded_items(scenario=scenario, answers={"married": "yes"}) == set()
    assert selectors.excluded_items(scenario=scenario, answers={"married": "no"}) == {"A", "B"}
    # values compare as text (a form answers "1" for the option 1); unknown values exclude nothing
    assert selectors.excluded_items(
        scenario=scenario, answers={"married": "no", "abroad": "1"}
    ) == {"A", "B", "C"}
    assert selectors.excluded_items(scenario=scenario, answers={"married": "maybe"}) == set()


def test_items_form_schema_restricts_the_bundle_form(catalogue: None) -> None:
    newborn = selectors.scenario_get(region="371121", slug="newborn")
    items = selectors.scenario_items(scenario=newborn)
    whole = selectors.items_form_schema(items=items, scenario=newborn)
    assert whole["properties"].keys() == newborn.form_schema["properties"].keys()

    first = items[:1]
    part = selectors.items_form_schema(items=first, scenario=newborn)
    assert part["properties"]
    assert all(first[0].code in p["x-items"] for p in part["properties"].values())
    assert newborn.form_schema["properties"].keys() >= part["properties"].keys()

    alone = selectors.items_form_schema(items=first)
    assert alone["x-title"] == {"zh": first[0].name_zh, "en": first[0].name_en}
    assert alone["properties"].keys() == {f["key"] for f in first[0].form_fields}
