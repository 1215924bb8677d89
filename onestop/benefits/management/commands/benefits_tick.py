"""`onestop benefits_tick [--limit N]`: the schedule of benefits without applying, from cron —
check the people whose rules were not checked for `BENEFITS_RECHECK_DAYS` (what the worker's
`benefits.tasks.tick` does)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from onestop.benefits import services


class Command(BaseCommand):
    help = "Check the people whose benefits were not checked for BENEFITS_RECHECK_DAYS."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--limit",
            type=int,
            default=int(getattr(settings, "BENEFITS_TICK_LIMIT", 50)),
            help="at most this many people (default BENEFITS_TICK_LIMIT)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"checked: {services.checks_due(limit=max(1, options['limit']))}")
