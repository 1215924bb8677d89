"""`onestop cases_tick`: warn at 80% of the time limit and escalate overdue cases once (for
cron; the worker task `cases.tasks.tick` does the same)."""

from typing import Any

from django.core.management.base import BaseCommand

from onestop.cases import clock
from onestop.cases.services import forwarding


class Command(BaseCommand):
    help = "Warn the officers of cases at 80% of their time limit; escalate overdue cases."

    def handle(self, *args: Any, **options: Any) -> None:
        result = clock.tick()
        for number in result["warned"]:
            self.stdout.write(f"warned {number}")
        for number in result["escalated"]:
            self.stdout.write(f"escalated {number}")
        for number in forwarding.unacknowledged_alert():
            self.stdout.write(f"not acknowledged by the handling node: {number}")
        self.stdout.write(
            f"{len(result['warned'])} case(s) warned, {len(result['escalated'])} escalated"
        )
