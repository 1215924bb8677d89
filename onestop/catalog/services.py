"""Writes of the catalogue: importing a catalogue file (JSON or XLSX) for a region.

`catalog_import` checks every row of the file first and writes nothing when any row is wrong;
otherwise it upserts by code inside one transaction, writing a row only when a value differs
(importing the same file twice changes nothing). `catalog_export` writes the file back.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import models, transaction
from django.utils.translation import gettext as _

from onestop.catalog import hooks, importer
from onestop.catalog.models import Item, Material, Scenario, ScenarioItem
from onestop.catalog.policies import can
from onestop.core.errors import NotFound, PermissionDenied, ValidationFailed
from onestop.core.permissions import Permission
from onestop.core.upsert import row_sync
from onestop.credentials.selectors import licence_type_list
from onestop.org.selectors import department_kind_list, department_list, region_get, region_list
from onestop.sharing.selectors import dataset_field_keys

FORMATS = ("json", "xlsx")
M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class ImportResult:
    region: str
    items_created: int
    items_updated: int
    items_unchanged: int
    scenarios_created: int
    scenarios_updated: int
    scenarios_unchanged: int

    @property
    def changed(self) -> int:
        return (
            self.items_created
            + self.items_updated
            + self.scenarios_created
            + self.scenarios_updated
        )

    def summary(self) -> str:
        return (
            f"{self.region}: items {self.items_created} created, {self.items_updated} updated, "
            f"{self.items_unchanged} unchanged; scenarios {self.scenarios_created} created, "
            f"{self.scenarios_updated} updated, {self.scenarios_unchanged} unchanged"
        )


def _upsert(
    model: type[M], lookup: dict[str, Any], values: dict[str, Any], checked: list[str]
) -> tuple[M, str]:
    """Create or update one row (`core.upsert.row_sync`); `checked` names fields already
    checked against the registries. Returns the row and "created", "updated" or "unchanged"."""
    return row_sync(model, lookup, values, exclude=checked)


_LEVEL_WORD = {"county": "县", "district": "区", "city": "市", "province": "省"}


def _region_chain(code: str) -> list[Any]:
    chain = []
    region: Any = region_get(code=code)
    while region is not None:
        chain.append(region)
        region = region.parent
    return chain


def _text_map(source: str | None, target: str) -> Callable[[str], str]:
    """Replace the source region's names in guide text by the target region's.

    Pairs the two regions' chains level by level (county, city, province): full names, names
    without the level word (五莲县 → 五莲) and English names; "本县" becomes "本区" when the
    target is a district.
    """
    if source is None or source == target:
        return lambda text: text
    try:
        src, dst = _region_chain(source), _region_chain(target)
    except NotFound:
        return lambda text: text
    pairs: dict[str, str] = {}
    for a, b in zip(src, dst, strict=False):
        pairs[a.name_zh] = b.name_zh
        short_a, short_b = a.name_zh[:-1], b.name_zh[:-1]
        if len(short_a) >= 2 and len(short_b) >= 2:
            pairs[short_a] = short_b
        if a.name_en and b.name_en:
            pairs[a.name_en] = b.name_en
            pairs[a.name_en.split()[0]] = b.name_en.split()[0]
    word_a, word_b = _LEVEL_WORD.get(src[0].level), _LEVEL_WORD.get(dst[0].level)
    if word_a and word_b and word_a != word_b:
        pairs[f"本{word_a}"] = f"本{word_b}"
    pattern = re.compile("|".join(re.escape(k) for k in sorted(pairs, key=len, reverse=True)))
    return lambda text: pattern.sub(lambda m: pairs[m.group(0)], text) if text else text


def _registry(region: str, source: str | None, errors: importer.Errors) -> importer.Registry | None:
    try:
        region_get(code=region)
    except NotFound:
        errors.add(
            "file", 0, "region", _("There is no region with the code %(code)s.") % {"code": region}
        )
        return None
    departments: dict[str, str] = {}
    for department in department_list(region=region).order_by("code"):
        # `<region>-<kind>` is the department of a kind; otherwise the first one of that kind.
        if (
            department.code == f"{region}-{department.kind_id}"
            or department.kind_id not in departments
        ):
            departments[department.kind_id] = department.code
    return importer.Registry(
        region=region,
        kinds=set(department_kind_list().values_list("key", flat=True)),
        departments=departments,
        datasets=dataset_field_keys(),
        licences=set(licence_type_list().values_list("key", flat=True)),
        regions=set(region_list().values_list("code", flat=True)),
        text_map=_text_map(source, region),
    )


def catalog_import(
    *, actor: Any, data: bytes | str | dict[str, Any], region: str | None, fmt: str
) -> ImportResult:
    """Import a catalogue file for `region` (default: the region in the item codes).

    Raises ValidationFailed with `details` = every row error ({sheet, row, field, message})
    and writes nothing when any row is wrong. Codes, departments and the region's names in the
    guide text are remapped to `region`.
    """
    if fmt not in FORMATS:
        raise ValidationFailed(
            _("The format %(fmt)s is not supported; use json or xlsx.") % {"fmt": fmt}
        )
    errors = importer.Errors()
    if fmt == "json":
        sheets = importer.read_json(data, errors)
    else:
        if not isinstance(data, bytes):
            raise ValidationFailed(_("An XLSX workbook must be given as bytes."))
        sheets = importer.read_xlsx(data, errors)
    sources = {
        str(r.values.get("code"))[:6]
        for r in sheets.get("items", [])
        if re.match(r"^\d{6}", str(r.values.get("code") or ""))
    }
    source = next(iter(sources)) if len(sources) == 1 else None
    target = region or source
    if not errors and target is None:
        errors.add("file", 0, "region", _("Say which region the catalogue is for."))
    if target is not None and not can(actor, Permission.CATALOG_IMPORT, target):
        raise PermissionDenied(_("You may not import the catalogue of this region."))
    registry = _registry(target, source, errors) if target and not errors else None
    if registry is not None:
        checked = importer.check(sheets, registry, errors)
    if errors or registry is None:
        raise ValidationFailed(
            _("The catalogue file has %(count)d error(s); nothing was imported.")
            % {"count": len(errors.items)},
            code="catalog_invalid",
            details=errors.items,
        )
    items = importer.build_items(checked, registry)
    scenarios = importer.build_scenarios(checked, registry, items)
    region = registry.region
    with transaction.atomic():
        result = ImportResult(region=region, **_write(items, scenarios))
        if result.changed:
            transaction.on_commit(lambda: hooks.catalogue_changed(region))
    return result


def _write(items: list[dict[str, Any]], scenarios: list[dict[str, Any]]) -> dict[str, int]:
    counts = dict.fromkeys(
        [
            f"{kind}_{state}"
            for kind in ("items", "scenarios")
            for state in ("created", "updated", "unchanged")
        ],
        0,
    )
    ids: dict[str, int] = {}
    for record in items:
        item, state = _upsert(
            Item,
            {"code": record["code"]},
            record["values"],
            ["region", "competent_department", "implementing_department"],
        )
        ids[record["code"]] = item.pk
        material_changed = _write_materials(item, record["materials"])
        if state == "unchanged" and material_changed:
            state = "updated"
        counts[f"items_{state}"] += 1
    for record in scenarios:
        values = dict(record["values"])
        region_id = values.pop("region_id")
        scenario, state = _upsert(
            Scenario,
            {"region_id": region_id, "slug": record["slug"]},
            values,
            ["region", "lead_department"],
        )
        # (local item, other region, its item code): one of the two sides is empty.
        wanted = [
            (None, region, code) if region else (ids[code], None, "")
            for code, region in record["entries"]
        ]
        current = list(
            scenario.entries.order_by("position").values_list("item_id", "region_id", "item_code")
        )
        if current != wanted:
            scenario.entries.all().delete()
            # Items and their order come from the checked file; the constraint is the DB's.
            ScenarioItem.objects.bulk_create(
                ScenarioItem(
                    scenario=scenario,
                    item_id=item_id,
                    region_id=region,
                    item_code=code,
                    position=position,
                )
                for position, (item_id, region, code) in enumerate(wanted)
            )
            if state == "unchanged":
                state = "updated"
        counts[f"scenarios_{state}"] += 1
    return counts


def _write_materials(item: Item, materials: list[dict[str, Any]]) -> bool:
    """Bring the item's materials in line with `materials`; whether anything was written."""
    existing = {m.key: m for m in item.materials.all()}
    wanted = {m["key"]: m for m in materials}
    stale = [m.pk for key, m in existing.items() if key not in wanted]
    if stale:
        Material.objects.filter(pk__in=stale).delete()
    new: list[Material] = []
    changed = bool(stale)
    for key, values in wanted.items():
        material = existing.get(key)
        if material is None:
            material = Material(item=item, **values)
            # Keys are unique per item in the checked file; the constraint is checked by the DB.
            material.full_clean(exclude=["item"], validate_constraints=False)
            new.append(material)
            continue
        diff = [name for name, value in values.items() if getattr(material, name) != value]
        if diff:
            for name in diff:
                setattr(material, name, values[name])
            material.full_clean(exclude=["item"], validate_constraints=False)
            material.save(update_fields=diff)
            changed = True
    if new:
        Material.objects.bulk_create(new)
        changed = True
    return changed


def catalog_export(*, region: str, fmt: str) -> bytes:
    """The region's catalogue as a file that `catalog_import` reads back unchanged."""
    if fmt not in FORMATS:
        raise ValidationFailed(
            _("The format %(fmt)s is not supported; use json or xlsx.") % {"fmt": fmt}
        )
    region_get(code=region)
    items = list(
        Item.objects.filter(region_id=region)
        .select_related("competent_department", "implementing_department")
        .prefetch_related(
            models.Prefetch("materials", queryset=Material.objects.order_by("position"))
        )
        .order_by("code")
    )
    scenarios = []
    for scenario in (
        Scenario.objects.filter(region_id=region)
        .select_related("lead_department")
        .prefetch_related(
            models.Prefetch(
                "entries", queryset=ScenarioItem.objects.select_related("item").order_by("position")
            )
        )
        .order_by("slug")
    ):
        scenarios.append(  # noqa: PERF401 - one readable record per scenario
            {
                "slug": scenario.slug,
                "name_zh": scenario.name_zh,
                "name_en": scenario.name_en,
                "audience": scenario.audience,
                "lead_kind": scenario.lead_department.kind_id,
                "summary_zh": scenario.summary_zh,
                "summary_en": scenario.summary_en,
                "variants": scenario.variants,
                "entries": [
                    (entry.item.code, None) if entry.item else (entry.item_code, entry.region_id)
                    for entry in scenario.entries.all()
                ],
            }
        )
    document = importer.export_document(items, scenarios)
    document["region"] = region
    if fmt == "json":
        return importer.export_json(document)
    return importer.export_xlsx(document)
