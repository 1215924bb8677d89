"""The simulated days reach the dashboards and the public review figures, and nothing is
stamped in the future. The worker had rolled the days up (empty) and computed the day's figures
before the run, and a simulated save is stamped in the past, so the run rolls its days again and
refreshes the figures."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Sum
from django.utils import timezone

from onestop.cases import selectors as case_selectors
from onestop.insights import rollups
from onestop.insights.models import CaseDay, RolledDay
from onestop.reviews import services as review_services
from onestop.reviews.models import DailyStat, Review
from onestop.simulation import driver

REGION = "371121"
FRIDAY = datetime.date(2026, 11, 20)
DAYS = 3


def test_the_simulated_days_reach_the_dashboards_and_the_figures(demo: dict[str, Any]) -> None:
    # The worker's first roll, before the simulation: every closed day marked, with no rows;
    # and the day's public review figures, computed on no reviews.
    rollups.roll_due(region=REGION)
    review_services.stats_refresh()
    days = [FRIDAY - datetime.timedelta(days=n) for n in range(DAYS)]
    assert RolledDay.objects.filter(region=REGION, day__in=days).count() == DAYS
    assert not CaseDay.objects.filter(region=REGION, day__in=days).exists()

    driver.simulate(days=DAYS, seed=15, per_day=2, orders_per_day=1, today=FRIDAY)

    # What the rollups say each day received is what the raw rows say.
    received = case_selectors.item_cases_for_statistics(region=REGION).filter(
        submitted_at__isnull=False
    )
    for day in days:
        raw = sum(
            1
            for at in received.values_list("submitted_at", flat=True)
            if timezone.localtime(at).date() == day
        )
        rolled = CaseDay.objects.filter(region=REGION, day=day).aggregate(n=Sum("received"))["n"]
        assert raw > 0, day
        assert rolled == raw, day

    # The public figures count every review the run wrote.
    reviews = Review.objects.filter(current=True, voided=False).count()
    assert reviews > 0
    assert DailyStat.objects.aggregate(n=Sum("reviews"))["n"] == reviews


def test_nothing_is_stamped_in_the_future(demo: dict[str, Any]) -> None:
    """The last simulated day is today: its later hours happen now, never after the real time."""
    sim = driver.Simulation(days=1, seed=15)
    today = timezone.localdate()
    assert sim.at(today, 23.5) <= timezone.now()
    assert sim.at(today - datetime.timedelta(days=1), 18) == timezone.make_aware(
        datetime.datetime.combine(today - datetime.timedelta(days=1), datetime.time(18))
    )
