"""The organisation over HTTP: regions and departments (public, read-only)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router

from onestop.core.api import ErrorOut
from onestop.org import selectors
from onestop.org.models import Department, Region
from onestop.org.schemas import DepartmentFilter, DepartmentOut, RegionOut

router = Router(tags=["org"])


@router.get("/regions", response=list[RegionOut], url_name="org_regions")
def regions(request: HttpRequest) -> QuerySet[Region]:
    return selectors.region_list()


@router.get(
    "/departments",
    response={200: list[DepartmentOut], 404: ErrorOut},
    url_name="org_departments",
)
def departments(request: HttpRequest, filters: Query[DepartmentFilter]) -> QuerySet[Department]:
    return selectors.department_list(region=filters.region, kind=filters.kind)
