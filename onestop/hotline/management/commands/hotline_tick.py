"""`onestop hotline_tick`: escalate overdue work orders once (for cron; the worker task does
the same)."""

from typing import Any

from django.core.management.base import BaseCommand

from onestop.hotline import services


class Command(BaseCommand):
    help = "Escalate the work orders whose resolution time has passed."

    def handle(self, *args: Any, **options: Any) -> None:
        numbers = services.escalate_overdue()
        for number in numbers:
            self.stdout.write(number)
        self.stdout.write(f"{len(numbers)} work order(s) escalated")
