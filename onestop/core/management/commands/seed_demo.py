from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from onestop.core import secrets, seeding


class Command(BaseCommand):
    help = "Seed the demo region (idempotent: a second run changes nothing). Development only."

    def handle(self, *args: object, **options: object) -> None:
        if secrets.production():
            raise CommandError(
                "The demo seed refuses to run in production mode (ONESTOP_ENV=production): its "
                "accounts have a published password. Set up a production node with "
                "`onestop init --admin NAME` (docs/operations.md)."
            )
        for step in seeding.steps():
            with transaction.atomic():
                summary = step.run()
            self.stdout.write(f"seed {step.name}: {summary or 'ok'}")
