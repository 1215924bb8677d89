"""Importing and exporting the catalogue: happy path, region remap, idempotence, round trips,
and broken files that must be rejected row by row with nothing written."""

# Expected values are Chinese catalogue text, full-width punctuation included.

from __future__ import annotations

import copy
import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from onestop.catalog.models import Item, Material, Scenario, ScenarioItem
from onestop.catalog.seed import seed_catalog
from onestop.catalog.services import catalog_export, catalog_import
from onestop.core.actors import SYSTEM
from onestop.core.errors import PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int, int, int]:
    return (
        Item.objects.count(),
        Material.objects.count(),
        Scenario.objects.count(),
        ScenarioItem.objects.count(),
    )


def snapshot() -> list[tuple[Any, ...]]:
    return list(Item.objects.order_by("code").values_list("code", "name_zh", "updated_at"))


def test_import_creates_the_catalogue(registries: None, document: dict[str, Any]) -> None:
    result = catalog_import(actor=SYSTEM, data=document, region=None, fmt="json")

    assert (result.items_created, result.scenarios_created) == (147, 13)
    assert counts() == (147, 556, 13, sum(len(s["items"]) for s in document["scenarios"]))
    item = Item.objects.get(code="37112100SP-XK-0001")
    assert item.template_key == "SP-XK-0001"
    assert item.competent_department_id == "371121-market-regulation"
    assert item.implementing_department_id == "371121-administrative-approval-services"
    assert [m.key for m in item.materials.order_by("position")][:2] == [
        "application-form",
        "shareholder-resolution",
    ]
    assert Item.objects.get(code="37112100GA-QR-0002").audience == "person"
    assert Item.objects.get(code="37112100GJJ-GG-0001").statutory_days is None


def test_second_region_gets_its_own_codes_departments_and_text(
    registries: None, document: dict[str, Any]
) -> None:
    catalog_import(actor=SYSTEM, data=document, region="320707", fmt="json")

    item = Item.objects.get(code="32070700SP-XK-0001")
    assert item.region_id == "320707"
    assert item.template_key == "SP-XK-0001"
    assert item.competent_department_id == "320707-market-regulation"
    assert item.applicant_scope_zh.startswith("在赣榆区登记的")
    assert "五莲" not in json.dumps(
        list(Item.objects.values_list("applicant_scope_zh", "conditions_zh")), ensure_ascii=False
    )
    newborn = Scenario.objects.get(region_id="320707", slug="newborn")
    assert newborn.lead_department_id == "320707-health"
    question = newborn.variants[0]
    assert question["question_zh"] == "新生儿是否在赣榆区落户（父亲或母亲户口在本区）？"
    assert "Ganyu" in question["question_en"]
    assert question["options"][0]["include_items"][0] == "32070700GA-QR-0001"
    assert not Item.objects.filter(code__startswith="371121").exists()


def test_seed_is_idempotent(registries: None) -> None:
    seed_catalog()
    before, stamps = counts(), snapshot()

    summary = seed_catalog()

    assert counts() == before
    assert snapshot() == stamps
    assert "0 created, 0 updated, 147 unchanged" in summary
    assert before[0] == 147


def test_reimport_of_a_changed_item_updates_only_that_item(
    registries: None, document: dict[str, Any]
) -> None:
    catalog_import(actor=SYSTEM, data=document, region=None, fmt="json")
    changed = copy.deepcopy(document)
    changed["items"][0]["fee_zh"] = "收费"
    changed["items"][0]["materials"].pop()

    result = catalog_import(actor=SYSTEM, data=changed, region=None, fmt="json")

    assert (result.items_updated, result.items_unchanged) == (1, 146)
    assert Item.objects.get(code="37112100SP-XK-0001").fee_zh == "收费"
    assert Material.objects.count() == 555


def test_scenario_form_schema_and_themes(registries: None, document: dict[str, Any]) -> None:
    from jsonschema import Draft202012Validator

    catalog_import(actor=SYSTEM, data=document, region=None, fmt="json")
    scenario = Scenario.objects.get(region_id="371121", slug="enterprise-info-change")
    schema = scenario.form_schema
    Draft202012Validator.check_schema(schema)
    uscc = schema["properties"]["uscc"]
    assert uscc["x-prefill"] == "enterprise-registry.uscc"
    assert uscc["title"] == "统一社会信用代码"
    assert len(uscc["x-items"]) > 1  # asked once for every item that needs it
    assert schema["properties"]["change_items"]["enum"][0] == "名称"
    assert schema["properties"]["change_date"] == {
        "type": "string",
        "format": "date",
        "title": "变更决议（决定）日期",
        "x-title": {"zh": "变更决议（决定）日期", "en": "Date of the resolution on the change"},
        "x-items": [
            "37112100SP-XK-0001",
            "37112100SW-QT-0001",
            "37112100RS-GG-0001",
            "37112100YB-GG-0001",
            "37112100GJJ-GG-0001",
        ],
    }
    assert Item.objects.get(code="37112100WJ-GG-0002").themes == ["birth-childcare", "health-food"]
    assert Item.objects.get(code="37112100GA-QR-0002").popularity == 100


def _rejected(data: Any, fmt: str = "json", region: str | None = None) -> list[dict[str, Any]]:
    before, stamps = counts(), snapshot()
    with pytest.raises(ValidationFailed) as info:
        catalog_import(actor=SYSTEM, data=data, region=region, fmt=fmt)
    assert counts() == before
    assert snapshot() == stamps
    assert info.value.code == "catalog_invalid"
    return list(info.value.details)


@pytest.fixture
def imported(registries: None, document: dict[str, Any]) -> None:
    catalog_import(actor=SYSTEM, data=document, region=None, fmt="json")


def test_bad_json_is_rejected(imported: None) -> None:
    errors = _rejected(b'{"items": [')
    assert errors[0]["sheet"] == "file"
    assert errors[0]["message"].startswith("The file is not valid JSON")


def test_unknown_department_kind_is_rejected(imported: None, document: dict[str, Any]) -> None:
    document["items"][3]["competent_kind"] = "ministry-of-magic"
    document["items"][0]["fee_zh"] = "changed"  # a valid change in the same file is not written
    errors = _rejected(document)
    assert errors == [
        {
            "sheet": "items",
            "row": 4,
            "field": "competent_kind",
            "message": "There is no department kind ministry-of-magic.",
            "path": "items[3]",
        }
    ]


def test_duplicate_code_is_rejected(imported: None, document: dict[str, Any]) -> None:
    document["items"][5]["code"] = document["items"][4]["code"]
    errors = _rejected(document)
    assert {(e["sheet"], e["row"], e["field"]) for e in errors} >= {("items", 6, "code")}
    assert "appears more than once" in errors[0]["message"]


def test_unknown_dataset_and_bad_values_are_all_listed(
    imported: None, document: dict[str, Any]
) -> None:
    item = document["items"][0]
    item["materials"][4]["source"] = {"type": "dataset", "dataset": "horoscopes", "licence": None}
    item["form_fields"][0]["prefill"] = "enterprise-registry.shoe_size"
    document["items"][1]["promised_days"] = -3
    document["items"][2]["type"] = "permit"
    errors = _rejected(document)
    assert [(e["sheet"], e["row"], e["field"]) for e in errors] == [
        ("items", 2, "promised_days"),
        ("items", 3, "type"),
        ("materials", 5, "source_dataset"),
        ("form_fields", 1, "prefill"),
    ]
    assert errors[0]["message"] == "The number must not be negative."
    assert errors[2]["message"] == "There is no dataset horoscopes."
    assert errors[3]["path"] == "items[0].form_fields[0]"


def test_unknown_licence_type_and_variant_item_are_rejected(
    imported: None, document: dict[str, Any]
) -> None:
    document["items"][0]["materials"][5]["source"]["licence"] = "unicorn-licence"
    document["scenario_variants"]["newborn"][0]["options"][0]["include_items"].append(
        "37112100SP-XK-0001"
    )
    errors = _rejected(document)
    assert [(e["sheet"], e["field"]) for e in errors] == [
        ("materials", "source_licence"),
        ("variants", "include_items"),
    ]


def test_xlsx_missing_column_is_rejected(imported: None) -> None:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(catalog_export(region="371121", fmt="xlsx")))
    book["materials"].delete_cols(5)  # the "form" column
    buffer = io.BytesIO()
    book.save(buffer)
    errors = _rejected(buffer.getvalue(), fmt="xlsx")
    assert errors == [
        {"sheet": "materials", "row": 1, "field": "form", "message": "The column form is missing."}
    ]


def test_xlsx_unknown_department_names_the_row(imported: None) -> None:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(catalog_export(region="371121", fmt="xlsx")))
    sheet = book["items"]
    header = [c.value for c in sheet[1]]
    sheet.cell(row=7, column=header.index("implementing_kind") + 1, value="nowhere")
    buffer = io.BytesIO()
    book.save(buffer)
    errors = _rejected(buffer.getvalue(), fmt="xlsx")
    assert errors == [
        {
            "sheet": "items",
            "row": 7,
            "field": "implementing_kind",
            "message": "There is no department kind nowhere.",
        }
    ]


def test_json_round_trip_on_an_empty_database(imported: None) -> None:
    exported = catalog_export(region="371121", fmt="json")
    ScenarioItem.objects.all().delete()
    Scenario.objects.all().delete()
    Item.objects.all().delete()

    result = catalog_import(actor=SYSTEM, data=exported, region=None, fmt="json")

    assert (result.items_created, result.scenarios_created) == (147, 13)
    assert catalog_export(region="371121", fmt="json") == exported


def test_xlsx_round_trip_on_an_empty_database(imported: None) -> None:
    exported_json = catalog_export(region="371121", fmt="json")
    workbook = catalog_export(region="371121", fmt="xlsx")
    ScenarioItem.objects.all().delete()
    Scenario.objects.all().delete()
    Item.objects.all().delete()

    result = catalog_import(actor=SYSTEM, data=workbook, region=None, fmt="xlsx")

    assert (result.items_created, result.scenarios_created) == (147, 13)
    assert catalog_export(region="371121", fmt="json") == exported_json
    again = catalog_import(actor=SYSTEM, data=workbook, region=None, fmt="xlsx")
    assert again.changed == 0


def test_import_needs_an_administrator(imported: None, document: dict[str, Any]) -> None:
    from onestop.accounts.models import User

    user = User.objects.create_user(username="clerk", password="a-long-password-1")
    before = snapshot()
    with pytest.raises(PermissionDenied):
        catalog_import(actor=user, data=document, region="371121", fmt="json")
    assert snapshot() == before


def test_commands_print_row_errors_and_export(
    imported: None, tmp_path: Any, document: dict[str, Any]
) -> None:
    out = tmp_path / "wulian.json"
    call_command("catalog_export", "--region", "371121", "--format", "json", "-o", str(out))
    assert json.loads(out.read_text(encoding="utf-8"))["region"] == "371121"
    document["items"][1]["audience"] = "aliens"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    stderr = io.StringIO()
    with pytest.raises(CommandError):
        call_command("catalog_import", str(bad), stderr=stderr)
    assert "items row 2 (items[1]) audience: aliens is not one of the allowed values" in (
        stderr.getvalue()
    )
    stdout = io.StringIO()
    call_command("catalog_import", str(out), "--region", "320707", stdout=stdout)
    assert "320707: items 147 created" in stdout.getvalue()


def test_a_joint_scenario_keeps_its_other_regions_item_through_export_and_import(
    registries: None,
) -> None:
    """Ganyu's household move names Wulian's move-out item by region and code; the JSON and
    XLSX exports write it as such and read it back unchanged, and a remote entry whose region
    is unknown is refused."""
    seed_catalog(region="320707")
    slug = "household-move-371121-320707"
    exported = catalog_export(region="320707", fmt="json")
    scenario = next(s for s in json.loads(exported)["scenarios"] if s["slug"] == slug)
    assert scenario["items"] == [
        {"code": "37112100GA-QR-0006", "region": "371121"},
        {"code": "32070700GA-QR-0003"},
        {"code": "32070700YB-GG-0007"},
    ]
    assert catalog_import(actor=SYSTEM, data=exported, region="320707", fmt="json").changed == 0
    workbook = catalog_export(region="320707", fmt="xlsx")
    assert catalog_import(actor=SYSTEM, data=workbook, region="320707", fmt="xlsx").changed == 0
    first = ScenarioItem.objects.filter(scenario__slug=slug).order_by("position").first()
    assert first is not None
    assert (first.item_id, first.region_id, first.item_code) == (
        None,
        "371121",
        "37112100GA-QR-0006",
    )

    document = json.loads(exported)
    joint = next(s for s in document["scenarios"] if s["slug"] == slug)
    joint["items"][0] = {"code": "99999900GA-QR-0006", "region": "999999"}
    with pytest.raises(ValidationFailed) as refused:
        catalog_import(actor=SYSTEM, data=document, region="320707", fmt="json")
    assert [e["field"] for e in refused.value.details] == ["item_region"]
