from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from onestop.core import keys
from onestop.ledger import conf, note


class Command(BaseCommand):
    help = "The node's Ed25519 signing keys: `keys list`, `keys rotate`."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="List every key (current and retired) with its vkey.")
        sub.add_parser("rotate", help="Make a new signing key; old public keys are kept.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "rotate":
            kid = keys.rotate()
            self.stdout.write(f"new signing key {kid}")
            return
        current, _private = keys.current_signing_key()
        for kid, public in keys.public_keys().items():
            mark = "*" if kid == current else " "
            vkey = note.Verifier(conf.origin(), public).vkey
            self.stdout.write(f"{mark} {kid} {vkey}")
