"""Pages of insights: the supervisor dashboard of the hotline's three rates, and its exports.
Thin views: parse the month, call one selector, render."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from onestop.core import errors
from onestop.insights import exports, policies, selectors, services
from onestop.insights.models import ProactiveTask
from onestop.insights.selectors import Dashboard, Row, Volume
from onestop.insights.selectors import dashboard as dashboard_selectors
from onestop.insights.selectors import hotspots as hotspot_selectors


def _region() -> str:
    return str(settings.NODE_REGION)


def _load(request: HttpRequest) -> Dashboard:
    """The dashboard of the requested month for the node's region; Django's PermissionDenied
    (403) for those who may not see it, `ValidationFailed` for a malformed month."""
    region = _region()
    if not policies.can(request.user, policies.VIEW_HOTLINE, region):
        raise PermissionDenied(_("You may not see the hotline indicators of this region."))
    month = selectors.parse_month(request.GET.get("month"))
    try:
        return selectors.hotline_dashboard(actor=request.user, region=region, month=month)
    except errors.PermissionDenied as error:
        raise PermissionDenied(str(error.message)) from error


def _shown(rate: Any) -> str:
    return "—" if rate is None else f"{exports.percent(rate)} %"


def display(row: Row) -> dict[str, Any]:
    """A table row: counts as they are, rates as percentages with two decimals or "—"."""
    return {
        **{name: getattr(row, name) for name in selectors.COUNTS},
        "rank": row.rank,
        "unranked_reason": selectors.unranked_reason(row),
        "name": row.department_name,
        "response": _shown(row.response_rate),
        "resolution": _shown(row.resolution_rate),
        "satisfaction": _shown(row.satisfaction_rate),
        "composite": _shown(row.composite),
    }


def _pct(rate: Any) -> float | None:
    return None if rate is None else float(exports.percent(rate))  # type: ignore[arg-type]


def chart_data(dashboard: Dashboard) -> dict[str, Any]:
    """What the charts draw (embedded as JSON; the tables on the page hold the same figures)."""

    def pairs(items: list[Volume]) -> list[dict[str, Any]]:
        return [{"name": v.label, "value": v.count} for v in items]

    rows: list[Row] = dashboard.rows
    return {
        "labels": {
            "response": _("Response rate"),
            "resolution": _("Resolution rate"),
            "satisfaction": _("Satisfaction rate"),
            "requests": _("Requests"),
        },
        "departments": [r.department_name for r in rows],
        "response": [_pct(r.response_rate) for r in rows],
        "resolution": [_pct(r.resolution_rate) for r in rows],
        "satisfaction": [_pct(r.satisfaction_rate) for r in rows],
        "category": pairs(dashboard.volumes.category_level1),
        "channel": pairs(dashboard.volumes.channel),
        "request_type": pairs(dashboard.volumes.request_type),
    }


@login_required
def hotline(request: HttpRequest) -> HttpResponse:
    """The month's three rates per handling unit, ranked, with volumes and charts."""
    try:
        result = _load(request)
    except errors.ValidationFailed as error:
        context = {"error": error.message, "month_value": ""}
        return render(request, "insights/hotline.html", context, status=400)
    month_value = f"{result.month:%Y-%m}"
    context = {
        "dashboard": result,
        "month_value": month_value,
        "rows": [display(r) for r in result.rows],
        "chart_data": chart_data(result),
        "has_volumes": result.volumes.total > 0,
        "weights": {k: int(v * 100) for k, v in selectors.WEIGHTS.items()},
    }
    return render(request, "insights/hotline.html", context)


@login_required
def export_csv(request: HttpRequest) -> HttpResponse:
    """The three-rates table as CSV (UTF-8 with BOM)."""
    try:
        result = _load(request)
    except errors.ValidationFailed as error:
        return _bad_request(error)
    response = HttpResponse(exports.to_csv(result), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(result, "csv")}"'
    return response


@login_required
def export_xlsx(request: HttpRequest) -> HttpResponse:
    """The three-rates table and the volumes as an Excel workbook."""
    try:
        result = _load(request)
    except errors.ValidationFailed as error:
        return _bad_request(error)
    response = HttpResponse(
        exports.to_xlsx(result),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(result, "xlsx")}"'
    return response


def _bad_request(error: errors.ValidationFailed) -> HttpResponse:
    """A malformed month on a download: a plain-text 400 (a download has no page)."""
    return HttpResponse(str(error.message), status=400, content_type="text/plain; charset=utf-8")


# --- the steering dashboards (director / department head) --------------------------------------


def _steering(request: HttpRequest) -> dashboard_selectors.Steering:
    """The dashboard of the requested filters; 403 for those who may not see it or a
    department outside their scope, `ValidationFailed` for malformed filters."""
    region = _region()
    if not policies.can(request.user, policies.VIEW_HOTLINE, region):
        raise PermissionDenied(_("You may not see the indicators of this region."))
    filters = dashboard_selectors.parse_filters(request.GET)
    try:
        return dashboard_selectors.steering(actor=request.user, region=region, filters=filters)
    except errors.PermissionDenied as error:
        raise PermissionDenied(str(error.message)) from error


def steering_chart_data(steering: dashboard_selectors.Steering) -> dict[str, Any]:
    """What the charts draw (the tables of the page hold the same figures)."""
    return {
        "labels": {
            "received": _("Received"),
            "decided": _("Decided"),
            "kept": _("Within the limit"),
            "late": _("After the limit"),
            "overdue": _("Open past the limit"),
            "online": _("Online"),
            "window": _("At the window"),
            "response": _("Response rate"),
            "resolution": _("Resolution rate"),
            "satisfaction": _("Satisfaction rate"),
        },
        "days": [f"{d.day:%m-%d}" for d in steering.days],
        "received": [d.received for d in steering.days],
        "decided": [d.decided for d in steering.days],
        "channels": steering.channels,
        "departments": [r.name for r in steering.departments],
        "kept": [r.kept for r in steering.departments],
        "late": [r.late for r in steering.departments],
        "overdue": [r.overdue_open for r in steering.departments],
        "hotline_departments": [r.department_name for r in steering.hotline],
        "response": [_pct(r.response_rate) for r in steering.hotline],
        "resolution": [_pct(r.resolution_rate) for r in steering.hotline],
        "satisfaction": [_pct(r.satisfaction_rate) for r in steering.hotline],
    }


@login_required
def steering(request: HttpRequest) -> HttpResponse:
    """The director's or the department head's dashboard, with its filters."""
    try:
        result = _steering(request)
    except errors.ValidationFailed as error:
        return _steering_refused(request, error)
    query = urlencode(result.filters.query())
    context = {
        "steering": result,
        "form": {
            "from": f"{result.filters.start:%Y-%m-%d}",
            "to": f"{result.filters.end:%Y-%m-%d}",
            "department": result.filters.department,
            "item": result.filters.item,
            "channel": result.filters.channel,
        },
        "whole_region": result.whole_region,
        "choices": result.choices,
        "query": query,
        "tables": {t.key: t for t in exports.steering_tables(result)},
        "chart_data": steering_chart_data(result),
        "online_share": _shown(result.online_share),
        "channels": [("online", _("Online")), ("window", _("At the window"))],
    }
    return render(request, "insights/steering.html", context)


FILTER_FIELDS = ("from", "to", "department", "item", "channel")


def _steering_refused(request: HttpRequest, error: errors.ValidationFailed) -> HttpResponse:
    """Malformed filters: the page again (400) with the filter form as it was sent, its
    choices, and the error summary pointing at the field to correct; no figures."""
    try:
        offered = dashboard_selectors.choices(actor=request.user, region=_region())
    except errors.PermissionDenied as denied:
        raise PermissionDenied(str(denied.message)) from denied
    field = str((error.details or {}).get("field", ""))
    if field not in FILTER_FIELDS:
        field = "from"
    context = {
        "error": error.message,
        "error_field": field,
        "error_summary": [{"href": f"#insights-{field}", "text": error.message}],
        "form": {name: str(request.GET.get(name, ""))[:80] for name in FILTER_FIELDS},
        "whole_region": offered.whole_region,
        "choices": {"departments": offered.departments, "items": offered.items},
        "channels": [("online", _("Online")), ("window", _("At the window"))],
    }
    return render(request, "insights/steering.html", context, status=400)


@login_required
def steering_csv(request: HttpRequest) -> HttpResponse:
    try:
        result = _steering(request)
    except errors.ValidationFailed as error:
        return _bad_request(error)
    response = HttpResponse(exports.steering_csv(result), content_type="text/csv; charset=utf-8")
    name = exports.steering_filename(result, "csv")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def steering_xlsx(request: HttpRequest) -> HttpResponse:
    try:
        result = _steering(request)
    except errors.ValidationFailed as error:
        return _bad_request(error)
    response = HttpResponse(
        exports.steering_xlsx(result),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = exports.steering_filename(result, "xlsx")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- hotspots ------------------------------------------------------------------------------------


@login_required
def hotspots(request: HttpRequest) -> HttpResponse:
    """The hotspot cards the director or the department head may see."""
    try:
        cards = hotspot_selectors.hotspot_list(actor=request.user, region=_region())
    except errors.PermissionDenied as error:
        raise PermissionDenied(str(error.message)) from error
    names = hotspot_selectors.category_names(sorted({c.category for c in cards}))
    rows = [
        {
            "card": c,
            "category": names.get(c.category, c.category),
            "place": services.place_label(c.place),
        }
        for c in cards
    ]
    return render(request, "insights/hotspots.html", {"rows": rows})


@login_required
def hotspot(request: HttpRequest, pk: int) -> HttpResponse:
    """One card: the figures of the test, the requests behind it, and its proactive task
    (opened or updated here by the owning department's officers)."""
    try:
        card = hotspot_selectors.hotspot_get(actor=request.user, pk=pk)
    except errors.NotFound as error:
        raise Http404(str(error.message)) from error
    error_message = ""
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "open":
                services.proactive_task_open(
                    actor=request.user,
                    hotspot=card,
                    title=request.POST.get("title", ""),
                    note=request.POST.get("note", ""),
                )
            elif action == "update" and hasattr(card, "task"):
                services.proactive_task_update(
                    actor=request.user,
                    task=card.task,
                    status=request.POST.get("status", ""),
                    note=request.POST.get("note"),
                )
            else:
                raise errors.ValidationFailed(_("Choose what to do."), code="invalid_action")
            return redirect("insights:hotspot", pk=card.pk)
        except errors.PermissionDenied as exc:
            raise PermissionDenied(str(exc.message)) from exc
        except errors.ValidationFailed as exc:
            error_message = str(exc.message)
            status = 400
    names = hotspot_selectors.category_names([card.category])
    context = {
        "card": card,
        "task": getattr(card, "task", None),
        "category": names.get(card.category, card.category),
        "place": services.place_label(card.place),
        "orders": hotspot_selectors.orders_behind(card=card),
        "may_act": policies.can(request.user, policies.ACT_HOTSPOT, card),
        "statuses": ProactiveTask.Status.choices,
        "error": error_message,
        "baseline": f"{card.baseline:.1f}",
        "p_value": f"{card.p_value:.2g}",
    }
    return render(request, "insights/hotspot.html", context, status=status)
