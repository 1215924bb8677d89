from __future__ import annotations

import pytest
from django.utils import translation

from onestop.core.errors import NotFound
from onestop.org import selectors
from onestop.org.models import OpeningHours, ServiceCentre
from onestop.org.seed import seed_org


def test_seed_is_idempotent(db: None) -> None:
    first = seed_org()
    assert first.startswith("9 regions, 33 departments and 1 service centres of 371121")
    stamps = list(ServiceCentre.objects.values_list("updated_at", flat=True))
    assert seed_org() == (
        "9 regions, 33 departments and 1 service centres of 371121 (demo addresses), 0 changed"
    )
    assert list(ServiceCentre.objects.values_list("updated_at", flat=True)) == stamps


def test_regions(org: None) -> None:
    assert list(selectors.region_list().values_list("code", flat=True)) == [
        "320000",
        "320700",
        "320707",
        "330000",
        "330100",
        "330106",
        "370000",
        "371100",
        "371121",
    ]
    wulian = selectors.region_get(code="371121")
    assert (wulian.name_zh, wulian.level, wulian.parent_id) == ("五莲县", "county", "371100")
    with translation.override("en"), pytest.raises(NotFound) as caught:
        selectors.region_get(code="999999")
    assert str(caught.value.message) == "There is no region with the code 999999."


def test_departments_and_filters(org: None) -> None:
    assert selectors.department_list().count() == 66
    assert selectors.department_list(region="320707").count() == 33
    ps = list(selectors.department_list(region="371121", kind="public-security"))
    assert [d.code for d in ps] == ["371121-public-security"]
    assert ps[0].kind.abbr == "GA"
    assert selectors.department_list(kind="township").count() == 6
    with pytest.raises(NotFound):
        selectors.department_list(region="999999")
    with pytest.raises(NotFound):
        selectors.department_list(kind="ministry-of-magic")
    assert selectors.department_get(code="320707-tax").name_zh.endswith("税务局")
    with pytest.raises(NotFound):
        selectors.department_get(code="371121-nothing")


def test_department_kinds_carry_abbreviations_and_duties(org: None) -> None:
    kinds = {k.key: k for k in selectors.department_kind_list()}
    assert len(kinds) == 31
    assert kinds["civil-affairs"].abbr == "MZ"
    assert kinds["housing-provident-fund"].abbr == "GJJ"
    assert "婚姻登记" in kinds["civil-affairs"].duties_zh


def test_centre_list_prefetches(org: None, django_assert_num_queries: object) -> None:
    with django_assert_num_queries(5):  # type: ignore[operator]
        centres = list(selectors.centre_list(region="371121"))
        windows = [
            (w.number, w.comprehensive, sorted(d.kind.key for d in w.departments.all()))
            for c in centres
            for w in c.windows.all()
        ]
        hours = [
            (h.weekday, h.opens.strftime("%H:%M"), h.comprehensive_only)
            for c in centres
            for h in c.hours.all()
        ]
    assert [c.name_zh for c in centres] == ["五莲县政务服务中心"]
    assert len(windows) == 9
    assert windows[0] == ("01", True, [])
    assert windows[4] == ("05", False, ["public-security"])
    assert hours[:2] == [(0, "09:00", False), (0, "13:30", False)]
    assert hours[-1] == (OpeningHours.Weekday.SATURDAY, "09:00", True)
    assert len(hours) == 11


def test_centre_for_department(org: None) -> None:
    result = selectors.centre_for_department(department="371121-public-security")
    assert [(c.slug, [w.number for w in ws]) for c, ws in result] == [
        ("wulian-centre", ["01", "02", "03", "05", "09"])
    ]
    gy = selectors.department_get(code="320707-civil-affairs")
    result = selectors.centre_for_department(department=gy)
    assert [(c.slug, [w.number for w in ws]) for c, ws in result] == [
        ("ganyu-centre", ["A01", "A02", "A03", "B05"])
    ]
