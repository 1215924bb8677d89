"""Pages of insights: the supervisor dashboard of the hotline's three rates, and its exports.
Thin views: parse the month, call one selector, render."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from onestop.core import errors
from onestop.insights import exports, policies, selectors
from onestop.insights.selectors import Dashboard, Row, Volume


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
