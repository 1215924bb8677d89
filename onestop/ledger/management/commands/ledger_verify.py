from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from onestop.ledger.note import b64
from onestop.ledger.verify import MismatchError, verify_log


class Command(BaseCommand):
    help = (
        "Recompute every leaf hash, stored subtree, the root and every published checkpoint; "
        "name the first entry that does not match and exit non-zero."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = verify_log()
        except MismatchError as exc:
            raise CommandError(f"ledger does not verify: {exc}") from exc
        self.stdout.write(
            f"ledger ok: {report.size} entries, {report.tiles} tiles, "
            f"{report.checkpoints} checkpoints, root {b64(report.root_hash)}"
        )
