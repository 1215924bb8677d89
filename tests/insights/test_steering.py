"""The steering dashboards (/insights/): the director's (every department) and the department
head's (their own), the figures of the cases, the filters, the exports, the reviews read through
`core.figures`, and a query count that does not grow with the data."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from onestop.cases.models import Case, Supplement
from onestop.core import calendar
from onestop.core.errors import PermissionDenied, ValidationFailed
from onestop.insights.selectors import dashboard
from onestop.reviews.models import DailyStat
from tests.cases.factories_office import at, item_case, item_of, seed_world
from tests.factories import login

pytestmark = pytest.mark.django_db

PS = "371121-public-security"
HEALTH = "371121-health"
PAGE = "/insights/"
CSV = "/insights/export.csv"
XLSX = "/insights/export.xlsx"


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    return seed_world()


def _before(day: datetime.date, working_days: int) -> datetime.date:
    """The day `working_days` working days before `day` on the official calendar."""
    start = day
    while calendar.working_days_between(start, day) < working_days:
        start -= datetime.timedelta(days=1)
    return start


def decided(item: Any, *, accepted: datetime.date, on: datetime.date, **fields: Any) -> Case:
    return item_case(
        item=item,
        accepted=accepted,
        status=Case.Status.APPROVED,
        decision="approve",
        decided_at=at(on, 15),
        **fields,
    )


@pytest.fixture
def figures(world: dict[str, Any]) -> dict[str, Any]:
    """In the last days: two PS cases decided (one in 2 working days, one after its limit), one
    PS case open past its limit, one online health case received today with a supplement."""
    today = timezone.localdate()
    ps, health = item_of(PS), item_of(HEALTH)
    two_ago = _before(today, 2)
    quick = decided(ps, accepted=two_ago, on=today)
    late_start = _before(today, ps.promised_days + 3)
    late = decided(ps, accepted=late_start, on=today)
    stuck = item_case(item=ps, accepted=_before(today, ps.promised_days + 5))
    online = item_case(item=health, accepted=today, channel=Case.Channel.ONLINE)
    Supplement.objects.create(
        case=online, requested_by=world["officer-wj"], reason="The photo is unreadable."
    )
    return {"quick": quick, "late": late, "stuck": stuck, "online": online, "ps": ps}


def _filters(**params: str) -> dashboard.Filters:
    today = timezone.localdate()
    base = {"from": f"{today - datetime.timedelta(days=60):%Y-%m-%d}", "to": f"{today:%Y-%m-%d}"}
    return dashboard.parse_filters({**base, **params})


def test_the_director_sees_every_department_with_its_time_limits(world, figures) -> None:
    result = dashboard.steering(actor=world["supervisor"], region="371121", filters=_filters())
    assert result.whole_region
    rows = {r.code: r for r in result.departments}
    ps = rows[PS]
    assert ps.decided == 2
    assert ps.kept == 1
    assert ps.late == 1
    assert ps.overdue_open == 1
    assert ps.kept_rate == ps.kept_rate.__class__("0.5000")
    # received: the two decided, the stuck one (all accepted within the last 60 days)
    assert ps.received == 3
    assert rows[HEALTH].received == 1
    assert rows[HEALTH].supplements == 1
    assert str(rows[HEALTH].supplements_per_case) == "1.00"
    # the quick case took 2 working days; the late one promised + 3
    expected = (2 + figures["ps"].promised_days + 3) / 2
    assert float(ps.average_days) == pytest.approx(expected, abs=0.05)
    assert result.channels == {"online": 1, "window": 3}
    assert str(result.online_share) == "0.2500"
    assert result.decided == 2
    assert result.received == 4
    assert sum(d.decided for d in result.days if d.day == timezone.localdate()) == 2


def test_the_department_head_sees_only_their_department(world, figures) -> None:
    result = dashboard.steering(actor=world["officer-ps"], region="371121", filters=_filters())
    assert not result.whole_region
    assert [r.code for r in result.departments] == [PS]
    assert result.channels["online"] == 0
    assert [code for code, _name in result.choices["departments"]] == [PS]
    with pytest.raises(PermissionDenied):
        dashboard.steering(
            actor=world["officer-ps"], region="371121", filters=_filters(department=HEALTH)
        )


@pytest.mark.parametrize("username", ["citizen", "clerk", "agent"])
def test_others_are_refused(world, username) -> None:
    with pytest.raises(PermissionDenied):
        dashboard.steering(actor=world[username], region="371121", filters=_filters())
    response = login(world[username]).get(PAGE)
    assert response.status_code == 403
    assert login(world[username]).get(CSV).status_code == 403


def test_anonymous_is_sent_to_sign_in(world) -> None:
    response = login(None).get(PAGE)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_filters_by_department_item_and_channel(world, figures) -> None:
    supervisor = world["supervisor"]

    def run(**params: str) -> dashboard.Steering:
        return dashboard.steering(actor=supervisor, region="371121", filters=_filters(**params))

    assert [r.code for r in run(department=HEALTH).departments] == [HEALTH]
    assert run(channel="online").received == 1
    assert run(channel="window").received == 3
    only = run(item=figures["ps"].code)
    assert [r.code for r in only.items] == [figures["ps"].code]
    assert only.received == 3


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"from": "2026-13-01"}, "invalid_date"),
        ({"to": "yesterday"}, "invalid_date"),
        ({"from": "2026-05-02", "to": "2026-05-01"}, "invalid_period"),
        ({"from": "2024-01-01", "to": "2026-01-01"}, "invalid_period"),
        ({"channel": "fax"}, "invalid_channel"),
    ],
)
def test_bad_filters_are_refused_clearly(world, params, code) -> None:
    with pytest.raises(ValidationFailed) as caught:
        dashboard.parse_filters(params)
    assert caught.value.code == code
    response = login(world["supervisor"]).get(PAGE, params)
    assert response.status_code == 400
    body = response.content.decode()
    assert "usa-alert--error" in body
    # The form stays, with the choices and the error summary pointing at the field to correct.
    field = caught.value.details["field"]
    assert f'href="#insights-{field}"' in body
    assert f'id="insights-{field}-error"' in body
    assert 'name="from"' in body
    assert f'<option value="{HEALTH}"' in body
    assert 'id="insights-item"' in body
    assert 'id="insights-received"' not in body  # no figures
    assert login(world["supervisor"]).get(CSV, params).status_code == 400


def test_a_refused_period_keeps_what_was_asked(world) -> None:
    params = {"from": "2026-05-02", "to": "2026-05-01", "channel": "online", "department": PS}
    response = login(world["officer-ps"]).get(PAGE, params)
    assert response.status_code == 400
    body = response.content.decode()
    assert 'value="2026-05-02"' in body
    assert 'value="2026-05-01"' in body
    assert f'<option value="{PS}" selected>' in body
    assert '<option value="online" selected>' in body
    # A department head is offered their own department only, even on the error page.
    assert f'<option value="{HEALTH}"' not in body
    assert "The period must not end before it starts." in body


def test_the_page_shows_the_figures_with_tables_for_the_charts(world, figures) -> None:
    response = login(world["supervisor"]).get(PAGE)
    assert response.status_code == 200
    body = response.content.decode()
    for key in ("days", "channels", "departments", "items", "queue", "hotline", "burden"):
        assert f'id="insights-{key}-caption"' in body
    for chart, table in (
        ("days", "days"),
        ("channels", "channels"),
        ("limits", "departments"),
    ):
        assert f'id="insights-chart-{chart}" role="img"' in body
        assert f'aria-describedby="insights-{table}-caption"' in body
    assert 'id="insights-chart-data" type="application/json"' in body
    assert "vendor/echarts/echarts.common.min.js" in body
    assert 'id="insights-decided">2<' in body


def test_the_reviews_come_from_the_reviews_app(world, figures) -> None:
    today = timezone.localdate()
    DailyStat.objects.create(
        day=today,
        region_id="371121",
        department_id=PS,
        reviews=4,
        satisfied=3,
        score_sum=16,
        bad=1,
        rectified_on_time=1,
    )
    result = dashboard.steering(actor=world["supervisor"], region="371121", filters=_filters())
    [row] = result.reviews
    assert row.department == PS
    assert (row.reviews, str(row.satisfaction), row.bad, str(row.rectified_on_time)) == (
        4,
        "0.7500",
        1,
        "1.0000",
    )
    mine = dashboard.steering(actor=world["officer-wj"], region="371121", filters=_filters())
    assert mine.reviews == []


OUT_OF_SCOPE = (
    "The benefit figures are not in your scope: they are shown to supervisors and to the "
    "officers of the departments that grant benefits."
)


@pytest.mark.parametrize("who", ["administrator", "officer-ps"])
def test_benefit_figures_out_of_the_readers_scope_are_said_to_be_not_an_empty_table(
    world, who
) -> None:
    """An administrator who is not a supervisor sees the whole region's indicators, but the
    benefits policy gives them no benefit figures (nor an officer of a department that grants
    none): the page and the exports say so instead of a table that reads "no offers"."""
    from tests.factories import AdministratorFactory

    reader = AdministratorFactory() if who == "administrator" else world[who]
    result = dashboard.steering(actor=reader, region="371121", filters=_filters())
    assert result.whole_region == (who == "administrator")
    assert (result.benefits, result.benefits_in_scope) == ([], False)
    client = login(reader)
    body = client.get(PAGE).content.decode()
    assert 'id="insights-benefits-scope"' in body
    assert OUT_OF_SCOPE in body
    assert 'id="insights-benefits-caption"' not in body
    assert 'id="insights-reviews-caption"' in body  # the other panels are there
    lines = list(csv.reader(io.StringIO(client.get(CSV).content.decode("utf-8-sig"))))
    title = "Benefits without applying: offers, uptake, payments and days to the payment"
    start = lines.index([title])
    assert lines[start + 1 : start + 3] == [[OUT_OF_SCOPE], []]
    sheet = load_workbook(io.BytesIO(client.get(XLSX).content))["benefits"]
    assert (sheet["A1"].value, sheet["A2"].value, sheet.max_row) == (title, OUT_OF_SCOPE, 2)
    # a supervisor has the figures: a table, one row per benefit rule
    director = dashboard.steering(actor=world["supervisor"], region="371121", filters=_filters())
    assert director.benefits_in_scope
    assert director.benefits
    assert 'id="insights-benefits-caption"' in login(world["supervisor"]).get(PAGE).content.decode()


def test_the_exports_carry_the_tables(world, figures) -> None:
    client = login(world["supervisor"])
    response = client.get(CSV)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="insights-371121-')
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    titles = [line[0] for line in lines if len(line) == 1]
    assert "Time limits, working days and supplements per department" in titles
    start = lines.index(["Time limits, working days and supplements per department"])
    header = lines[start + 1]
    assert header[:4] == ["Department", "Received", "Decided", "Within the limit"]
    ps_row = next(line for line in lines[start + 2 :] if "Public Security" in line[0])
    assert ps_row[1:6] == ["3", "2", "1", "1", "1"]
    response = client.get(XLSX, {"department": PS})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert "departments" in book.sheetnames
    assert "hotline" in book.sheetnames
    sheet = book["departments"]
    assert sheet["A2"].value == "Department"
    assert [c.value for c in sheet[3]][1:6] == [3, 2, 1, 1, 1]
    assert sheet.max_row == 3  # the filter left one department


def test_the_department_head_cannot_export_another_department(world, figures) -> None:
    response = login(world["officer-ps"]).get(CSV, {"department": HEALTH})
    assert response.status_code == 403


def _count(client: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(PAGE)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_query_count_does_not_grow_with_the_data(world, figures) -> None:
    client = login(world["supervisor"])
    client.get(PAGE)  # warm the per-process caches (calendar years)
    small = _count(client)
    today = timezone.localdate()
    ps, health = item_of(PS), item_of(HEALTH)
    for n in range(30):
        item = ps if n % 2 else health
        start = today - datetime.timedelta(days=1 + n % 20)
        decided(item, accepted=start, on=today - datetime.timedelta(days=n % 3))
        item_case(item=item, accepted=start, channel=Case.Channel.ONLINE)
    assert _count(client) == small


def test_window_wait_and_service_times_per_centre(world) -> None:
    from onestop.org.models import QueueTicket, ServiceCentre

    centre = ServiceCentre.objects.filter(region_id="371121").order_by("pk").first()
    now = timezone.now()
    taken = now - datetime.timedelta(hours=2)
    for seq, (wait, service, status) in enumerate(
        [(10, 6, "served"), (20, 4, "served"), (None, None, "waiting")], start=1
    ):
        QueueTicket.objects.create(
            centre=centre,
            day=timezone.localdate(),
            seq=seq,
            number=f"A{seq:03d}",
            status=status,
            created_at=taken,
            called_at=taken + datetime.timedelta(minutes=wait) if wait else None,
            served_at=(taken + datetime.timedelta(minutes=wait + service) if service else None),
        )
    result = dashboard.steering(actor=world["supervisor"], region="371121", filters=_filters())
    [row] = result.queue
    assert (row.tickets, row.served) == (3, 2)
    assert str(row.wait_minutes) == "15.0"
    assert str(row.service_minutes) == "5.0"
