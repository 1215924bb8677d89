from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from onestop.core import keys
from onestop.ledger import conf, note


def _vkey(use: str, public: Any) -> str:
    """How the key is published: a signed-note vkey for the log and witness keys, the raw
    public key (base64) for the others."""
    if use == "ledger":
        return note.Verifier(conf.origin(), public).vkey
    if use == "witness":
        return note.Verifier(conf.witness_name(), public, note.SIG_COSIGNATURE_V1).vkey
    return note.b64(note.raw_public_key(public))


class Command(BaseCommand):
    help = (
        "The node's Ed25519 signing keys, one per use (ledger, witness, credentials, "
        "federation): `keys list`, `keys rotate --use USE`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="List every key (current and retired) with its vkey.")
        listing.add_argument("--use", choices=keys.USES, help="Only the keys of this use.")
        rotate = sub.add_parser("rotate", help="Make a new signing key; old public keys are kept.")
        rotate.add_argument("--use", choices=keys.USES, required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "rotate":
            kid = keys.rotate(options["use"])
            self.stdout.write(f"new {options['use']} signing key {kid}")
            return
        for use in [options["use"]] if options.get("use") else keys.USES:
            current, _private = keys.current_signing_key(use)
            for kid, public in keys.public_keys(use).items():
                mark = "*" if kid == current else " "
                self.stdout.write(f"{mark} {use} {kid} {_vkey(use, public)}")
