"""The citizen-facing catalogue pages: browse, item guide, one-thing bundles.

Thin views: parse the query, call a selector, render. The home page's catalogue sections and a
department page's items are contributed to `onestop.web` through its registry (web and org are
on lower floors and cannot import us): `home_sections` and `department_items`, registered in
`CatalogConfig.ready()`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from onestop.catalog import hooks, selectors
from onestop.catalog.models import Audience, Item, ItemType, Material, Scenario
from onestop.core.errors import NotFound, ValidationFailed
from onestop.org import selectors as org_selectors
from onestop.web import registry

ITEMS_PER_PAGE = 20
# How the catalogue writes "no fee"; the page then states it in the reader's language.
NO_FEE = frozenset({"", "不收费", "免费", "无", "0", "免收费用"})
ONLINE_DEPTH = {
    1: gettext_lazy("Level 1: information online, apply in person"),
    2: gettext_lazy("Level 2: forms downloadable online"),
    3: gettext_lazy("Level 3: apply online, collect the result in person"),
    4: gettext_lazy("Level 4: fully online"),
}


def home_sections(request: HttpRequest, **kwargs: Any) -> dict[str, Any]:
    region = settings.NODE_REGION
    scenarios = list(selectors.scenario_list(region=region))
    person = [s for s in scenarios if s.audience in (Audience.PERSON, Audience.BOTH)]
    enterprise = [s for s in scenarios if s.audience in (Audience.ENTERPRISE, Audience.BOTH)]
    return {
        "scenarios_person": person,
        "scenarios_enterprise": enterprise,
        "scenario_groups": [
            {"label": _("For individuals"), "scenarios": person},
            {"label": _("For businesses"), "scenarios": enterprise},
        ],
        "popular_items": selectors.popular_items(region=region, limit=8),
        "themes": [t for t in selectors.themes(region=region) if t["count"]],
    }


def department_items(
    request: HttpRequest, *, department: Any = None, **kwargs: Any
) -> dict[str, Any]:
    """The items a department handles (as competent or implementing department)."""
    if department is None:
        return {}
    return {
        "department_items": list(
            selectors.item_list(region=department.region_id, department=department.code)
        )
    }


def _choice(request: HttpRequest, name: str, allowed: set[str]) -> str | None:
    """A filter value from the query string; an unknown value is ignored, not an error page."""
    value = request.GET.get(name, "").strip()
    return value if value in allowed else None


def item_list(request: HttpRequest) -> HttpResponse:
    region = settings.NODE_REGION
    departments = list(org_selectors.department_list(region=region))
    themes = selectors.themes(region=region)
    filters = {
        "theme": _choice(request, "theme", {t["key"] for t in themes}),
        "audience": _choice(
            request, "audience", {Audience.PERSON.value, Audience.ENTERPRISE.value}
        ),
        "type": _choice(request, "type", set(ItemType.values)),
        "department": _choice(request, "department", {d.code for d in departments}),
    }
    try:
        items = selectors.item_list(region=region, **filters)
    except ValidationFailed:  # pragma: no cover - values are checked above
        items = selectors.item_list(region=region)
    page = Paginator(items, ITEMS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": filters,
        "departments": departments,
        "themes": themes,
        "audiences": [
            (Audience.PERSON.value, _("Individuals")),
            (Audience.ENTERPRISE.value, _("Businesses")),
        ],
        "types": ItemType.choices,
        "active_theme": next((t for t in themes if t["key"] == filters["theme"]), None),
        "active_department": next(
            (d for d in departments if d.code == filters["department"]), None
        ),
    }
    template = "catalog/item_list.html"
    if request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"):
        template = "catalog/_item_results.html"
    return render(request, template, context)


def _material_rows(item: Item, user: Any = None) -> list[dict[str, Any]]:
    materials = list(item.materials.all())
    labels = selectors.material_source_labels(materials)
    statuses = _personal_statuses(user, materials)
    return [
        {"material": m, "source": labels[m.pk], "status": statuses.get(m.pk)} for m in materials
    ]


def _personal_statuses(user: Any, materials: list[Material]) -> dict[int, dict[str, Any]]:
    """For a signed-in citizen or business: which materials they need not hand in, and where
    each comes from (`catalog.hooks.material_statuses`, a fixed number of queries)."""
    return hooks.material_statuses(actor=user, materials=materials)


def item_detail(request: HttpRequest, code: str) -> HttpResponse:
    try:
        item = selectors.item_get(code=code)
    except NotFound as error:
        raise Http404(str(error.message)) from None
    language_en = (request.LANGUAGE_CODE or "").startswith("en")
    conditions = (item.conditions_en if language_en and item.conditions_en else None) or (
        item.conditions_zh
    )
    context = {
        "item": item,
        "conditions": conditions,
        "no_fee": item.fee_zh.strip() in NO_FEE,
        "online_depth_label": ONLINE_DEPTH.get(item.online_depth, str(item.online_depth)),
        "materials": _material_rows(item, request.user),
        "places": org_selectors.centre_for_department(department=item.implementing_department),
        "scenarios": list(item.scenarios.filter(region_id=item.region_id).order_by("slug")),
        **registry.collect("item", request, item=item),
    }
    return render(request, "catalog/item_detail.html", context)


def scenario_list(request: HttpRequest) -> HttpResponse:
    scenarios = list(selectors.scenario_list(region=settings.NODE_REGION))
    groups = [
        {
            "label": _("For individuals"),
            "scenarios": [s for s in scenarios if s.audience != Audience.ENTERPRISE],
        },
        {
            "label": _("For businesses"),
            "scenarios": [s for s in scenarios if s.audience != Audience.PERSON],
        },
    ]
    return render(request, "catalog/scenario_list.html", {"groups": groups})


def _variant_answers(
    scenario: Scenario, request: HttpRequest
) -> tuple[list[dict[str, Any]], set[str]]:
    """The variant questions with the chosen option, and the item codes the answers exclude
    (`selectors.excluded_items`, the rule applications follow too)."""
    questions: list[dict[str, Any]] = []
    for question in scenario.variants or []:
        key = str(question.get("key", ""))
        options = question.get("options", [])
        chosen = request.GET.get(key, "")
        if not any(str(o.get("value")) == chosen for o in options):
            chosen = ""
        questions.append({"key": key, "question": question, "options": options, "chosen": chosen})
    answers = {q["key"]: q["chosen"] for q in questions}
    return questions, selectors.excluded_items(scenario=scenario, answers=answers)


def _merged_materials(items: list[Item], user: Any = None) -> list[dict[str, Any]]:
    """One row per distinct material key across the applicable items (one set of materials)."""
    merged: dict[str, dict[str, Any]] = {}
    labels = selectors.material_source_labels(m for item in items for m in item.materials.all())
    statuses = _personal_statuses(user, [m for item in items for m in item.materials.all()])
    for item in items:
        for material in item.materials.all():
            row = merged.get(material.key)
            if row is None:
                row = merged[material.key] = {
                    "material": material,
                    "source": labels[material.pk],
                    "items": [],
                    "required": False,
                    "held": material.source_type != Material.Source.APPLICANT,
                }
            row["items"].append(item)
            row["required"] = row["required"] or material.required
            status = statuses.get(material.pk)
            if status is not None and row.get("status", {}).get("status") not in (
                "to_submit",
                "unavailable",
            ):
                row["status"] = status  # one item that needs it handed in decides
            if material.source_type == Material.Source.APPLICANT:
                row["held"] = False
    return list(merged.values())


def _prefill_section(
    request: HttpRequest, scenario: Scenario, *, fetch: bool = False
) -> dict[str, Any] | None:
    """Myinfo-style: what the form would fill in from government records (the plan: fields
    and datasets, nothing read), and, after the person asked for it with a POST (`fetch`),
    their details read-only, each with its source (`catalog.hooks.prefill`: fetched through
    `sharing`, every fetch recorded). A page GET never fetches. An unverified identity (L1)
    sees the plan and how to verify."""
    found = hooks.prefill(actor=request.user, schema=scenario.form_schema or {}, fetch=fetch)
    if found is None:
        return None
    language_en = (request.LANGUAGE_CODE or "").startswith("en")

    def title(row: dict[str, Any]) -> str:
        return str(row["title_en"] if language_en else row["title_zh"])

    return {
        "verified": found["verified"],
        "fetched": found["fetched"],
        "plan": [
            {"key": f["key"], "title": title(f), "source": f["source"]} for f in found["plan"]
        ],
        "rows": [
            {"key": f["key"], "title": title(f), "value": f["value"], "source": f["source"]}
            for f in found["rows"]
        ],
        # the sources (department systems) that could not answer now: their fields are typed
        "unavailable": list(found.get("unavailable", [])),
    }


def _scenario(slug: str) -> Scenario:
    try:
        return selectors.scenario_get(region=settings.NODE_REGION, slug=slug)
    except NotFound as error:
        raise Http404(str(error.message)) from None


@require_POST
def scenario_prefill(request: HttpRequest, slug: str) -> HttpResponse:
    """The "Fill from government records" button of a bundle page: a POST (CSRF-checked) is
    the only way pre-fill fetches anything. htmx swaps the section; without JavaScript the
    whole page is shown with the details."""
    scenario = _scenario(slug)
    section = _prefill_section(request, scenario, fetch=True)
    if request.headers.get("HX-Request") == "true":
        if section is None:
            return HttpResponse("")
        return render(request, "sharing/_prefill.html", {"prefill": section, "scenario": scenario})
    return _scenario_page(request, scenario, prefill=section)


def scenario_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return _scenario_page(request, _scenario(slug), prefill=None, plan_only=True)


def _scenario_page(
    request: HttpRequest,
    scenario: Scenario,
    *,
    prefill: dict[str, Any] | None,
    plan_only: bool = False,
) -> HttpResponse:
    items = selectors.scenario_items(scenario=scenario)
    questions, excluded = _variant_answers(scenario, request)
    applicable = [item for item in items if item.code not in excluded]
    comparison = selectors.scenario_comparison(scenario=scenario)
    rows = [
        (_("Items to apply for"), "items"),
        (_("Materials to hand in"), "materials"),
        (_("On-site visits"), "visits"),
        (_("Working days (promised)"), "days"),
        (_("Forms to fill in"), "forms"),
    ]
    table = [
        {
            "label": label,
            "before": comparison["item_by_item"][key],
            "after": comparison["bundled"][key],
        }
        for label, key in rows
    ]
    context = {
        "scenario": scenario,
        "items": items,
        "applicable": applicable,
        "excluded": [item for item in items if item.code in excluded],
        "questions": questions,
        "answered": any(q["chosen"] for q in questions),
        "comparison": comparison,
        "comparison_rows": table,
        "materials": _merged_materials(applicable, request.user),
        "prefill": _prefill_section(request, scenario) if plan_only else prefill,
        # Sections other apps add (e.g. cases: burden figures from real cases).
        **registry.collect("scenario", request, scenario=scenario),
    }
    return render(request, "catalog/scenario_detail.html", context)
