"""Reads of the catalogue. The catalogue is public: no actor is needed to read it.

Public contract (the portal, search and API call these):
`item_list`, `item_get`, `scenario_list`, `scenario_get`, `scenario_items`,
`scenario_comparison`, `popular_items`, `themes`, `material_source_label`; and for the queue
kiosk of `org` (registered in `CatalogConfig.ready()`): `queue_purposes`,
`queue_purposes_resolve`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from onestop.catalog.importer import form_schema
from onestop.catalog.models import Audience, Item, ItemType, Material, Scenario, ScenarioItem
from onestop.catalog.themes import SCENARIO_THEMES, THEME_KEYS, THEMES
from onestop.core.errors import NotFound, ValidationFailed

# Same floor (4): sharing and credentials are reached through their selectors.
from onestop.credentials.selectors import licence_type_list
from onestop.org.purposes import ITEM, SCENARIO, Purpose
from onestop.sharing.selectors import dataset_list

if TYPE_CHECKING:
    from onestop.credentials.models import LicenceType
    from onestop.sharing.models import Dataset

# Materials the government already holds: fetched or generated, never submitted by the applicant.
HELD_SOURCES = frozenset(
    {Material.Source.DATASET, Material.Source.LICENCE, Material.Source.GENERATED}
)


def _check_choice(value: str | None, allowed: Any, field: str) -> None:
    if value is not None and value not in allowed:
        raise ValidationFailed(
            _("The value %(value)s is not allowed for %(field)s.")
            % {"value": value, "field": field},
            details=[{"field": field, "value": value, "allowed": sorted(allowed)}],
        )


def _audience_q(audience: str, prefix: str = "") -> Q:
    """`person`/`enterprise` also match items for both; `both` matches only those."""
    if audience == Audience.BOTH:
        return Q(**{f"{prefix}audience": Audience.BOTH})
    return Q(**{f"{prefix}audience__in": [audience, Audience.BOTH]})


def item_list(
    *,
    region: str,
    department: str | None = None,
    type: str | None = None,
    audience: str | None = None,
    scenario: str | None = None,
    theme: str | None = None,
) -> QuerySet[Item]:
    """Items of a region, ordered by code.

    `department` is a department code (`371121-tax`) or a kind key (`tax`) and matches the
    competent or the implementing department. `scenario` is a scenario slug of the region.
    Unknown `type`, `audience` or `theme` values raise ValidationFailed.
    """
    _check_choice(type, set(ItemType.values), "type")
    _check_choice(audience, set(Audience.values), "audience")
    _check_choice(theme, THEME_KEYS, "theme")
    qs = Item.objects.filter(region_id=region).select_related(
        "competent_department__kind", "implementing_department__kind"
    )
    if department:
        qs = qs.filter(
            Q(competent_department_id=department)
            | Q(implementing_department_id=department)
            | Q(competent_department__kind_id=department)
            | Q(implementing_department__kind_id=department)
        )
    if type:
        qs = qs.filter(type=type)
    if audience:
        qs = qs.filter(_audience_q(audience))
    if scenario:
        qs = qs.filter(scenarios__slug=scenario, scenarios__region_id=region)
    if theme:
        # JSON containment is not available on SQLite; the quoted key in the JSON text is exact.
        qs = qs.annotate(themes_text=Cast("themes", TextField())).filter(
            themes_text__contains=f'"{theme}"'
        )
    return qs.order_by("code")


def item_get(*, code: str) -> Item:
    """One item with its departments and materials (in position order)."""
    try:
        return (
            Item.objects.select_related(
                "region", "competent_department__kind", "implementing_department__kind"
            )
            .prefetch_related(Prefetch("materials", queryset=Material.objects.order_by("position")))
            .get(code=code)
        )
    except Item.DoesNotExist:
        raise NotFound(
            _("There is no item with the code %(code)s.") % {"code": code}, code="item_not_found"
        ) from None


def scenario_list(*, region: str, audience: str | None = None) -> QuerySet[Scenario]:
    """Scenarios of a region, ordered by slug, with the lead department."""
    _check_choice(audience, set(Audience.values), "audience")
    qs = Scenario.objects.filter(region_id=region).select_related("lead_department__kind")
    if audience:
        qs = qs.filter(_audience_q(audience))
    return qs.order_by("slug")


def catalogue_of_regions(
    *, regions: Iterable[str] | None
) -> tuple[QuerySet[Scenario], QuerySet[Item]]:
    """The scenarios (by region and slug) and items (by code) of `regions` (None: every
    region), light rows for pickers."""
    scenarios = Scenario.objects.order_by("region_id", "slug")
    items = Item.objects.order_by("code")
    if regions is not None:
        codes = list(regions)
        scenarios = scenarios.filter(region_id__in=codes)
        items = items.filter(region_id__in=codes)
    return scenarios, items


# A person may apply for what starts a business: the business does not exist yet, so its
# founder applies as a natural person (a sole trader, or the founder of a company).
STARTUP_THEME = "business-startup"


def fits_applicant(target: Scenario | Item, kind: str) -> bool:
    """Whether a person (`kind` "person") or a business ("business") may apply for the scenario
    or item: its audience, and for a person also what starts a business (the start-up theme)."""
    audience = str(target.audience)
    if audience == Audience.BOTH or (audience == Audience.ENTERPRISE) == (kind == "business"):
        return True
    if kind == "business":
        return False
    themes = (
        SCENARIO_THEMES.get(target.slug, ())
        if isinstance(target, Scenario)
        else (target.themes or [])
    )
    return STARTUP_THEME in themes


def catalogue_for_applicant(
    *, regions: Iterable[str] | None, kind: str
) -> tuple[list[Scenario], QuerySet[Item]]:
    """`catalogue_of_regions` narrowed to what the applicant (`kind` "person" or "business")
    may apply for (`fits_applicant`): no birth registration for a company."""
    scenarios, items = catalogue_of_regions(regions=regions)
    audiences = [Audience.BOTH, Audience.ENTERPRISE if kind == "business" else Audience.PERSON]
    if kind == "business":
        items = items.filter(audience__in=audiences)
    else:
        # JSON containment is not available on SQLite; the quoted key in the JSON text is exact.
        items = items.annotate(themes_text=Cast("themes", TextField())).filter(
            Q(audience__in=audiences) | Q(themes_text__contains=f'"{STARTUP_THEME}"')
        )
    return [s for s in scenarios if fits_applicant(s, kind)], items


def scenario_get(*, region: str, slug: str) -> Scenario:
    try:
        return Scenario.objects.select_related("lead_department__kind", "region").get(
            region_id=region, slug=slug
        )
    except Scenario.DoesNotExist:
        raise NotFound(
            _("There is no scenario %(slug)s in this region.") % {"slug": slug},
            code="scenario_not_found",
        ) from None


def _purposes(
    region: str,
    slugs: Iterable[str] | None = None,
    codes: Iterable[str] | None = None,
    *,
    bring: bool = False,
) -> list[Purpose]:
    """The scenarios (by slug), then the items (most frequent first) of `region` as purposes of
    the queue kiosk; `slugs` / `codes` narrow them (an empty set: none of that kind). With
    `bring`, each says what to bring: the required materials handed in at the window (not those
    the government holds or makes), a scenario's from all its items, each once."""
    scenarios = Scenario.objects.filter(region_id=region).only("slug", "name_zh", "name_en")
    items = Item.objects.filter(region_id=region).only(
        "code", "name_zh", "name_en", "implementing_department_id", "popularity"
    )
    handed = Material.objects.filter(required=True).exclude(source_type__in=HELD_SOURCES)
    handed = handed.order_by("position").only("item_id", "key", "name_zh", "name_en")
    found: list[Purpose] = []
    if slugs is None or slugs:
        if slugs is not None:
            scenarios = scenarios.filter(slug__in=slugs)
        if bring:
            scenarios = scenarios.prefetch_related(
                Prefetch("items", queryset=Item.objects.only("code").order_by("code")),
                Prefetch("items__materials", queryset=handed, to_attr="handed"),
            )
        for s in scenarios.order_by("slug"):
            zh, en = _bring([m for i in s.items.all() for m in _handed(i)], bring)
            found.append(
                Purpose(f"{SCENARIO}:{s.slug}", SCENARIO, s.name_zh, s.name_en, None, 0, zh, en)
            )
    if codes is None or codes:
        if codes is not None:
            items = items.filter(code__in=codes)
        if bring:
            items = items.prefetch_related(Prefetch("materials", queryset=handed, to_attr="handed"))
        # The item's own department may call the walk-in to its windows (`org.selectors`).
        found += [
            Purpose(
                f"{ITEM}:{i.code}",
                ITEM,
                i.name_zh,
                i.name_en,
                i.implementing_department_id,
                i.popularity,
                *_bring(_handed(i), bring),  # bring_zh, bring_en
            )
            for i in items.order_by("-popularity", "code")
        ]
    return found


def _handed(item: Item) -> list[Material]:
    """The materials `_purposes` prefetched onto `item` (`to_attr="handed"`)."""
    return list(getattr(item, "handed", []))


def _bring(materials: Iterable[Material], bring: bool) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The names of `materials` in both languages, each key once, in order (none unless
    `bring`)."""
    seen: dict[str, Material] = {}
    for material in materials if bring else ():
        seen.setdefault(material.key, material)
    return (
        tuple(m.name_zh for m in seen.values()),
        tuple(m.name_en or "" for m in seen.values()),
    )


def queue_purposes(*, region: str) -> list[Purpose]:
    """What a walk-in at a service centre of `region` may come for: its scenarios (by slug),
    then its items (the most frequent first, one per name), as references
    ``scenario:<slug>`` / ``item:<code>``."""
    names: set[str] = set()
    unique: list[Purpose] = []
    for purpose in _purposes(region):
        if purpose.kind == ITEM and purpose.name_zh in names:
            continue  # the same service of two departments: one choice, the window sorts it
        names.add(purpose.name_zh)
        unique.append(purpose)
    return unique


def queue_purposes_resolve(*, region: str, refs: Iterable[str]) -> dict[str, Purpose]:
    """The purposes named by `refs` (see `queue_purposes`) in `region`, in two queries at most;
    unknown references and those of another region are left out."""
    slugs: set[str] = set()
    codes: set[str] = set()
    for ref in refs:
        kind, _sep, key = ref.partition(":")
        if kind == SCENARIO and key:
            slugs.add(key)
        elif kind == ITEM and key:
            codes.add(key)
    return {p.ref: p for p in _purposes(region, slugs=slugs, codes=codes, bring=True)}


def scenario_items(*, scenario: Scenario) -> list[Item]:
    """The items of a scenario in bundle order, with departments and materials: this region's
    items (an item of another region in a joint scenario is `scenario_remote_items`)."""
    entries = (
        ScenarioItem.objects.filter(scenario=scenario, item__isnull=False)
        .select_related("item__competent_department__kind", "item__implementing_department__kind")
        .prefetch_related(
            Prefetch("item__materials", queryset=Material.objects.order_by("position"))
        )
        # Sorted here, not by the database: an ORDER BY over this wide a select costs Django
        # more CPU (matching it against every selected column) than sorting ten rows.
        .order_by()
    )
    ordered = sorted(
        ((entry.position, entry.item.code, entry.item) for entry in entries if entry.item),
        key=lambda row: (row[0], row[1]),
    )
    return [item for _position, _code, item in ordered]


@dataclass(frozen=True)
class RemoteItem:
    """An item of a joint scenario (多地联办) that another region's node handles."""

    region: str
    code: str
    position: int


def scenario_remote_items(*, scenario: Scenario) -> list[RemoteItem]:
    """The items of other regions in a joint scenario, in bundle order: the region and code of
    each, for the federation to fan the application out to their nodes ([] for a scenario of
    this region's items only)."""
    return [
        RemoteItem(region=region, code=code, position=position)
        for region, code, position in ScenarioItem.objects.filter(
            scenario=scenario, item__isnull=True
        )
        .order_by("position")
        .values_list("region_id", "item_code", "position")
    ]


def excluded_items(*, scenario: Scenario, answers: Mapping[str, Any]) -> set[str]:
    """Codes of the scenario's items that the variant answers exclude (``{question key:
    chosen option value}``; an unanswered question or an unknown value excludes nothing)."""
    excluded: set[str] = set()
    for question in scenario.variants or []:
        chosen = answers.get(str(question.get("key", "")))
        if chosen in (None, ""):
            continue
        for option in question.get("options", []):
            if str(option.get("value")) == str(chosen):
                excluded.update(option.get("exclude_items", []))
    return excluded


def items_form_schema(*, items: list[Item], scenario: Scenario | None = None) -> dict[str, Any]:
    """The merged form (JSON Schema) of `items`: the scenario's merged form restricted to the
    fields those items use, or, without a scenario (or one without a form), the items' own
    fields merged, titled after the first item. Returns a new dict each call."""
    codes = {i.code for i in items}
    assigned = assigned_on_issue(items=items)
    if scenario is not None and scenario.form_schema:
        base = scenario.form_schema
        properties = {
            key: prop
            for key, prop in (base.get("properties") or {}).items()
            if isinstance(prop, dict)
            and codes.intersection(prop.get("x-items") or [])
            and key not in assigned
        }
        return {**base, "properties": properties}
    schema = form_schema(
        title_zh=items[0].name_zh if items else "",
        title_en=items[0].name_en if items else "",
        fields=[(item.code, list(item.form_fields or [])) for item in items],
    )
    for key in assigned:
        schema["properties"].pop(key, None)
    return schema


# The identifiers a licence assigns when it is issued: asked of nobody in an application that
# issues that licence (a new restaurant has no credit code until its business licence).
ASSIGNED_BY_LICENCE: dict[str, tuple[str, ...]] = {"business-licence": ("uscc",)}


def issued_licences(*, items: Iterable[Item]) -> dict[str, Item]:
    """{e-licence type: the item that issues it} for the items of one application."""
    issued: dict[str, Item] = {}
    for item in items:
        kind = str((item.result or {}).get("e_licence") or "")
        if kind:
            issued.setdefault(kind, item)
    return issued


def assigned_on_issue(*, items: Iterable[Item]) -> set[str]:
    """The form fields the application's own results will assign (see ASSIGNED_BY_LICENCE)."""
    return {
        key for kind in issued_licences(items=items) for key in ASSIGNED_BY_LICENCE.get(kind, ())
    }


def scenario_comparison(*, scenario: Scenario) -> dict[str, dict[str, int]]:
    """What the applicant faces item by item versus bundled (see docs/catalog.md).

    Item by item: every item's own materials are counted (shared ones once per item), visits
    and promised days are summed (an on-the-spot item adds 0 days), one form per item.
    Bundled: materials are distinct by key; a key the applicant must supply for any item counts
    as `materials`, a key every item fulfils from shared data, an e-licence or the system counts
    as `materials_held`; at most one visit (none when no item needs one); days are the longest
    promised limit (the departments work in parallel); one form.
    """
    items = scenario_items(scenario=scenario)
    submitted: set[str] = set()
    all_keys: set[str] = set()
    n_materials = 0
    for item in items:
        for material in item.materials.all():
            n_materials += 1
            all_keys.add(material.key)
            if material.source_type not in HELD_SOURCES:
                submitted.add(material.key)
    visits = [item.visits for item in items]
    days = [item.promised_days for item in items]
    return {
        "item_by_item": {
            "items": len(items),
            "materials": n_materials,
            "materials_held": 0,
            "visits": sum(visits),
            "days": sum(days),
            "forms": len(items),
        },
        "bundled": {
            "items": len(items),
            "materials": len(submitted),
            "materials_held": len(all_keys - submitted),
            "visits": min(1, max(visits, default=0)),
            "days": max(days, default=0),
            "forms": 1 if items else 0,
        },
    }


def popular_items(*, region: str, limit: int = 8) -> list[Item]:
    """The most asked-for items of a region (popularity, then code)."""
    qs = Item.objects.filter(region_id=region).select_related(
        "competent_department__kind", "implementing_department__kind"
    )
    return list(qs.order_by("-popularity", "code")[:limit])


def themes(*, region: str | None = None) -> list[dict[str, Any]]:
    """The theme vocabulary with item counts in a region (default: this node's region)."""
    counts = dict.fromkeys(THEME_KEYS, 0)
    for item_themes in Item.objects.filter(region_id=region or settings.NODE_REGION).values_list(
        "themes", flat=True
    ):
        for key in item_themes or []:
            if key in counts:
                counts[key] += 1
    return [
        {
            "key": t.key,
            "name": t.name,
            "name_zh": t.name_zh,
            "name_en": t.name_en,
            "count": counts[t.key],
        }
        for t in THEMES
    ]


def material_source_labels(materials: Iterable[Material]) -> dict[int, str]:
    """Where each material comes from, in the current language, keyed by material id.

    Two queries at most, whatever the number of materials (one per registry).
    """
    materials = list(materials)
    dataset_keys = {m.source_dataset for m in materials if m.source_type == Material.Source.DATASET}
    licence_keys = {m.source_licence for m in materials if m.source_type == Material.Source.LICENCE}
    datasets = (
        {d.key: d for d in dataset_list().filter(key__in=dataset_keys)} if dataset_keys else {}
    )
    licences = (
        {t.key: t for t in licence_type_list().filter(key__in=licence_keys)} if licence_keys else {}
    )
    return {m.pk: _source_label(m, datasets, licences) for m in materials}


def material_source_label(material: Material) -> str:
    """Where one material comes from, in the current language."""
    return material_source_labels([material])[material.pk]


def _source_label(
    material: Material, datasets: dict[str, Dataset], licences: dict[str, LicenceType]
) -> str:
    if material.source_type == Material.Source.DATASET and material.source_dataset:
        dataset = datasets.get(material.source_dataset)
        if dataset is None:
            return _("Shared data: %(dataset)s") % {"dataset": material.source_dataset}
        return _("Shared data: %(dataset)s (%(provider)s)") % {
            "dataset": dataset.name,
            "provider": dataset.provider_kind.name,
        }
    if material.source_type == Material.Source.LICENCE and material.source_licence:
        licence = licences.get(material.source_licence)
        if licence is None:
            return _("E-licence: %(licence)s") % {"licence": material.source_licence}
        return _("E-licence: %(licence)s") % {"licence": licence.name}
    if material.source_type == Material.Source.GENERATED:
        return _("Generated by the system")
    return _("Provided by the applicant")
