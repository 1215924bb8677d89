"""The three rates, composite, ranking and volumes of one month, exactly; scope and refusals;
the number of queries."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from onestop.core.errors import PermissionDenied, ValidationFailed
from onestop.hotline.models import WorkOrder
from onestop.insights import selectors
from onestop.insights.selectors import Row, Volume

from .conftest import AFTER, HR, MARCH, PS, SH, fresh


def test_three_rates_per_department_exactly(month, world):
    rows = selectors.three_rates(
        actor=fresh(world["supervisor"]), region="371121", month=MARCH, now=AFTER
    )

    assert rows == [
        Row(
            department=HR,
            department_name="Wulian County Human Resources and Social Security Bureau",
            dispatched=1,
            signed_on_time=1,
            callbacks=1,
            resolved=1,
            satisfied=1,
            overdue=0,
            returned=2,
            reopened=0,
            response_rate=Decimal("1.0000"),
            resolution_rate=Decimal("1.0000"),
            satisfaction_rate=Decimal("1.0000"),
            composite=Decimal("1.0000"),
            rank=1,
        ),
        Row(
            department=PS,
            department_name="Wulian County Public Security Bureau",
            dispatched=5,  # o1 o2 o3 o4 h2; the merged o5 and February's p0 are left out
            signed_on_time=3,  # o1, o2 (signed again after the reopen), h2
            callbacks=3,
            resolved=1,
            satisfied=2,
            overdue=3,  # o4 never signed, o2 and h2 still open after their deadline
            returned=0,
            reopened=1,
            response_rate=Decimal("0.6000"),
            resolution_rate=Decimal("0.3333"),
            satisfaction_rate=Decimal("0.6667"),
            composite=Decimal("0.5300"),  # 0.30 x 0.6 + 0.35 x 0.3333 + 0.35 x 0.6667
            rank=2,
        ),
    ]


def test_february_has_only_the_order_dispatched_then(month, world):
    rows = selectors.three_rates(
        actor=fresh(world["supervisor"]),
        region="371121",
        month=datetime.date(2026, 2, 1),
        now=AFTER,
    )

    assert [(r.department, r.dispatched, r.signed_on_time, r.callbacks) for r in rows] == [
        (PS, 1, 1, 0)
    ]
    assert rows[0].resolution_rate is None
    assert rows[0].satisfaction_rate is None
    # Only the response rate has a denominator: 100 % on time, but nothing resolved and nobody
    # called back yet, so the unit is not scored or ranked (it used to rank first at 100 %).
    assert rows[0].composite is None
    assert rows[0].rank is None
    assert selectors.unranked_reason(rows[0]).startswith("No callbacks yet")


def test_the_merged_duplicate_is_left_out(month, world):
    duplicate = WorkOrder.objects.get(pk=month["o5"].pk)
    assert duplicate.merged_into_id == month["o4"].pk
    assert duplicate.lead_department_id == PS
    assert duplicate.dispatched_at is not None

    rows = selectors.three_rates(actor=world["admin"], region="371121", month=MARCH, now=AFTER)

    assert {r.department: r.dispatched for r in rows} == {HR: 1, PS: 5}


def test_volumes_by_category_channel_and_request_type(month, world):
    volumes = selectors.hotline_volumes(
        actor=fresh(world["supervisor"]), region="371121", month=MARCH, now=AFTER
    )

    assert volumes.total == 7  # o1-o4, h1, h2, c1: not the merged o5, not February's p0
    assert volumes.category_level1 == [
        Volume("public-security", "Public security", 4),
        Volume("urban-rural-construction", "Urban-rural construction and housing", 3),
    ]
    assert volumes.category_level2 == [
        Volume("public-security.public-order", "Public order and neighbourhood noise", 4),
        Volume("urban-rural-construction.property-management", "Property management", 3),
    ]
    assert volumes.channel == [
        Volume("phone", "Phone", 4),
        Volume("app", "App", 2),
        Volume("web", "Web", 1),
    ]
    assert volumes.request_type == [
        Volume("complaint", "Complaint", 6),
        Volume("consultation", "Consultation", 1),
    ]


def test_officer_sees_only_their_own_department(month, world):
    officer = fresh(world["officer-ps"])

    dashboard = selectors.hotline_dashboard(actor=officer, region="371121", month=MARCH, now=AFTER)

    assert [r.department for r in dashboard.rows] == [PS]
    assert dashboard.rows[0].dispatched == 5
    assert dashboard.whole_region is False
    assert dashboard.volumes.total == 5  # the orders PS leads: o1-o4 and h2
    assert [v.key for v in dashboard.volumes.request_type] == ["complaint"]


@pytest.mark.parametrize("username", ["agent", "clerk", "citizen", "officer-gy"])
def test_others_are_refused(month, world, username):
    with pytest.raises(PermissionDenied) as caught:
        selectors.three_rates(actor=fresh(world[username]), region="371121", month=MARCH, now=AFTER)
    assert caught.value.code == "forbidden"


def test_anonymous_is_refused(month):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        selectors.hotline_volumes(actor=AnonymousUser(), region="371121", month=MARCH)


def test_a_future_month_is_empty_not_an_error(month, world):
    dashboard = selectors.hotline_dashboard(
        actor=fresh(world["supervisor"]),
        region="371121",
        month=datetime.date(2026, 5, 1),
        now=AFTER,
    )
    assert dashboard.rows == []
    assert dashboard.volumes == selectors.Volumes()


@pytest.mark.parametrize(
    "value",
    ["2026-13", "2026-3", "26-03", "March", "2026-00", "1999-12", "2026-03-01", "２０２６-03"],
)
def test_malformed_month_is_refused(value):
    with pytest.raises(ValidationFailed) as caught:
        selectors.parse_month(value)
    assert caught.value.code == "invalid_month"
    assert caught.value.status == 400


def test_month_parsing_and_default_in_shanghai():
    assert selectors.parse_month("2026-03") == MARCH
    # 16:30 UTC on 31 May is already 1 June in Shanghai
    late = datetime.datetime(2026, 5, 31, 16, 30, tzinfo=datetime.UTC)
    assert selectors.parse_month("", now=late) == datetime.date(2026, 6, 1)
    assert selectors.parse_month(None, now=late) == datetime.date(2026, 6, 1)
    assert selectors.month_bounds(MARCH) == (
        datetime.datetime(2026, 3, 1, tzinfo=SH),
        datetime.datetime(2026, 4, 1, tzinfo=SH),
    )
    assert selectors.month_bounds(datetime.date(2026, 12, 1))[1] == datetime.datetime(
        2027, 1, 1, tzinfo=SH
    )


def test_malformed_region_is_refused(world):
    with pytest.raises(ValidationFailed) as caught:
        selectors.three_rates(actor=world["admin"], region="37112", month=MARCH)
    assert caught.value.code == "invalid_region"


def test_composite_and_ties():
    def row(code: str, response: str | None, resolution: str | None, satisfaction: str | None):
        r = Row(
            department=code,
            department_name=code,
            response_rate=Decimal(response) if response else None,
            resolution_rate=Decimal(resolution) if resolution else None,
            satisfaction_rate=Decimal(satisfaction) if satisfaction else None,
        )
        return Row(**{**r.__dict__, "composite": selectors.composite(r)})

    rows = [
        row("d", None, None, None),
        row("c", "0.5", "1", "1"),
        row("b", "1", "0.5", "1"),
        row("a", "1", "1", "0.5"),
        row("e", "0.8", None, None),
    ]

    assert [r.composite for r in rows] == [
        None,
        Decimal("0.8500"),
        Decimal("0.8250"),
        Decimal("0.8250"),
        None,  # a response rate alone scores nothing
    ]
    assert [(r.department, r.rank) for r in selectors.rank(rows)] == [
        ("c", 1),
        ("a", 2),
        ("b", 2),
        ("d", None),
        ("e", None),
    ]
    assert selectors.ratio(1, 3) == Decimal("0.3333")
    assert selectors.ratio(2, 3) == Decimal("0.6667")
    assert selectors.ratio(0, 0) is None


def test_a_constant_number_of_queries(month, world, django_assert_num_queries):
    supervisor = fresh(world["supervisor"])
    # roles, the rolled-up days' marks (none here: every day is counted from the orders),
    # orders grouped by department, return/reopen events, department names, received orders
    # grouped by category/channel/type, the categories
    with django_assert_num_queries(7):
        selectors.hotline_dashboard(actor=supervisor, region="371121", month=MARCH, now=AFTER)
