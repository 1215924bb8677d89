"""Citizen-facing pages of the organisation: departments and service centres.

The items a department handles come from `catalog` (a higher floor) through the `department`
slot of `onestop.web.registry`; `node_region` and `home_departments` fill the `site` and `home`
slots (registered in `OrgConfig.ready()`).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from onestop.core.errors import NotFound
from onestop.org import selectors
from onestop.web import elderly, registry


def node_region(request: HttpRequest, **kwargs: Any) -> dict[str, Any]:
    """The region this node serves, for the header of every page; in the elderly-friendly mode
    also the nearest service centre (`selectors.centre_nearest`), always in view."""
    try:
        context: dict[str, Any] = {"node_region": selectors.region_get(code=settings.NODE_REGION)}
        if elderly.is_on(request):
            user = getattr(request, "agent", None) or getattr(request, "user", None)
            context["nearest_centre"] = selectors.centre_nearest(
                region=getattr(user, "region_id", None)
            )
    except (NotFound, DatabaseError):
        return {}
    return context


def home_departments(request: HttpRequest, **kwargs: Any) -> dict[str, Any]:
    try:
        departments = list(selectors.department_list(region=settings.NODE_REGION))
    except NotFound:
        departments = []
    return {"departments": departments}


def department_list(request: HttpRequest) -> HttpResponse:
    try:
        departments = list(selectors.department_list(region=settings.NODE_REGION))
    except NotFound:
        departments = []
    return render(request, "org/department_list.html", {"departments": departments})


def department_detail(request: HttpRequest, code: str) -> HttpResponse:
    try:
        department = selectors.department_get(code=code)
    except NotFound as error:
        raise Http404(str(error.message)) from None
    context: dict[str, Any] = {
        "department": department,
        "places": selectors.centre_for_department(department=department),
    }
    context.update(registry.collect("department", request, department=department))
    return render(request, "org/department_detail.html", context)


def centre_list(request: HttpRequest) -> HttpResponse:
    try:
        centres = list(selectors.centre_list(region=settings.NODE_REGION))
    except NotFound:
        centres = []
    return render(request, "org/centre_list.html", {"centres": centres})
