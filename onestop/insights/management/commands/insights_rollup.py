"""`onestop insights_rollup [--from YYYY-MM-DD] [--to YYYY-MM-DD]`: (re)build the dashboards'
daily rollups of the node's region for a range of closed days (default: the last 366 days up to
yesterday, Asia/Shanghai). Without a range it rolls every day of that span, not only the due
ones (the worker's `rollup_tick` does those)."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from onestop.insights import rollups


def _day(value: str | None) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"not a date YYYY-MM-DD: {value!r}") from exc


class Command(BaseCommand):
    help = "Rebuild the daily rollups of the steering dashboards for a range of closed days."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="start", help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="end", help="last day, YYYY-MM-DD (before today)")

    def handle(self, *args: Any, **options: Any) -> None:
        yesterday = rollups.today() - datetime.timedelta(days=1)
        end = _day(options["end"]) or yesterday
        start = _day(options["start"]) or end - datetime.timedelta(days=rollups.HORIZON_DAYS - 1)
        if start > end:
            raise CommandError("--from is after --to")
        if end > yesterday:
            self.stdout.write(f"today and later are computed live: rolling up to {yesterday}")
            end = yesterday
        days = [start + datetime.timedelta(days=i) for i in range((end - start).days + 1)]
        result = rollups.roll_days(region=str(settings.NODE_REGION), days=days)
        self.stdout.write(
            f"rolled {result.days} days: {result.case_rows} case rows, "
            f"{result.hotline_rows} hotline rows"
        )
