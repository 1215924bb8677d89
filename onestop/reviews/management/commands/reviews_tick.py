"""`onestop reviews_tick [--stats]`: warn and escalate bad-review rectifications by their limits
(once each), and with `--stats` recompute the public figures now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from onestop.reviews import services


class Command(BaseCommand):
    help = "Warn and escalate rectifications of bad reviews; --stats: recompute the figures."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--stats", action="store_true", help="recompute the public figures")

    def handle(self, *args: Any, **options: Any) -> None:
        touched = services.tick()
        for kind, ids in touched.items():
            self.stdout.write(f"{kind}: {len(ids)}")
        if options["stats"]:
            self.stdout.write(f"figures: {services.stats_refresh()} rows")
