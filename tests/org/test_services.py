from __future__ import annotations

import datetime

import pytest
from django.utils import translation

from onestop.accounts.models import User
from onestop.core.errors import Conflict, PermissionDenied, ValidationFailed
from onestop.org import selectors, services
from onestop.org.models import OpeningHours, ServiceCentre, Window


@pytest.fixture(autouse=True)
def _english_messages():
    """These tests match the English msgids of the domain errors."""
    with translation.override("en"):
        yield


T = datetime.time


def _centre(actor: User) -> ServiceCentre:
    return services.centre_create(
        actor=actor,
        region=selectors.region_get(code="371121"),
        slug="wulian-jietou",
        name_zh="街头镇便民服务中心",
        address_zh="五莲县街头镇 (demo)",
    )


def test_administrator_creates_and_updates_a_centre(admin_wulian: User) -> None:
    centre = _centre(admin_wulian)
    assert centre.region_id == "371121"
    services.centre_update(actor=admin_wulian, centre=centre, phone="0633-5111111")
    centre.refresh_from_db()
    assert centre.phone == "0633-5111111"
    assert [c.slug for c in selectors.centre_list(region="371121")] == [
        "wulian-centre",
        "wulian-jietou",
    ]


def test_clerk_may_not_create_a_centre(clerk_wulian: User) -> None:
    with pytest.raises(PermissionDenied):
        _centre(clerk_wulian)
    assert ServiceCentre.objects.count() == 2


def test_administrator_of_another_region_may_not(admin_ganyu: User) -> None:
    with pytest.raises(PermissionDenied):
        _centre(admin_ganyu)
    centre = ServiceCentre.objects.get(slug="wulian-centre")
    with pytest.raises(PermissionDenied):
        services.centre_update(actor=admin_ganyu, centre=centre, phone="1")
    centre.refresh_from_db()
    assert centre.phone == "0633-5000000"


def test_duplicate_slug_and_unknown_field(admin_wulian: User) -> None:
    _centre(admin_wulian)
    with pytest.raises(Conflict):
        _centre(admin_wulian)
    centre = ServiceCentre.objects.get(slug="wulian-jietou")
    with pytest.raises(ValidationFailed, match="cannot be changed: region"):
        services.centre_update(actor=admin_wulian, centre=centre, region="320707")
    centre.refresh_from_db()
    assert centre.region_id == "371121"


def test_windows(admin_wulian: User) -> None:
    centre = _centre(admin_wulian)
    ps = selectors.department_get(code="371121-public-security")
    window = services.window_create(
        actor=admin_wulian, centre=centre, number="1", name_zh="户政", departments=[ps]
    )
    assert [d.code for d in window.departments.all()] == ["371121-public-security"]
    with pytest.raises(Conflict):
        services.window_create(actor=admin_wulian, centre=centre, number="1", name_zh="x")
    other = selectors.department_get(code="320707-public-security")
    with pytest.raises(ValidationFailed, match="departments of its centre's region"):
        services.window_update(actor=admin_wulian, window=window, departments=[other])
    services.window_update(actor=admin_wulian, window=window, comprehensive=True, departments=[])
    window.refresh_from_db()
    assert window.comprehensive is True
    assert window.departments.count() == 0
    assert Window.objects.filter(centre=centre).count() == 1


def test_opening_hours_replace_and_refuse_overlaps(admin_wulian: User) -> None:
    centre = _centre(admin_wulian)
    rows = services.opening_hours_set(
        actor=admin_wulian,
        centre=centre,
        periods=[
            services.Period(0, T(13, 30), T(17)),
            services.Period(0, T(9), T(12)),
            services.Period(5, T(9), T(12), comprehensive_only=True),
        ],
    )
    assert [(r.weekday, r.opens) for r in rows] == [(0, T(9)), (0, T(13, 30)), (5, T(9))]
    with pytest.raises(ValidationFailed, match="overlap"):
        services.opening_hours_set(
            actor=admin_wulian,
            centre=centre,
            periods=[services.Period(1, T(9), T(12)), services.Period(1, T(11), T(14))],
        )
    with pytest.raises(ValidationFailed, match="close after it opens"):
        services.opening_hours_set(
            actor=admin_wulian, centre=centre, periods=[services.Period(1, T(12), T(9))]
        )
    assert OpeningHours.objects.filter(centre=centre).count() == 3
