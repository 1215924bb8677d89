from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser

from onestop.core import crypto, fields


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored piece of personal data with the newest PII key "
        "(--new-key first puts a new key on top of pii.keys; older keys keep decrypting)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--new-key", action="store_true", help="Add a new primary PII key before re-encrypting."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["new_key"]:
            crypto.pii_key_add()
            self.stdout.write("new PII key added")
        total = 0
        for model in apps.get_models():
            if model._meta.proxy or not model._meta.managed:
                continue
            changed = fields.rotate_model_tokens(model)
            if changed:
                self.stdout.write(f"{model._meta.label}: {changed} rows re-encrypted")
            total += changed
        self.stdout.write(f"{total} rows re-encrypted with the newest key")
