"""Reading, checking and writing catalogue files (JSON and XLSX).

Both formats are read into the same *sheets* of rows (items, materials, form_fields, scenarios,
scenario_items, variants); every row is checked and every problem collected as
``{"sheet", "row", "field", "message"}`` before anything is written. `build` turns checked rows
into the records the service writes; `export_document` / `export_json` / `export_xlsx` go the
other way. The format is documented in docs/catalog.md.
"""

# The row checks are one flat list of rules per sheet; splitting them would hide the rules.
# ruff: noqa: PLR0911, PLR0912, PLR0915

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from onestop.catalog.models import Audience, Item, ItemType, Material
from onestop.catalog.popularity import popularity_of
from onestop.catalog.themes import derive_themes

FORMAT_VERSION = "onestop-catalog/1"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

TYPE_CODES = {
    ItemType.LICENSING: "XK",
    ItemType.CONFIRMATION: "QR",
    ItemType.BENEFIT: "JF",
    ItemType.FILING: "BA",
    ItemType.PUBLIC_SERVICE: "GG",
    ItemType.OTHER: "QT",
}
CODE_RE = re.compile(r"^(\d{6})(\d{2})([A-Z]{2,3})-([A-Z]{2})-(\d{4})$")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
FIELD_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
FIELD_TYPES = ("string", "text", "number", "date", "select", "bool")
RESULT_TYPES = ("licence", "approval", "registration", "record", "payment", "other")
SOURCE_TYPES = tuple(Material.Source.values)

# --- columns -----------------------------------------------------------------------------
# (name, kind, required). kind: text, lines, int, int_opt, bool, json, list.
Column = tuple[str, str, bool]

COLUMNS: dict[str, list[Column]] = {
    "items": [
        ("code", "text", True),
        ("name_zh", "text", True),
        ("name_en", "text", False),
        ("type", "text", True),
        ("audience", "text", True),
        ("competent_kind", "text", True),
        ("implementing_kind", "text", True),
        ("legal_basis", "lines", True),
        ("applicant_scope_zh", "text", True),
        ("applicant_scope_en", "text", False),
        ("conditions_zh", "lines", True),
        ("conditions_en", "lines", False),
        ("steps", "lines", True),
        ("special_steps", "json", False),
        ("statutory_days", "int_opt", True),
        ("promised_days", "int", True),
        ("time_limit_note_zh", "text", False),
        ("fee_zh", "text", True),
        ("fee_en", "text", False),
        ("result_name_zh", "text", True),
        ("result_type", "text", True),
        ("result_e_licence", "text", False),
        ("visits", "int", True),
        ("online_depth", "int", True),
        ("cross_province", "bool", True),
    ],
    "materials": [
        ("item_code", "text", True),
        ("key", "text", True),
        ("name_zh", "text", True),
        ("name_en", "text", False),
        ("form", "text", True),
        ("copies", "int", True),
        ("required", "bool", True),
        ("key_material", "bool", True),
        ("source_type", "text", True),
        ("source_dataset", "text", False),
        ("source_licence", "text", False),
    ],
    "form_fields": [
        ("item_code", "text", True),
        ("key", "text", True),
        ("label_zh", "text", True),
        ("label_en", "text", False),
        ("type", "text", True),
        ("prefill", "text", False),
        ("options", "lines", False),
        ("options_en", "lines", False),
        ("hint_zh", "text", False),
        ("hint_en", "text", False),
    ],
    "scenarios": [
        ("slug", "text", True),
        ("name_zh", "text", True),
        ("name_en", "text", False),
        ("audience", "text", True),
        ("lead_kind", "text", True),
        ("summary_zh", "text", False),
        ("summary_en", "text", False),
    ],
    "scenario_items": [
        ("scenario", "text", True),
        ("item_code", "text", True),
        # The region of an item handled by another region's node (joint handling); empty: the
        # item is the importing region's own.
        ("item_region", "text", False),
    ],
    "variants": [
        ("scenario", "text", True),
        ("question_key", "text", True),
        ("question_zh", "text", True),
        ("question_en", "text", False),
        ("option_value", "text", True),
        ("option_label_zh", "text", True),
        ("option_label_en", "text", False),
        ("include_items", "list", False),
        ("exclude_items", "list", False),
    ],
}
SHEETS = tuple(COLUMNS)


@dataclass
class Row:
    sheet: str
    row: int
    values: dict[str, Any]
    path: str = ""


@dataclass
class Errors:
    items: list[dict[str, Any]] = field(default_factory=list)

    def add(self, sheet: str, row: int, column: str, message: str, path: str = "") -> None:
        error: dict[str, Any] = {"sheet": sheet, "row": row, "field": column, "message": message}
        if path:
            error["path"] = path
        self.items.append(error)

    def at(self, r: Row, column: str, message: str) -> None:
        self.add(r.sheet, r.row, column, message, r.path)

    def __bool__(self) -> bool:
        return bool(self.items)


@dataclass
class Registry:
    """What the rows are checked against: the target region and the registries."""

    region: str
    kinds: set[str]
    departments: dict[str, str]  # kind -> department code in the region
    datasets: dict[str, set[str]]  # dataset -> its field keys
    licences: set[str]
    regions: set[str] = field(default_factory=set)  # every region code the node knows
    text_map: Callable[[str], str] = field(default=lambda s: s)


# --- reading -----------------------------------------------------------------------------


def read_json(data: bytes | str | dict[str, Any], errors: Errors) -> dict[str, list[Row]]:
    """The JSON document (catalog.json shape plus `scenarios`) as sheets of rows."""
    if isinstance(data, bytes | str):
        try:
            doc = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            line = getattr(exc, "lineno", 0)
            errors.add(
                "file", line, "", _("The file is not valid JSON: %(error)s.") % {"error": exc}
            )
            return {}
    else:
        doc = data
    if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
        errors.add("file", 0, "items", _("The file must be a JSON object with a list of items."))
        return {}
    sheets: dict[str, list[Row]] = {name: [] for name in SHEETS}
    memberships: dict[str, list[tuple[str, str]]] = {}
    for i, item in enumerate(doc["items"], start=1):
        path = f"items[{i - 1}]"
        if not isinstance(item, dict):
            errors.add("items", i, "", _("Each item must be a JSON object."), path)
            continue
        values = {k: v for k, v in item.items() if k not in ("materials", "form_fields")}
        result: dict[str, Any] = item["result"] if isinstance(item.get("result"), dict) else {}
        values.pop("result", None)
        values.update(
            result_name_zh=result.get("name_zh"),
            result_type=result.get("type"),
            result_e_licence=result.get("e_licence"),
        )
        if "result" not in item:
            values.pop("result_name_zh")
            values.pop("result_type")
        sheets["items"].append(Row("items", i, values, path))
        code = item.get("code")
        for slug in item.get("scenarios") or []:
            memberships.setdefault(str(slug), []).append((str(code), str(item.get("name_zh"))))
        for j, material in enumerate(item.get("materials") or [], start=1):
            mpath = f"{path}.materials[{j - 1}]"
            if not isinstance(material, dict):
                errors.add("materials", j, "", _("Each material must be a JSON object."), mpath)
                continue
            mvalues = {k: v for k, v in material.items() if k != "source"}
            source: dict[str, Any] = (
                material["source"] if isinstance(material.get("source"), dict) else {}
            )
            mvalues.update(
                item_code=code,
                source_type=source.get("type"),
                source_dataset=source.get("dataset"),
                source_licence=source.get("licence"),
            )
            sheets["materials"].append(
                Row("materials", len(sheets["materials"]) + 1, mvalues, mpath)
            )
        for j, form_field in enumerate(item.get("form_fields") or [], start=1):
            fpath = f"{path}.form_fields[{j - 1}]"
            if not isinstance(form_field, dict):
                errors.add("form_fields", j, "", _("Each form field must be a JSON object."), fpath)
                continue
            fvalues = dict(form_field, item_code=code)
            sheets["form_fields"].append(
                Row("form_fields", len(sheets["form_fields"]) + 1, fvalues, fpath)
            )
    for i, scenario in enumerate(doc.get("scenarios") or [], start=1):
        path = f"scenarios[{i - 1}]"
        if not isinstance(scenario, dict):
            errors.add("scenarios", i, "", _("Each scenario must be a JSON object."), path)
            continue
        slug = str(scenario.get("slug"))
        sheets["scenarios"].append(
            Row("scenarios", i, {k: v for k, v in scenario.items() if k != "items"}, path)
        )
        members = memberships.pop(slug, [])
        ordered: list[str] = []
        remote: dict[str, str] = {}  # code → region of the items of other regions
        # The scenario's own list gives the order (by code, else by Chinese name).
        for j, raw_entry in enumerate(scenario.get("items") or []):
            entry = raw_entry if isinstance(raw_entry, dict) else {}
            match = [
                code
                for code, name in members
                if code == entry.get("code")
                or (not entry.get("code") and name == entry.get("name_zh"))
            ]
            if entry.get("region") and entry.get("code") and not match:
                match = [str(entry["code"])]  # another region's item, not in this file
            if entry.get("region"):
                remote.update(dict.fromkeys(match, str(entry["region"])))
            if not match:
                errors.add(
                    "scenarios",
                    i,
                    "items",
                    _(
                        "The scenario lists the item %(name)s, but no item of the file names "
                        "this scenario."
                    )
                    % {"name": entry.get("code") or entry.get("name_zh")},
                    f"{path}.items[{j}]",
                )
            ordered.extend(code for code in match if code not in ordered)
        ordered.extend(code for code, _name in members if code not in ordered)
        for code in ordered:
            sheets["scenario_items"].append(
                Row(
                    "scenario_items",
                    len(sheets["scenario_items"]) + 1,
                    {"scenario": slug, "item_code": code, "item_region": remote.get(code, "")},
                    path,
                )
            )
    for slug, members in memberships.items():
        for code, _name in members:
            sheets["scenario_items"].append(
                Row(
                    "scenario_items",
                    len(sheets["scenario_items"]) + 1,
                    {"scenario": slug, "item_code": code},
                    f"items[{code}].scenarios",
                )
            )
    variants = doc.get("scenario_variants") or {}
    if not isinstance(variants, dict):
        errors.add("variants", 0, "", _("scenario_variants must be an object keyed by scenario."))
        variants = {}
    for slug, questions in variants.items():
        for q, raw_question in enumerate(questions if isinstance(questions, list) else []):
            question = raw_question if isinstance(raw_question, dict) else {}
            for o, raw_option in enumerate(question.get("options") or []):
                option = raw_option if isinstance(raw_option, dict) else {}
                sheets["variants"].append(
                    Row(
                        "variants",
                        len(sheets["variants"]) + 1,
                        {
                            "scenario": slug,
                            "question_key": question.get("key"),
                            "question_zh": question.get("question_zh"),
                            "question_en": question.get("question_en"),
                            "option_value": option.get("value"),
                            "option_label_zh": option.get("label_zh"),
                            "option_label_en": option.get("label_en"),
                            "include_items": option.get("include_items", []),
                            "exclude_items": option.get("exclude_items", []),
                        },
                        f"scenario_variants.{slug}[{q}].options[{o}]",
                    )
                )
    return sheets


def read_xlsx(data: bytes, errors: Errors) -> dict[str, list[Row]]:
    """The workbook as sheets of rows; row numbers are the spreadsheet's (header = 1)."""
    from openpyxl import load_workbook  # openpyxl (and numpy) load when a workbook is read

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        errors.add(
            "file", 0, "", _("The file is not a valid XLSX workbook: %(error)s.") % {"error": exc}
        )
        return {}
    sheets: dict[str, list[Row]] = {}
    for name in SHEETS:
        if name not in book.sheetnames:
            if name in ("items", "materials"):
                errors.add(
                    name, 0, "", _("The workbook has no sheet named %(sheet)s.") % {"sheet": name}
                )
            sheets[name] = []
            continue
        rows = book[name].iter_rows(values_only=True)
        header = [str(c).strip() if c is not None else "" for c in next(rows, ())]
        for column, _kind, required in COLUMNS[name]:
            if required and column not in header:
                errors.add(
                    name, 1, column, _("The column %(column)s is missing.") % {"column": column}
                )
        sheets[name] = []
        for number, cells in enumerate(rows, start=2):
            if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
                continue
            values = {header[i]: c for i, c in enumerate(cells) if i < len(header) and header[i]}
            sheets[name].append(Row(name, number, values))
    book.close()
    return sheets


# --- checking ----------------------------------------------------------------------------

_TRUE = {"true", "yes", "y", "1", "是"}
_FALSE = {"false", "no", "n", "0", "否", ""}


def _coerce(value: Any, kind: str) -> Any:
    """The typed value of a cell or JSON value; raises ValueError with a translated message."""
    if kind == "text":
        if value is None:
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ValueError(_("Text is expected."))
        return str(value).strip() if isinstance(value, str) else str(value)
    if kind in ("lines", "list"):
        if value is None or value == "":
            return []
        if isinstance(value, list):
            if not all(isinstance(v, str) for v in value):
                raise ValueError(_("A list of texts is expected."))
            return [v.strip() for v in value if v.strip()]
        if isinstance(value, str):
            sep = r"\n" if kind == "lines" else r"[\n,\uff0c;\uff1b\s]+"
            return [v.strip() for v in re.split(sep, value) if v.strip()]
        raise ValueError(_("A list of texts is expected."))
    if kind in ("int", "int_opt"):
        if value is None or value == "":
            if kind == "int_opt":
                return None
            raise ValueError(_("A whole number is required."))
        if isinstance(value, bool):
            raise ValueError(_("A whole number is expected."))
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
            value = int(value.strip())
        if not isinstance(value, int):
            raise ValueError(_("A whole number is expected."))
        if value < 0:
            raise ValueError(_("The number must not be negative."))
        return value
    if kind == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower() if value is not None else ""
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError(_("Yes or no (true or false) is expected."))
    if kind == "json":
        if value is None or value == "":
            return []
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError as exc:
                raise ValueError(_("Valid JSON is expected.")) from exc
        if not isinstance(value, list | dict):
            raise ValueError(_("A JSON list is expected."))
        return value
    raise AssertionError(kind)


def _typed(rows: list[Row], sheet: str, errors: Errors) -> list[Row]:
    """Coerce every column of every row; a row with a bad cell is reported and kept untyped."""
    typed: list[Row] = []
    for r in rows:
        values: dict[str, Any] = {}
        ok = True
        for column, kind, required in COLUMNS[sheet]:
            if column not in r.values:
                if required and kind not in ("int_opt",) and r.path:
                    errors.at(r, column, _("The field %(field)s is missing.") % {"field": column})
                    ok = False
                values[column] = _coerce(None, kind) if kind != "int" else None
                continue
            try:
                values[column] = _coerce(r.values[column], kind)
            except ValueError as exc:
                errors.at(r, column, str(exc))
                ok = False
        if ok:
            typed.append(Row(r.sheet, r.row, values, r.path))
    return typed


def _choice(errors: Errors, r: Row, column: str, allowed: Iterable[str]) -> bool:
    allowed = list(allowed)
    if r.values[column] not in allowed:
        errors.at(
            r,
            column,
            _("%(value)s is not one of the allowed values (%(allowed)s).")
            % {"value": r.values[column] or "''", "allowed": ", ".join(allowed)},
        )
        return False
    return True


def _required(errors: Errors, r: Row, *columns: str) -> bool:
    ok = True
    for column in columns:
        if r.values.get(column) in (None, "", []):
            errors.at(r, column, _("A value is required."))
            ok = False
    return ok


def remap_code(code: str, region: str) -> str:
    """`37112100SP-XK-0001` in region 320707 is `32070700SP-XK-0001` (township digits kept)."""
    if re.match(r"^\d{6}", code):
        return region + code[6:]
    return code


@dataclass
class Checked:
    items: list[Row]
    materials: dict[str, list[Row]]
    form_fields: dict[str, list[Row]]
    scenarios: list[Row]
    scenario_items: dict[str, list[str]]
    variants: dict[str, list[Row]]
    # Every entry of each scenario in order: (item code, its region when another region's).
    scenario_entries: dict[str, list[tuple[str, str | None]]] = field(default_factory=dict)


def check(sheets: dict[str, list[Row]], reg: Registry, errors: Errors) -> Checked:
    """Check every row against the format and the registries; problems go to `errors`."""
    typed = {name: _typed(sheets.get(name, []), name, errors) for name in SHEETS}
    for rows in typed.values():
        for r in rows:
            for column in ("code", "item_code"):
                if r.values.get(column):
                    r.values[column] = remap_code(
                        r.values[column], r.values.get("item_region") or reg.region
                    )
            for column in ("include_items", "exclude_items"):
                if column in r.values:
                    r.values[column] = [remap_code(c, reg.region) for c in r.values[column]]

    items: list[Row] = []
    codes: set[str] = set()
    # Every code in the file, even of rows with errors: their children are not "unknown items".
    all_codes = {
        remap_code(str(r.values.get("code") or ""), reg.region) for r in sheets.get("items", [])
    }
    for r in typed["items"]:
        v = r.values
        ok = _required(errors, r, "code", "name_zh", "fee_zh", "result_name_zh")
        code = v["code"]
        match = CODE_RE.match(code)
        if code and not match:
            errors.at(
                r,
                "code",
                _("The item code %(code)s is not in the form 37112100SP-XK-0001.") % {"code": code},
            )
            ok = False
        if code in codes:
            errors.at(
                r, "code", _("The item code %(code)s appears more than once.") % {"code": code}
            )
            ok = False
        codes.add(code)
        if _choice(errors, r, "type", ItemType.values) and match:
            if TYPE_CODES[ItemType(v["type"])] != match.group(4):
                errors.at(
                    r,
                    "code",
                    _(
                        "The type code %(got)s in the item code does not match the item type "
                        "(%(want)s)."
                    )
                    % {"got": match.group(4), "want": TYPE_CODES[ItemType(v["type"])]},
                )
                ok = False
        else:
            ok = False
        ok &= _choice(errors, r, "audience", Audience.values)
        ok &= _choice(errors, r, "result_type", RESULT_TYPES)
        for column in ("competent_kind", "implementing_kind"):
            kind = v[column]
            if kind not in reg.kinds:
                errors.at(
                    r, column, _("There is no department kind %(kind)s.") % {"kind": kind or "''"}
                )
                ok = False
            elif kind not in reg.departments:
                errors.at(
                    r,
                    column,
                    _("Region %(region)s has no department of kind %(kind)s.")
                    % {"region": reg.region, "kind": kind},
                )
                ok = False
        if v["promised_days"] is None:
            errors.at(r, "promised_days", _("A whole number is required."))
            ok = False
        elif v["statutory_days"] is not None and v["promised_days"] > v["statutory_days"]:
            errors.at(
                r, "promised_days", _("The promised limit is longer than the statutory limit.")
            )
            ok = False
        for column in ("visits", "online_depth"):
            if v[column] is None:
                errors.at(r, column, _("A whole number is required."))
                ok = False
        if v["online_depth"] is not None and not 1 <= v["online_depth"] <= 4:
            errors.at(r, "online_depth", _("The online depth must be between 1 and 4."))
            ok = False
        if v["result_e_licence"] and v["result_e_licence"] not in reg.licences:
            errors.at(
                r,
                "result_e_licence",
                _("There is no e-licence type %(key)s.") % {"key": v["result_e_licence"]},
            )
            ok = False
        if not isinstance(v["special_steps"], list) or not all(
            isinstance(s, dict) and s.get("name_zh") for s in v["special_steps"]
        ):
            errors.at(
                r, "special_steps", _("Special steps must be a list of objects with name_zh.")
            )
            ok = False
        if ok:
            items.append(r)

    materials = _check_children(
        typed["materials"], all_codes, errors, lambda r: _check_material(r, reg, errors)
    )
    form_fields = _check_children(
        typed["form_fields"], all_codes, errors, lambda r: _check_form_field(r, reg, errors)
    )

    scenarios: list[Row] = []
    slugs: set[str] = set()
    for r in typed["scenarios"]:
        v = r.values
        ok = _required(errors, r, "slug", "name_zh")
        if v["slug"] and not SLUG_RE.match(v["slug"]):
            errors.at(r, "slug", _("The slug %(slug)s is not valid.") % {"slug": v["slug"]})
            ok = False
        if v["slug"] in slugs:
            errors.at(
                r, "slug", _("The scenario %(slug)s appears more than once.") % {"slug": v["slug"]}
            )
            ok = False
        slugs.add(v["slug"])
        ok &= _choice(errors, r, "audience", Audience.values)
        if v["lead_kind"] not in reg.kinds:
            errors.at(
                r,
                "lead_kind",
                _("There is no department kind %(kind)s.") % {"kind": v["lead_kind"] or "''"},
            )
            ok = False
        elif v["lead_kind"] not in reg.departments:
            errors.at(
                r,
                "lead_kind",
                _("Region %(region)s has no department of kind %(kind)s.")
                % {"region": reg.region, "kind": v["lead_kind"]},
            )
            ok = False
        if ok:
            scenarios.append(r)

    scenario_items: dict[str, list[str]] = {}
    scenario_entries: dict[str, list[tuple[str, str | None]]] = {}
    for r in typed["scenario_items"]:
        slug, code = r.values["scenario"], r.values["item_code"]
        other = r.values.get("item_region") or None
        if other == reg.region:
            other = None
        if slug not in slugs:
            errors.at(
                r, "scenario", _("There is no scenario %(slug)s in the file.") % {"slug": slug}
            )
        elif other is not None:
            # Another region's item: its node holds it; here only its region and code.
            if other not in reg.regions:
                errors.at(
                    r,
                    "item_region",
                    _("There is no region with the code %(code)s.") % {"code": other},
                )
            elif not CODE_RE.match(code) or code[:6] != other:
                errors.at(
                    r,
                    "item_code",
                    _("The item code %(code)s is not in the form 37112100SP-XK-0001.")
                    % {"code": code},
                )
            elif (code, other) in scenario_entries.get(slug, []):
                errors.at(
                    r,
                    "item_code",
                    _("The item %(code)s is listed twice in the scenario.") % {"code": code},
                )
            else:
                scenario_entries.setdefault(slug, []).append((code, other))
        elif code not in all_codes:
            errors.at(r, "item_code", _("There is no item %(code)s in the file.") % {"code": code})
        elif code in scenario_items.get(slug, []):
            errors.at(
                r,
                "item_code",
                _("The item %(code)s is listed twice in the scenario.") % {"code": code},
            )
        else:
            scenario_items.setdefault(slug, []).append(code)
            scenario_entries.setdefault(slug, []).append((code, None))

    variants: dict[str, list[Row]] = {}
    for r in typed["variants"]:
        v = r.values
        if v["scenario"] not in slugs:
            errors.at(
                r,
                "scenario",
                _("There is no scenario %(slug)s in the file.") % {"slug": v["scenario"]},
            )
            continue
        if not _required(
            errors, r, "question_key", "question_zh", "option_value", "option_label_zh"
        ):
            continue
        members = set(scenario_items.get(v["scenario"], []))
        bad = False
        for column in ("include_items", "exclude_items"):
            for code in v[column]:
                if code not in members:
                    errors.at(
                        r,
                        column,
                        _("The item %(code)s is not part of the scenario %(slug)s.")
                        % {"code": code, "slug": v["scenario"]},
                    )
                    bad = True
        if not bad:
            variants.setdefault(v["scenario"], []).append(r)
    # A form field shared by several items of a scenario is asked once: its type must agree.
    by_code = {
        code: {f.values["key"]: f.values for f in rows} for code, rows in form_fields.items()
    }
    for slug, members_list in scenario_items.items():
        seen: dict[str, tuple[str, str]] = {}
        for code in members_list:
            for key, f in by_code.get(code, {}).items():
                if key in seen and seen[key][0] != f["type"]:
                    errors.add(
                        "form_fields",
                        0,
                        "type",
                        _(
                            "The field %(key)s is a %(a)s in item %(first)s but a %(b)s in item "
                            "%(code)s of the scenario %(slug)s."
                        )
                        % {
                            "key": key,
                            "a": seen[key][0],
                            "first": seen[key][1],
                            "b": f["type"],
                            "code": code,
                            "slug": slug,
                        },
                    )
                seen.setdefault(key, (f["type"], code))
    return Checked(
        items, materials, form_fields, scenarios, scenario_items, variants, scenario_entries
    )


def _check_children(
    rows: list[Row], codes: set[str], errors: Errors, check_row: Callable[[Row], bool]
) -> dict[str, list[Row]]:
    grouped: dict[str, list[Row]] = {}
    keys: dict[str, set[str]] = {}
    for r in rows:
        code, key = r.values["item_code"], r.values["key"]
        ok = _required(errors, r, "item_code", "key")
        if code and code not in codes:
            errors.at(r, "item_code", _("There is no item %(code)s in the file.") % {"code": code})
            ok = False
        if key in keys.setdefault(code, set()):
            errors.at(
                r,
                "key",
                _("The key %(key)s appears more than once in item %(code)s.")
                % {"key": key, "code": code},
            )
            ok = False
        keys[code].add(key)
        if check_row(r) and ok:
            grouped.setdefault(code, []).append(r)
    return grouped


def _check_material(r: Row, reg: Registry, errors: Errors) -> bool:
    v = r.values
    ok = _required(errors, r, "name_zh")
    if v["key"] and not SLUG_RE.match(v["key"]):
        errors.at(r, "key", _("The key %(key)s is not valid.") % {"key": v["key"]})
        ok = False
    ok &= _choice(errors, r, "form", Material.Form.values)
    if not _choice(errors, r, "source_type", SOURCE_TYPES):
        return False
    if v["source_type"] == Material.Source.DATASET and v["source_dataset"] not in reg.datasets:
        errors.at(
            r,
            "source_dataset",
            _("There is no dataset %(key)s.") % {"key": v["source_dataset"] or "''"},
        )
        ok = False
    if v["source_type"] == Material.Source.LICENCE:
        if v["source_licence"] not in reg.licences:
            errors.at(
                r,
                "source_licence",
                _("There is no e-licence type %(key)s.") % {"key": v["source_licence"] or "''"},
            )
            ok = False
        if v["source_dataset"] and v["source_dataset"] not in reg.datasets:
            errors.at(
                r,
                "source_dataset",
                _("There is no dataset %(key)s.") % {"key": v["source_dataset"]},
            )
            ok = False
    return ok


def _check_form_field(r: Row, reg: Registry, errors: Errors) -> bool:
    v = r.values
    ok = _required(errors, r, "label_zh")
    if v["key"] and not FIELD_KEY_RE.match(v["key"]):
        errors.at(r, "key", _("The field key %(key)s is not valid.") % {"key": v["key"]})
        ok = False
    if _choice(errors, r, "type", FIELD_TYPES) and v["type"] == "select" and not v["options"]:
        errors.at(r, "options", _("A select field needs options."))
        ok = False
    if v.get("options_en") and len(v["options_en"]) != len(v["options"] or []):
        errors.at(r, "options_en", _("Give one English label for each option."))
        ok = False
    if v["prefill"]:
        dataset, _dot, name = v["prefill"].partition(".")
        if dataset not in reg.datasets:
            errors.at(r, "prefill", _("There is no dataset %(key)s.") % {"key": dataset})
            ok = False
        elif name not in reg.datasets[dataset]:
            errors.at(
                r,
                "prefill",
                _("The dataset %(dataset)s has no field %(field)s.")
                % {"dataset": dataset, "field": name or "''"},
            )
            ok = False
    return ok


# --- building records --------------------------------------------------------------------


def _field_out(v: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "key": v["key"],
        "label_zh": v["label_zh"],
        "label_en": v["label_en"],
        "type": v["type"],
        "prefill": v["prefill"] or None,
    }
    if v["options"]:
        out["options"] = v["options"]
    if v.get("options_en"):
        out["options_en"] = v["options_en"]
    for hint in ("hint_zh", "hint_en"):  # what the field asks for, shown under its label
        if v.get(hint):
            out[hint] = v[hint]
    return out


def build_items(checked: Checked, reg: Registry) -> list[dict[str, Any]]:
    """Records to write: {"values": Item fields, "materials": [Material fields]}."""
    t = reg.text_map
    scenarios_of: dict[str, list[str]] = {}
    for slug, codes in checked.scenario_items.items():
        for code in codes:
            scenarios_of.setdefault(code, []).append(slug)
    records = []
    for r in checked.items:
        v = r.values
        code = v["code"]
        result = {
            "name_zh": v["result_name_zh"],
            "type": v["result_type"],
            "e_licence": v["result_e_licence"] or None,
        }
        values = {
            "template_key": code[8:],
            "region_id": reg.region,
            "name_zh": v["name_zh"],
            "name_en": v["name_en"],
            "type": v["type"],
            "audience": v["audience"],
            "competent_department_id": reg.departments[v["competent_kind"]],
            "implementing_department_id": reg.departments[v["implementing_kind"]],
            "legal_basis": v["legal_basis"],
            "applicant_scope_zh": t(v["applicant_scope_zh"]),
            "applicant_scope_en": t(v["applicant_scope_en"]),
            "conditions_zh": [t(c) for c in v["conditions_zh"]],
            "conditions_en": [t(c) for c in v["conditions_en"]],
            "steps": [t(s) for s in v["steps"]],
            "special_steps": v["special_steps"],
            "statutory_days": v["statutory_days"],
            "promised_days": v["promised_days"],
            "time_limit_note_zh": t(v["time_limit_note_zh"]),
            "fee_zh": t(v["fee_zh"]),
            "fee_en": t(v["fee_en"]),
            "result": result,
            "visits": v["visits"],
            "online_depth": v["online_depth"],
            "cross_province": v["cross_province"],
            "form_fields": [
                dict(_field_out(f.values), label_zh=t(f.values["label_zh"]))
                for f in checked.form_fields.get(code, [])
            ],
            "themes": derive_themes(
                name_zh=v["name_zh"],
                competent_kind=v["competent_kind"],
                scenarios=scenarios_of.get(code, []),
            ),
            "popularity": popularity_of(name_zh=v["name_zh"], scenarios=scenarios_of.get(code, [])),
        }
        materials = []
        for position, m in enumerate(checked.materials.get(code, [])):
            mv = m.values
            source = mv["source_type"]
            materials.append(
                {
                    "key": mv["key"],
                    "position": position,
                    "name_zh": t(mv["name_zh"]),
                    "name_en": mv["name_en"],
                    "form": mv["form"],
                    "copies": mv["copies"],
                    "required": mv["required"],
                    "key_material": mv["key_material"],
                    "source_type": source,
                    "source_dataset": mv["source_dataset"]
                    if source in (Material.Source.DATASET, Material.Source.LICENCE)
                    else "",
                    "source_licence": mv["source_licence"]
                    if source == Material.Source.LICENCE
                    else "",
                }
            )
        records.append({"code": code, "values": values, "materials": materials})
    return records


def build_scenarios(
    checked: Checked, reg: Registry, items: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Records to write: {"slug", "values": Scenario fields, "items": [codes in order]}."""
    t = reg.text_map
    fields_of = {rec["code"]: rec["values"]["form_fields"] for rec in items}
    records = []
    for r in checked.scenarios:
        v = r.values
        slug = v["slug"]
        codes = checked.scenario_items.get(slug, [])
        questions: list[dict[str, Any]] = []
        by_key: dict[str, dict[str, Any]] = {}
        for row in checked.variants.get(slug, []):
            o = row.values
            question = by_key.get(o["question_key"])
            if question is None:
                question = {
                    "key": o["question_key"],
                    "question_zh": t(o["question_zh"]),
                    "question_en": t(o["question_en"]),
                    "options": [],
                }
                by_key[o["question_key"]] = question
                questions.append(question)
            question["options"].append(
                {
                    "value": o["option_value"],
                    "label_zh": t(o["option_label_zh"]),
                    "label_en": t(o["option_label_en"]),
                    "include_items": o["include_items"],
                    "exclude_items": o["exclude_items"],
                }
            )
        values = {
            "region_id": reg.region,
            "name_zh": v["name_zh"],
            "name_en": v["name_en"],
            "audience": v["audience"],
            "lead_department_id": reg.departments[v["lead_kind"]],
            "summary_zh": t(v["summary_zh"]),
            "summary_en": t(v["summary_en"]),
            "variants": questions,
            "form_schema": form_schema(
                title_zh=v["name_zh"],
                title_en=v["name_en"],
                fields=[(code, fields_of.get(code, [])) for code in codes],
            ),
        }
        records.append(
            {
                "slug": slug,
                "values": values,
                "items": codes,
                "entries": checked.scenario_entries.get(slug, []),
            }
        )
    return records


def _field_schema(f: dict[str, Any]) -> dict[str, Any]:
    kind = f["type"]
    schema: dict[str, Any]
    if kind == "number":
        schema = {"type": "number"}
    elif kind == "date":
        schema = {"type": "string", "format": "date"}
    elif kind == "select":
        schema = {"type": "string", "enum": list(f.get("options") or [])}
        if f.get("options_en"):  # the English label of each option (the value stays)
            schema["x-enum-en"] = dict(zip(schema["enum"], f["options_en"], strict=False))
    elif kind == "bool":
        schema = {"type": "boolean"}
    elif kind == "text":
        schema = {"type": "string", "x-widget": "textarea"}
    else:
        schema = {"type": "string"}
    schema["title"] = f["label_zh"]
    schema["x-title"] = {"zh": f["label_zh"], "en": f.get("label_en") or ""}
    if f.get("prefill"):
        schema["x-prefill"] = f["prefill"]
    if f.get("hint_zh"):
        schema["description"] = f["hint_zh"]
        schema["x-description"] = {"zh": f["hint_zh"], "en": f.get("hint_en") or ""}
    return schema


def form_schema(
    *, title_zh: str, title_en: str, fields: list[tuple[str, list[dict[str, Any]]]]
) -> dict[str, Any]:
    """One JSON Schema (draft 2020-12) object: the union of the items' fields, each asked once.

    A field key shared by several items keeps its first definition (select options are merged)
    and lists every item that uses it in `x-items`.
    """
    properties: dict[str, dict[str, Any]] = {}
    for code, item_fields in fields:
        for f in item_fields:
            prop = properties.get(f["key"])
            if prop is None:
                prop = _field_schema(f)
                prop["x-items"] = []
                properties[f["key"]] = prop
            elif "enum" in prop:
                prop["enum"].extend(o for o in f.get("options") or [] if o not in prop["enum"])
                if f.get("options_en"):
                    english = dict(zip(f.get("options") or [], f["options_en"], strict=False))
                    prop["x-enum-en"] = {**english, **prop.get("x-enum-en", {})}
            if "x-prefill" not in prop and f.get("prefill"):
                prop["x-prefill"] = f["prefill"]
            if code not in prop["x-items"]:
                prop["x-items"].append(code)
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "type": "object",
        "title": title_zh,
        "x-title": {"zh": title_zh, "en": title_en},
        "properties": properties,
    }


# --- exporting ---------------------------------------------------------------------------


def export_document(items: list[Item], scenarios: list[Any]) -> dict[str, Any]:
    """The JSON document of a region's catalogue (items with materials, and scenarios)."""
    out_items = []
    memberships: dict[str, list[str]] = {}
    for s in scenarios:
        for code, region in s["entries"]:
            if not region:
                memberships.setdefault(code, []).append(s["slug"])
    for item in items:
        out_items.append(  # noqa: PERF401 - one readable record per item
            {
                "code": item.code,
                "name_zh": item.name_zh,
                "name_en": item.name_en,
                "type": item.type,
                "audience": item.audience,
                "competent_kind": item.competent_department.kind_id,
                "implementing_kind": item.implementing_department.kind_id,
                "legal_basis": item.legal_basis,
                "applicant_scope_zh": item.applicant_scope_zh,
                "applicant_scope_en": item.applicant_scope_en,
                "conditions_zh": item.conditions_zh,
                "conditions_en": item.conditions_en,
                "materials": [
                    {
                        "key": m.key,
                        "name_zh": m.name_zh,
                        "name_en": m.name_en,
                        "form": m.form,
                        "copies": m.copies,
                        "required": m.required,
                        "key_material": m.key_material,
                        "source": {
                            "type": m.source_type,
                            "dataset": m.source_dataset or None,
                            "licence": m.source_licence or None,
                        },
                    }
                    for m in item.materials.all()
                ],
                "steps": item.steps,
                "special_steps": item.special_steps,
                "statutory_days": item.statutory_days,
                "promised_days": item.promised_days,
                "time_limit_note_zh": item.time_limit_note_zh,
                "fee_zh": item.fee_zh,
                "fee_en": item.fee_en,
                "result": item.result,
                "visits": item.visits,
                "online_depth": item.online_depth,
                "cross_province": item.cross_province,
                "form_fields": item.form_fields,
                "scenarios": memberships.get(item.code, []),
            }
        )
    return {
        "format": FORMAT_VERSION,
        "items": out_items,
        "scenarios": [
            {
                "slug": s["slug"],
                "name_zh": s["name_zh"],
                "name_en": s["name_en"],
                "audience": s["audience"],
                "lead_kind": s["lead_kind"],
                "summary_zh": s["summary_zh"],
                "summary_en": s["summary_en"],
                "items": [
                    {"code": code, "region": region} if region else {"code": code}
                    for code, region in s["entries"]
                ],
            }
            for s in scenarios
        ],
        "scenario_variants": {s["slug"]: s["variants"] for s in scenarios if s["variants"]},
    }


def export_json(document: dict[str, Any]) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _cell(value: Any, kind: str) -> Any:
    if kind == "lines":
        return "\n".join(value or [])
    if kind == "list":
        return ", ".join(value or [])
    if kind == "json":
        return json.dumps(value, ensure_ascii=False) if value else ""
    if value is None:
        return None
    return value


def export_xlsx(document: dict[str, Any]) -> bytes:
    """The same document as a workbook: one sheet per record kind, one row per record."""
    sheets: dict[str, list[dict[str, Any]]] = {name: [] for name in SHEETS}
    errors = Errors()
    for name, rows in read_json(document, errors).items():
        sheets[name] = [r.values for r in rows]
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name in SHEETS:
        ws = book.create_sheet(name)
        ws.append([column for column, _kind, _req in COLUMNS[name]])
        for values in sheets[name]:
            ws.append([_cell(values.get(column), kind) for column, kind, _req in COLUMNS[name]])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
