import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from onestop.core import secrets, seeding


class Command(BaseCommand):
    help = (
        "Seed the demo of the node's region, NODE_REGION (idempotent: a second run changes "
        "nothing). Development only."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--phase",
            choices=("all", "first", "deferred"),
            default="all",
            help="first: the steps a node needs to answer; deferred: the rest (make run seeds "
            "them in the background once the node answers); all (default): every step",
        )

    def handle(self, *args: object, **options: Any) -> None:
        if secrets.production():
            raise CommandError(
                "The demo seed refuses to run in production mode (ONESTOP_ENV=production): its "
                "accounts have a published password. Set up a production node with "
                "`onestop init --admin NAME` (docs/operations.md)."
            )
        self.stdout.write(f"seeding the demo of region {seeding.node_region()} (NODE_REGION)")
        for step in seeding.steps(options["phase"]):
            started = time.monotonic()
            if step.deferred:
                # Run while the node serves: no transaction around the whole step, so a long
                # one (training the routing model) never holds SQLite's write lock against
                # the web workers and the task worker. Each step is idempotent and writes
                # through services with their own transactions; one cut short completes on
                # the next run.
                summary = step.run()
            else:
                with transaction.atomic():
                    summary = step.run()
            elapsed = time.monotonic() - started
            self.stdout.write(f"seed {step.name}: {summary or 'ok'} ({elapsed:.1f} s)")
