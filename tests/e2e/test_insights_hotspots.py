"""A hotspot in the browser: a spike of street-light complaints from one township raises a card;
the officer of the owning department finds it on the list, opens one proactive task for it and
marks it done; the director sees the card without the task form. axe checks every screen, in
Chinese and in English."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import sign_in
from tests.insights.test_hotspots import order

pytestmark = pytest.mark.seed_skip(
    "hotline-routing",
    "hotline-demo",
    "insights-demo",
    "cases-demo",
    "credentials",
    "sharing-demo",
    "open311",
    "knowledge-articles",
    "search-index",
)
ORDER = "public-security.public-order"


def _spike() -> int:
    from onestop.insights import services
    from onestop.insights.models import Hotspot

    now = timezone.now()
    monday = services.week_start(now)
    for back in range(1, 9):
        day = datetime.datetime.combine(
            monday - datetime.timedelta(weeks=back), datetime.time(10), tzinfo=services.SHANGHAI
        )
        order(ORDER, "石门镇", day)
    start = datetime.datetime.combine(monday, datetime.time(0, 5), tzinfo=services.SHANGHAI)
    for i in range(9):
        order(ORDER, "石门镇", start + datetime.timedelta(minutes=i))
    services.hotspot_scan(region="371121", now=now)
    return Hotspot.objects.get().pk


def _visit(page, base: str, axe, pk: int, title: str) -> None:
    sign_in(page, base, "officer-ps")
    page.goto(base + "/insights/hotspots/")
    expect(page.locator("#hotspots tbody tr")).to_have_count(1)
    axe.check(page)
    page.locator(f"#hotspots a[href='/insights/hotspots/{pk}/']").click()
    page.wait_for_url(re.compile(rf"/insights/hotspots/{pk}/$"))
    expect(page.locator("#hotspot-orders-caption")).to_be_visible()
    axe.check(page)
    if page.locator("#task-title").count():
        page.locator("#task-title").fill(title)
        page.locator("main form.usa-form button[type=submit]").click()
        page.wait_for_url(re.compile(rf"/insights/hotspots/{pk}/$"))
    expect(page.locator("#hotspot-task-status")).to_be_visible()
    axe.check(page)
    page.locator("#task-status").select_option("done")
    page.locator("main form.usa-form button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/insights/hotspots/{pk}/$"))
    axe.check(page)


def test_the_department_acts_on_a_hotspot(seeded_live_server, page, browser, axe) -> None:
    from onestop.insights.models import ProactiveTask

    base = seeded_live_server.url
    pk = _spike()
    _visit(page, base, axe, pk, "夜间加强巡逻并修复路灯")
    task = ProactiveTask.objects.get()
    assert (task.title, task.status) == ("夜间加强巡逻并修复路灯", "done")

    english = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    try:
        en = english.new_page()
        _visit(en, base, axe, pk, "unused: the task is open")
        expect(en.locator("h1")).to_contain_text("Hotspot")
        sign_in(en, base, "supervisor")
        en.goto(f"{base}/insights/hotspots/{pk}/")
        expect(en.locator("#task-title")).to_have_count(0)
        expect(en.locator("#task-status")).to_have_count(0)
        axe.check(en)
    finally:
        english.close()
    assert ProactiveTask.objects.count() == 1
