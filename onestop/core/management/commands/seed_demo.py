from django.core.management.base import BaseCommand
from django.db import transaction

from onestop.core import seeding


class Command(BaseCommand):
    help = "Seed the demo region (idempotent: a second run changes nothing)."

    def handle(self, *args: object, **options: object) -> None:
        for step in seeding.steps():
            with transaction.atomic():
                summary = step.run()
            self.stdout.write(f"seed {step.name}: {summary or 'ok'}")
