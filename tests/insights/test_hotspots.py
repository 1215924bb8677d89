"""Hotspots (未诉先办): the Poisson test, the scan over category × place × week, the card sent
to the owning department, who sees it, and the one proactive task instead of each call."""

from __future__ import annotations

import datetime
import itertools
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from onestop.core.errors import PermissionDenied, ValidationFailed
from onestop.hotline.models import WorkOrder
from onestop.insights import services, spikes
from onestop.insights.models import Hotspot, ProactiveTask
from onestop.insights.selectors import hotspots as hotspot_selectors
from onestop.notify.models import Notification
from tests.factories import login

from .conftest import ORDER, PS

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2026, 3, 19, 15, 0, tzinfo=SH)  # a Thursday
MONDAY = datetime.date(2026, 3, 16)
_numbers = itertools.count(1)


def order(
    category: str, township: str, when: datetime.datetime, *, kind: str = "complaint", **extra: Any
) -> WorkOrder:
    """A work order row as the intake leaves it (the counts only read these columns)."""
    return WorkOrder.objects.create(
        number=f"371121-{when:%Y%m%d}-9{next(_numbers):04d}",
        region="371121",
        request_type=kind,
        category_id=category,
        channel="phone",
        contact_phone_enc="",
        contact_phone_masked="138****0000",
        contact_index="",
        township=township,
        description="Street lights out along the river road.",
        status="new",
        created_at=when,
        **extra,
    )


def history(category: str, township: str, per_week: list[int], spike: int) -> list[WorkOrder]:
    """`per_week` requests in each of the 8 weeks before the scan's week, then `spike` in it."""
    made = []
    for back, n in enumerate(reversed(per_week), start=1):
        start = datetime.datetime.combine(
            MONDAY - datetime.timedelta(weeks=back), datetime.time(10), tzinfo=SH
        )
        made += [order(category, township, start + datetime.timedelta(hours=i)) for i in range(n)]
    this_week = datetime.datetime.combine(MONDAY, datetime.time(9), tzinfo=SH)
    made += [
        order(category, township, this_week + datetime.timedelta(hours=i)) for i in range(spike)
    ]
    return made


def test_the_poisson_upper_tail() -> None:
    assert spikes.poisson_upper_tail(0, 3.0) == 1.0
    # P(X >= 1 | 2) = 1 - e^-2
    assert spikes.poisson_upper_tail(1, 2.0) == pytest.approx(0.8646647, rel=1e-6)
    # P(X >= 10 | 2) ≈ 4.65e-5
    assert spikes.poisson_upper_tail(10, 2.0) == pytest.approx(4.6498e-5, rel=1e-3)


def test_the_verdict() -> None:
    assert spikes.test([2] * 8, 10).spike
    assert not spikes.test([2] * 8, 5).spike  # P(X >= 5 | 2) ≈ 0.053
    assert not spikes.test([0] * 8, 4).spike  # below the minimum count
    quiet = spikes.test([], 5)  # no history: the rate floor of 0.5
    assert quiet.baseline == 0
    assert quiet.spike
    assert not spikes.test([9, 11, 10, 8, 12, 10, 9, 11], 15).spike


@pytest.fixture
def officers(world: dict[str, Any]) -> dict[str, Any]:
    return world


def test_a_spike_raises_a_card_sent_to_the_owning_department(world) -> None:
    behind = history(ORDER, "石门镇", [1, 2, 1, 2, 1, 2, 1, 2], spike=12)
    history(ORDER, "洪凝街道", [3, 3, 3, 3, 3, 3, 3, 3], spike=4)  # no spike
    order(ORDER, "石门镇", datetime.datetime(2026, 3, 17, 9, tzinfo=SH), kind="consultation")
    result = services.hotspot_scan(region="371121", now=NOW)
    assert (result.week, result.raised, result.updated) == (MONDAY, 1, 0)
    [card] = Hotspot.objects.all()
    assert (card.category, card.place, card.week, card.count) == (ORDER, "石门镇", MONDAY, 12)
    assert card.department_id == PS
    assert card.baseline == 1.5
    assert card.p_value < spikes.ALPHA
    assert card.orders == [o.number for o in behind[-12:]]
    sent = Notification.objects.filter(template="insights.hotspot")
    assert {n.recipient.username for n in sent} == {"officer-ps"}
    assert "石门镇" in sent.first().texts["zh-hans"]["body"]
    # A later scan of the same week: brought up to date, not raised or sent again.
    order(ORDER, "石门镇", datetime.datetime(2026, 3, 19, 16, tzinfo=SH))
    again = services.hotspot_scan(region="371121", now=NOW + datetime.timedelta(hours=2))
    assert (again.raised, again.updated) == (0, 1)
    card.refresh_from_db()
    assert card.count == 13
    assert len(card.orders) == 13
    assert sent.count() == 1


def test_places_without_a_township_are_grid_cells(world) -> None:
    when = datetime.datetime.combine(MONDAY, datetime.time(9), tzinfo=SH)
    for i in range(7):
        order(
            ORDER,
            "",
            when + datetime.timedelta(hours=i),
            latitude="35.7812",
            longitude="119.2101",
        )
    services.hotspot_scan(region="371121", now=NOW)
    [card] = Hotspot.objects.all()
    assert card.place == "grid:35.78,119.21"
    assert services.place_label(card.place) == "Grid cell near 35.78,119.21"
    assert len(card.orders) == 7


def test_the_scan_has_a_constant_query_count(world, django_assert_max_num_queries) -> None:
    history(ORDER, "石门镇", [1] * 8, spike=9)
    services.hotspot_scan(region="371121", now=NOW)
    for n in range(40):
        history(ORDER, f"镇{n}", [2] * 8, spike=2)
    # counts by township, by grid, owners (2), orders behind, existing cards; no new card
    with django_assert_max_num_queries(8):
        services.hotspot_scan(region="371121", now=NOW)


def _card(world) -> Hotspot:
    history(ORDER, "石门镇", [1] * 8, spike=9)
    services.hotspot_scan(region="371121", now=NOW)
    return Hotspot.objects.get()


def test_who_sees_a_card(world) -> None:
    card = _card(world)
    assert hotspot_selectors.hotspot_get(actor=world["supervisor"], pk=card.pk) == card
    assert hotspot_selectors.hotspot_get(actor=world["officer-ps"], pk=card.pk) == card
    assert [
        c.pk for c in hotspot_selectors.hotspot_list(actor=world["officer-ps"], region="371121")
    ] == [card.pk]
    assert hotspot_selectors.hotspot_list(actor=world["officer-hr"], region="371121") == []
    for username in ("officer-hr", "agent"):
        response = login(world[username]).get(f"/insights/hotspots/{card.pk}/")
        assert response.status_code == 404
    assert login(world["agent"]).get("/insights/hotspots/").status_code == 403
    page = login(world["supervisor"]).get(f"/insights/hotspots/{card.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert card.orders[0] in body
    assert "Open a proactive task" not in body  # the director watches; the department acts


def test_the_department_opens_one_proactive_task(world) -> None:
    card = _card(world)
    with pytest.raises(PermissionDenied):
        services.proactive_task_open(actor=world["supervisor"], hotspot=card, title="Fix it")
    with pytest.raises(ValidationFailed):
        services.proactive_task_open(actor=world["officer-ps"], hotspot=card, title="  ")
    assert not ProactiveTask.objects.exists()
    client = login(world["officer-ps"])
    url = f"/insights/hotspots/{card.pk}/"
    response = client.post(url, {"action": "open", "title": "Patrol the night market", "note": ""})
    assert response.status_code == 302
    response = client.post(url, {"action": "open", "title": "Again"})
    task = ProactiveTask.objects.get()
    assert (task.title, task.owner.username, task.status) == (
        "Patrol the night market",
        "officer-ps",
        "open",
    )
    card.refresh_from_db()
    assert card.status == Hotspot.Status.TASKED
    response = client.post(url, {"action": "update", "status": "done", "note": "Lights fixed."})
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.note) == ("done", "Lights fixed.")
    response = client.post(url, {"action": "update", "status": "forgotten"})
    assert response.status_code == 400
    task.refresh_from_db()
    assert task.status == "done"
    other = login(world["officer-hr"]).post(url, {"action": "update", "status": "open"})
    assert other.status_code == 404


def test_the_worker_scans_at_most_hourly(world, settings) -> None:
    from django.core.cache import cache

    from onestop.insights import tasks

    cache.delete("insights:hotspot-scan")
    first = tasks.hotspot_tick.call()
    assert first["scanned"] is True
    assert tasks.hotspot_tick.call() == {"scanned": False}
    cache.delete("insights:hotspot-scan")


def test_the_list_page(world) -> None:
    card = _card(world)
    response = login(world["supervisor"]).get("/insights/hotspots/")
    assert response.status_code == 200
    assert f"/insights/hotspots/{card.pk}/" in response.content.decode()
    assert Client().get("/insights/hotspots/").status_code == 302
