"""`onestop restore ARCHIVE`: restore a backup onto a fresh data dir and verify it (the
ledger, every licence, every case); exits 1 if anything does not verify. See `core.backup`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from onestop.core import backup
from onestop.core.management.passphrase import read_passphrase


class Command(BaseCommand):
    help = "Restore a backup (database, uploads, keys) onto a fresh data dir, then verify it."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("archive", help="an archive written by `onestop backup`")
        parser.add_argument("--passphrase-file", help="as for `onestop backup`")

    def handle(self, *args: Any, **opts: Any) -> None:
        archive = Path(opts["archive"])
        if not archive.is_file():
            raise CommandError(f"{archive} is not a file.")
        passphrase = read_passphrase(opts["passphrase_file"], confirm=False)
        try:
            restored = backup.restore(archive, passphrase)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = restored.manifest
        self.stdout.write(
            f"restored the backup of node {manifest['node_region']} made {manifest['created_at']}"
            f" ({manifest['engine']} database, {restored.uploads} upload(s), keys)."
        )
        for check in restored.verifications:
            self.stdout.write(f"{'ok' if check.ok else 'FAILED'} {check.name}: {check.summary}")
        if not restored.ok:
            raise CommandError("The restored node does not verify (see the lines above).")
