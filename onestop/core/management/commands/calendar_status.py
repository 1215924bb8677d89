"""`onestop calendar_status`: which years have an official calendar, and what is missing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db.models import Count, Q
from django.utils import timezone

from onestop.core.models import CalendarDay, CalendarYear


class Command(BaseCommand):
    help = "List the years whose holidays are entered and warn when the coming year is not."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--all", action="store_true", help="list every entered year")

    def handle(self, *args: Any, **options: Any) -> None:
        years = list(CalendarYear.objects.order_by("year"))
        counts = {
            row["date__year"]: row
            for row in CalendarDay.objects.values("date__year").annotate(
                holidays=Count("pk", filter=Q(kind=CalendarDay.Kind.HOLIDAY)),
                workdays=Count("pk", filter=Q(kind=CalendarDay.Kind.WORKDAY)),
            )
        }
        shown = years if options["all"] else years[-5:]
        for row in shown:
            c = counts.get(row.year, {"holidays": 0, "workdays": 0})
            self.stdout.write(
                f"{row.year}  {c['holidays']:3d} holidays  {c['workdays']:2d} workdays  "
                f"source: {row.source}"
            )
        this_year = timezone.localdate().year
        entered = {row.year for row in years}
        for year in (this_year, this_year + 1):
            if year not in entered:
                self.stdout.write(
                    self.style.WARNING(
                        f"{year}: not entered; working days are counted Monday to Friday. "
                        "Load the State Council notice with `onestop calendar_load FILE`."
                    )
                )
