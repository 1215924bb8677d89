"""A newcomer's view of the living demo region (issue #15 §6): the seed `make run` serves
first, then a few days replayed through the services by `onestop simulate` (the command, in
the set-up), and the pages a newcomer opens show what the simulated people did — with figures
checked against the database, not just pages that load:

- a scenario page's burden panel, "What applicants really did", from the simulated completed
  bundles (on a phone, 390 px wide);
- the public service ratings on the portal, from the simulated reviews (the daily refresh
  the simulator runs as the worker would);
- the director's dashboard, its per-day table reaching back over the simulated days;
- its benefits figures: the simulated seniors offered the senior allowance and card.

In Chinese and in English; axe checks every page."""

from __future__ import annotations

import datetime
import re
from collections import Counter
from dataclasses import dataclass
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone
from playwright.sync_api import expect

from onestop.benefits.models import Offer
from onestop.cases import selectors as case_selectors
from onestop.cases.models import Case
from onestop.catalog.models import Scenario
from onestop.core import calendar, seeding
from onestop.reviews.models import Review
from tests.e2e.conftest import seed
from tests.factories import sign_in

PHONE = {"width": 390, "height": 844}
REGION = "371121"
WORKING_DAYS = 3  # as few as show it: applications decided, completed and rated


def _days_back() -> int:
    """Days back from today that hold `WORKING_DAYS` working days (more over a holiday)."""
    day, days, working = timezone.localdate(), 0, 0
    while working < WORKING_DAYS:
        working += calendar.is_working_day(day)
        day -= datetime.timedelta(days=1)
        days += 1
    return days


@pytest.fixture
def simulated(live_server: Any, transactional_db: None) -> tuple[Any, int]:
    """The first phase of the demo seed (as `make run` serves it before its background work;
    copied from the kept seed), then `onestop simulate` over the last few days."""
    first = {step.name for step in seeding.steps("first")}
    seed({step.name for step in seeding.steps()} - first)
    days = _days_back()
    out = StringIO()
    call_command(
        "simulate", "--days", str(days), "--per-day", "3", "--orders-per-day", "3", stdout=out
    )
    assert out.getvalue().startswith(f"simulated {days} days"), out.getvalue()
    return live_server, days


def _cells(page: Any, table: str) -> list[list[str]]:
    rows = page.locator(f"{table} tbody tr")
    return [
        [cell.strip() for cell in rows.nth(i).locator("th, td").all_text_contents()]
        for i in range(rows.count())
    ]


def _number(text: str) -> float:
    return float(text.replace(",", "").rstrip("%"))


@dataclass
class Expected:
    """What the database says the pages must show."""

    days: list[datetime.date]
    scenario: Scenario
    bundles: int
    materials: float
    reviews: int
    by_department: dict[str, int]
    received: Counter[datetime.date]
    senior_offers: int


def _expected(days: int) -> Expected:
    today = timezone.localdate()
    # The scenario with the most bundles the simulated applicants completed.
    completed = Case.objects.filter(
        parent__isnull=True, status="completed", idempotency_key__startswith="sim-"
    )
    best = (
        completed.values("scenario__slug")
        .annotate(n=Count("pk"))
        .order_by("-n", "scenario__slug")
        .first()
    )
    assert best is not None, "no simulated bundle completed"
    scenario = Scenario.objects.get(region_id=REGION, slug=best["scenario__slug"])
    bundles = list(Case.objects.filter(parent__isnull=True, scenario=scenario, status="completed"))
    reviews = Review.objects.filter(current=True, voided=False, department__isnull=False)
    assert reviews.exists()
    assert Offer.objects.filter(rule="senior", holder__username__startswith="sim-").exists()
    received = Counter(
        timezone.localdate(at)
        for at in case_selectors.item_cases_for_statistics(region=REGION)
        .filter(submitted_at__isnull=False)
        .values_list("submitted_at", flat=True)
    )
    return Expected(
        days=[today - datetime.timedelta(days=n) for n in range(days)],
        scenario=scenario,
        bundles=len(bundles),
        materials=round(sum(c.materials_submitted for c in bundles) / len(bundles), 1),
        reviews=reviews.count(),
        by_department=dict(Counter(reviews.values_list("department__name_zh", flat=True))),
        received=received,
        senior_offers=Offer.objects.filter(rule="senior").count(),
    )


def _burden_panel(view: Any, base: str, expected: Expected, language: str, axe: Any) -> None:
    """The scenario page's burden panel, on a phone: the completed simulated bundles."""
    view.set_viewport_size(PHONE)
    view.goto(f"{base}/scenarios/{expected.scenario.slug}/")
    expect(view.locator("html")).to_have_attribute("lang", language)
    expect(view.locator("#burden caption")).to_contain_text(str(expected.bundles))
    rows = _cells(view, "#burden")
    assert len(rows) == 5
    assert _number(rows[0][2]) == expected.materials  # materials handed in, bundled (average)
    assert view.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    axe.check(view)
    view.set_viewport_size({"width": 1280, "height": 900})


def _ratings(view: Any, base: str, expected: Expected, language: str, axe: Any) -> None:
    """The public service ratings: every simulated review counted, per department."""
    view.goto(base + "/reviews/figures/")
    table = _cells(view, "#figures-departments")
    assert sum(int(row[1]) for row in table) == expected.reviews
    if language == "zh-Hans":
        assert {row[0]: int(row[1]) for row in table} == expected.by_department
    axe.check(view)


def _dashboard(view: Any, base: str, expected: Expected, language: str, axe: Any) -> None:
    """The director's dashboard: the simulated days, received as the database has them, and
    the benefits figures with the seniors' offers."""
    sign_in(view, base, "supervisor")
    view.goto(base + "/insights/")
    expect(view.locator("#insights-days")).to_be_attached()
    per_day = {row[0]: int(row[1]) for row in _cells(view, "#insights-days")}
    for day in expected.days:
        assert per_day[day.isoformat()] == expected.received[day], day
    assert sum(per_day[d.isoformat()] for d in expected.days) > 0
    assert sum(per_day.values()) == int(view.locator("#insights-received").text_content())
    benefits = _cells(view, "#insights-benefits")
    senior = [row for row in benefits if re.search(r"老年人津贴|Senior citizen", row[0])]
    assert len(senior) == 1, benefits
    assert int(senior[0][1]) == expected.senior_offers > 0
    axe.check(view)


def test_a_newcomer_sees_a_region_with_history(
    simulated: tuple[Any, int], browser: Any, axe_journey: Any
) -> None:
    server, days = simulated
    expected = _expected(days)
    for language, locale in (("zh-Hans", "zh-CN"), ("en", "en-US")):
        context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
        try:
            view = context.new_page()
            _burden_panel(view, server.url, expected, language, axe_journey)
            _ratings(view, server.url, expected, language, axe_journey)
            _dashboard(view, server.url, expected, language, axe_journey)
        finally:
            context.close()
    axe_journey.assert_clean()
