"""The department queue (/office/), the supervisor board and the office's scoping: who sees which
item case, colours by due time, filters, sorting, pages, and a query count that does not grow
with the number of cases."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from onestop.cases import selectors
from onestop.cases.models import Case
from tests.cases.factories_office import item_case, item_of, seed_world
from tests.factories import login

pytestmark = pytest.mark.django_db

PS = "371121-public-security"
HEALTH = "371121-health"
PS_GY = "320707-public-security"


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    return seed_world()


def _numbers(response: Any) -> list[str]:
    return [row.case.number for row in response.context["q"].rows]


def _login(client: Any, user: Any) -> Any:
    return login(user, client=client)


def test_queue_lists_only_the_officers_department_in_its_region(
    client: Any, world: dict[str, Any]
) -> None:
    mine = item_case(item=item_of(PS))
    other_department = item_case(item=item_of(HEALTH))
    other_region = item_case(item=item_of(PS_GY))
    response = _login(client, world["officer-ps"]).get(reverse("cases:office"))
    assert response.status_code == 200
    assert _numbers(response) == [mine.number]
    body = response.content.decode()
    assert other_department.number not in body
    assert other_region.number not in body
    # On a 390 px phone the six columns scroll inside their box, not the whole page.
    box = r'usa-table-container--scrollable" tabindex="0">\s*<table[^>]*id="queue"'
    assert re.search(box, body)
    # The Ganyu officer of the same department kind sees only Ganyu's case.
    response = _login(client, world["officer-gy"]).get(reverse("cases:office"))
    assert _numbers(response) == [other_region.number]


def test_queue_holds_department_tasks_and_supplements_only(
    client: Any, world: dict[str, Any]
) -> None:
    item = item_of(PS)
    today = timezone.localdate()
    review = item_case(item=item, task="review", accepted=today - datetime.timedelta(days=1))
    decide = item_case(item=item, task="decide")
    supplement = item_case(item=item, status=Case.Status.SUPPLEMENT)
    item_case(item=item, task="collect", lane="window")  # waits for the window
    item_case(item=item, status=Case.Status.COMPLETED)
    item_case(item=item, status=Case.Status.REJECTED)
    item_case(item=item, status=Case.Status.DRAFT, task="", lane="", number=None)
    response = _login(client, world["officer-ps"]).get(reverse("cases:office"))
    assert set(_numbers(response)) == {review.number, decide.number, supplement.number}
    labels = {row.case.number: row.task for row in response.context["q"].rows}
    assert labels[review.number] == "Review"
    assert labels[decide.number] == "Decision"
    assert labels[supplement.number] == "Waiting for the applicant's supplements"


def test_queue_filters_by_task_and_status_and_sorts_by_due_date(
    client: Any, world: dict[str, Any]
) -> None:
    item = item_of(PS)
    today = timezone.localdate()
    early = item_case(item=item, task="review", accepted=today - datetime.timedelta(days=10))
    late = item_case(item=item, task="review", accepted=today)
    decide = item_case(item=item, task="decide", accepted=today - datetime.timedelta(days=5))
    waiting = item_case(item=item, status=Case.Status.SUPPLEMENT)
    client = _login(client, world["officer-ps"])
    url = reverse("cases:office")
    assert _numbers(client.get(url, {"task": "review"})) == [early.number, late.number]
    assert _numbers(client.get(url, {"task": "review", "sort": "-due"})) == [
        late.number,
        early.number,
    ]
    assert _numbers(client.get(url, {"task": "decide"})) == [decide.number]
    assert _numbers(client.get(url, {"status": "supplement"})) == [waiting.number]
    assert _numbers(client.get(url, {"task": "supplement"})) == [waiting.number]
    # Unknown values are ignored, not errors.
    response = client.get(url, {"task": "x'; drop", "status": "nope", "sort": "?"})
    assert response.status_code == 200
    assert len(_numbers(response)) == 4


def test_due_colours_overdue_warned_and_fine(client: Any, world: dict[str, Any]) -> None:
    item = item_of(PS)
    promised = item.promised_days
    today = timezone.localdate()
    overdue = item_case(item=item, accepted=today - datetime.timedelta(days=promised * 3))
    fine = item_case(item=item, accepted=today)
    # Accepted so that at least 80% but not all of the limit is used: the due date is today.
    warn = item_case(item=item, accepted=today, due_date=today)
    from onestop.core import calendar

    start = today
    while calendar.working_days_between(start, today) < promised:
        start -= datetime.timedelta(days=1)
    warn.accepted_at = timezone.make_aware(datetime.datetime.combine(start, datetime.time(10)))
    warn.save()
    # Waiting for supplements since the day after acceptance: the clock stopped with one day
    # used, so it is fine although the (not yet moved) due date has passed.
    paused = item_case(
        item=item,
        accepted=today - datetime.timedelta(days=promised * 3),
        status=Case.Status.SUPPLEMENT,
    )
    paused.paused_since = paused.accepted_at + datetime.timedelta(days=1)
    paused.save()
    response = _login(client, world["officer-ps"]).get(reverse("cases:office"))
    states = {row.case.number: row.due for row in response.context["q"].rows}
    assert states == {
        overdue.number: "overdue",
        warn.number: "warn",
        fine.number: "ok",
        paused.number: "ok",
    }
    body = response.content.decode()
    assert "Overdue" in body
    assert "Time limit nearly used up" in body
    assert 'class="os-due-row--overdue"' in body
    # Soonest due first: the overdue case leads.
    assert _numbers(response)[0] == overdue.number


def test_due_state_of_a_finished_case_is_fine(world: dict[str, Any]) -> None:
    item = item_of(PS)
    old = timezone.localdate() - datetime.timedelta(days=100)
    case = item_case(item=item, accepted=old, status=Case.Status.COMPLETED)
    assert selectors.due_state(case) == "ok"


def test_queue_pages(client: Any, world: dict[str, Any]) -> None:
    item = item_of(PS)
    for _ in range(selectors.PAGE_SIZE + 3):
        item_case(item=item)
    client = _login(client, world["officer-ps"])
    first = client.get(reverse("cases:office"))
    second = client.get(reverse("cases:office"), {"page": 2})
    assert len(_numbers(first)) == selectors.PAGE_SIZE
    assert len(_numbers(second)) == 3
    assert not set(_numbers(first)) & set(_numbers(second))
    assert "Page 2 of 2" in second.content.decode()
    # Out of range: the last page.
    assert _numbers(client.get(reverse("cases:office"), {"page": 99})) == _numbers(second)


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_queue_query_count_does_not_grow_with_the_cases(client: Any, world: dict[str, Any]) -> None:
    ps, health = item_of(PS), item_of(HEALTH)
    today = timezone.localdate()
    bundle = Case.objects.create(
        number="371121-20261101-90001",
        kind=Case.Kind.BUNDLE,
        region_id="371121",
        channel=Case.Channel.ONLINE,
        status=Case.Status.ACCEPTED,
        applicant_name="李娜",
    )
    item_case(item=ps, parent=bundle)
    item_case(item=health)
    # One row in each board section from the start (an empty section skips its last query).
    item_case(item=ps, accepted=today - datetime.timedelta(days=90))  # overdue
    item_case(
        item=ps,
        status=Case.Status.SUPPLEMENT,
        paused_since=timezone.now() - datetime.timedelta(days=30),
    )
    supervisor = Client(HTTP_ACCEPT_LANGUAGE="en")
    supervisor.force_login(world["supervisor"])
    client = _login(client, world["officer-ps"])
    client.get(reverse("cases:office"))  # warm the per-process caches (calendar year)
    small = _queries(client, reverse("cases:office"))
    board_small = _queries(supervisor, reverse("cases:supervisor"))
    for n in range(40):
        item_case(
            item=ps if n % 2 else health,
            parent=bundle if n % 3 == 0 else None,
            accepted=today - datetime.timedelta(days=n),
            status=Case.Status.SUPPLEMENT if n % 5 == 0 else Case.Status.ACCEPTED,
        )
    big = _queries(client, reverse("cases:office"))
    assert big == small
    # The budget: session, user, the authenticator that verified the session (a staff session
    # needs one), the officer's roles, the node's region (site header), the count, and the
    # page's rows (their ids chosen in a subquery of the same query).
    assert big <= 7
    board_big = _queries(supervisor, reverse("cases:supervisor"))
    assert board_big == board_small
    assert board_big <= 14


def test_queue_page_reads_the_waiting_index_in_two_queries(
    client: Any, world: dict[str, Any]
) -> None:
    """The count and one query for the page's rows (ids chosen in a subquery), whatever page."""
    item = item_of(PS)
    for _ in range(selectors.PAGE_SIZE + 3):
        item_case(item=item)
    client = _login(client, world["officer-ps"])
    client.get(reverse("cases:office"))
    for page in (1, 2):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("cases:office"), {"page": page})
        assert response.status_code == 200
        on_cases = [q["sql"] for q in ctx.captured_queries if '"cases_case"' in q["sql"]]
        assert len(on_cases) == 2
        assert "COUNT(" in on_cases[0]
        assert " IN (SELECT " in on_cases[1]
    assert len(response.context["q"].page.object_list) == 3


def test_bundle_child_shows_the_bundle_applicant(client: Any, world: dict[str, Any]) -> None:
    bundle = Case.objects.create(
        number="371121-20261101-90002",
        kind=Case.Kind.BUNDLE,
        region_id="371121",
        channel=Case.Channel.ONLINE,
        status=Case.Status.ACCEPTED,
        applicant_name="李娜",
    )
    child = item_case(item=item_of(PS), parent=bundle)
    response = _login(client, world["officer-ps"]).get(reverse("cases:office"))
    [row] = response.context["q"].rows
    assert row.case.number == child.number
    assert row.applicant_name == "李娜"


def test_queue_is_for_officers_only(client: Any, world: dict[str, Any]) -> None:
    assert client.get(reverse("cases:office")).status_code == 302  # to the login page
    for username in ("citizen", "clerk", "agent"):
        response = _login(client, world[username]).get(reverse("cases:office"))
        assert response.status_code == 403
        assert "Only department officers" in response.content.decode()


@pytest.mark.parametrize(
    "who",
    ["other-department", "other-region", "bundle", "forged", "draft", "citizen", "clerk"],
)
def test_case_page_of_a_case_out_of_scope_is_404(
    client: Any, world: dict[str, Any], who: str
) -> None:
    user = world["officer-ps"]
    if who == "other-department":
        number = item_case(item=item_of(HEALTH)).number
    elif who == "other-region":
        number = item_case(item=item_of(PS_GY)).number
    elif who == "bundle":
        number = Case.objects.create(
            number="371121-20261101-90003",
            kind=Case.Kind.BUNDLE,
            region_id="371121",
            department_id=PS,
            channel=Case.Channel.ONLINE,
            status=Case.Status.ACCEPTED,
        ).number
    elif who == "forged":
        number = "371121-20261101-99999"
    elif who == "draft":
        number = item_case(item=item_of(PS), status=Case.Status.DRAFT).number
    else:
        number = item_case(item=item_of(PS)).number
        user = world[who]
    client = _login(client, user)
    for name in ("cases:office_case",):
        assert client.get(reverse(name, args=[number])).status_code == 404
    response = client.post(
        reverse("cases:office_act", args=[number]),
        {"task_id": "x", "action": "approve", "version": "1", "reason": "ok"},
    )
    assert response.status_code == 404
    response = client.get(reverse("cases:office_material", args=[number, "id-card"]))
    assert response.status_code == 404


def test_supervisor_board_lists_overdue_escalated_warned_and_waiting(
    client: Any, world: dict[str, Any]
) -> None:
    item = item_of(PS)
    today = timezone.localdate()
    now = timezone.now()
    overdue = item_case(item=item, accepted=today - datetime.timedelta(days=60))
    escalated = item_case(item=item, accepted=today - datetime.timedelta(days=61), escalated_at=now)
    warned = item_case(item=item, accepted=today, warned_at=now)
    waiting = item_case(
        item=item,
        status=Case.Status.SUPPLEMENT,
        paused_since=now - datetime.timedelta(days=20),
    )
    fresh_wait = item_case(item=item, status=Case.Status.SUPPLEMENT, paused_since=now)
    fine = item_case(item=item, accepted=today)
    gy = item_case(item=item_of(PS_GY), accepted=today - datetime.timedelta(days=60))
    response = _login(client, world["supervisor"]).get(reverse("cases:supervisor"))
    assert response.status_code == 200
    ctx = response.context
    assert {r.case.number for r in ctx["overdue"]} == {overdue.number, escalated.number}
    assert [r.case.number for r in ctx["warned"]] == [warned.number]
    assert [r.case.number for r in ctx["waiting"]] == [waiting.number]
    body = response.content.decode()
    for number in (fresh_wait.number, fine.number, gy.number):
        assert number not in body
    assert "Escalated" in body
    # Who holds it: the department's officers by name.
    row = next(r for r in ctx["overdue"] if r.case.number == overdue.number)
    assert "刘强" in row.holder
    assert "Department" in row.lane
    # The Ganyu supervisor sees Ganyu's overdue case only.
    response = _login(client, world["supervisor-gy"]).get(reverse("cases:supervisor"))
    assert [r.case.number for r in response.context["overdue"]] == [gy.number]


def test_supervisor_board_is_for_supervisors_only(client: Any, world: dict[str, Any]) -> None:
    response = _login(client, world["officer-ps"]).get(reverse("cases:supervisor"))
    assert response.status_code == 403
    assert "Only supervisors" in response.content.decode()
