"""Reads of the organisation. The organisation is public information: nothing is scoped.

Also the one place that knows how GB/T 2260 region codes nest (`region_covers`, `region_q`):
``370000`` (a province) covers ``37xxxx``, ``371100`` (a city) covers ``3711xx``, a county
covers itself.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from onestop.core.errors import NotFound
from onestop.org.models import (
    Department,
    DepartmentKind,
    OpeningHours,
    Region,
    ServiceCentre,
    Window,
)


def region_covers(scope: str, code: str) -> bool:
    """Whether region `scope` is region `code` or above it (GB/T 2260 codes nest)."""
    if len(scope) != 6 or len(code) != 6:
        return scope == code
    if scope == code:
        return True
    if scope.endswith("0000"):
        return code[:2] == scope[:2]
    if scope.endswith("00"):
        return code[:4] == scope[:4]
    return False


def region_q(scope: str, field: str = "region") -> Q:
    """A filter on the region code in `field` (``region``, ``region_id``, ``order__region``...)
    matching region `scope` and the regions below it; the query form of `region_covers`."""
    if len(scope) == 6 and scope.endswith("0000"):
        return Q(**{f"{field}__startswith": scope[:2]})
    if len(scope) == 6 and scope.endswith("00"):
        return Q(**{f"{field}__startswith": scope[:4]})
    return Q(**{field: scope})


def region_list() -> QuerySet[Region]:
    return Region.objects.order_by("code")


def region_get(*, code: str) -> Region:
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise NotFound(_("There is no region with the code %(code)s.") % {"code": code})
    return region


def department_list(*, region: str | None = None, kind: str | None = None) -> QuerySet[Department]:
    """Departments, optionally of one region and/or kind; an unknown code raises NotFound."""
    departments = Department.objects.select_related("region", "kind").order_by(
        "region_id", "kind_id"
    )
    if region is not None:
        region_get(code=region)
        departments = departments.filter(region_id=region)
    if kind is not None:
        if not DepartmentKind.objects.filter(key=kind).exists():
            raise NotFound(_("There is no department kind %(kind)s.") % {"kind": kind})
        departments = departments.filter(kind_id=kind)
    return departments


def department_get(*, code: str) -> Department:
    department = Department.objects.select_related("region", "kind").filter(code=code).first()
    if department is None:
        raise NotFound(_("There is no department with the code %(code)s.") % {"code": code})
    return department


def department_kind_list() -> QuerySet[DepartmentKind]:
    return DepartmentKind.objects.order_by("key")


def _centres() -> QuerySet[ServiceCentre]:
    return ServiceCentre.objects.select_related("region").prefetch_related(
        Prefetch(
            "windows",
            queryset=Window.objects.order_by("number").prefetch_related(
                Prefetch("departments", queryset=Department.objects.select_related("kind"))
            ),
        ),
        Prefetch("hours", queryset=OpeningHours.objects.order_by("weekday", "opens")),
    )


def centre_list(*, region: str) -> QuerySet[ServiceCentre]:
    """The service centres of `region`, with windows (and their departments) and hours."""
    region_get(code=region)
    return _centres().filter(region_id=region).order_by("slug")


def centre_list_all() -> QuerySet[ServiceCentre]:
    """Every service centre of the node, with its region, by region and slug."""
    return ServiceCentre.objects.select_related("region").order_by("region_id", "slug")


def window_list(*, centres: Iterable[ServiceCentre] | QuerySet[ServiceCentre]) -> QuerySet[Window]:
    """The windows of `centres`, with their centre, by centre and number."""
    return (
        Window.objects.filter(centre__in=centres)
        .select_related("centre")
        .order_by("centre__slug", "number")
    )


def region_codes() -> list[str]:
    """The codes of every region the node knows."""
    return list(Region.objects.values_list("code", flat=True))


def centre_for_department(
    *, department: Department | str
) -> list[tuple[ServiceCentre, list[Window]]]:
    """Where the department's items are accepted: each centre of its region with the windows
    that accept them (comprehensive windows and the department's own windows)."""
    if isinstance(department, str):
        department = department_get(code=department)
    centres = _centres().filter(region_id=department.region_id).order_by("slug")
    result: list[tuple[ServiceCentre, list[Window]]] = []
    for centre in centres:
        windows = [
            window
            for window in centre.windows.all()
            if window.comprehensive
            or any(d.code == department.code for d in window.departments.all())
        ]
        if windows:
            result.append((centre, windows))
    return result


__all__ = [
    "centre_for_department",
    "centre_list",
    "department_get",
    "department_kind_list",
    "department_list",
    "region_get",
    "region_list",
]
