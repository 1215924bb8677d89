"""`onestop workflow_tick`: fire due process timers once (for cron; the worker task does the
same)."""

from typing import Any

from django.core.management.base import BaseCommand

from onestop.workflow import services


class Command(BaseCommand):
    help = "Refresh the process instances whose timers are due."

    def handle(self, *args: Any, **options: Any) -> None:
        count = services.due_timers_refresh()
        self.stdout.write(f"{count} instance(s) changed")
