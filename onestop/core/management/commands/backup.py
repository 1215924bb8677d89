"""`onestop backup OUTPUT`: an archive of the database, the uploads and the keys (the keys
encrypted with the operator's passphrase); see `core.backup` and docs/operations.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from onestop.core import backup
from onestop.core.management.passphrase import read_passphrase


class Command(BaseCommand):
    help = "Back up the database, the uploads and the keys (encrypted) into one archive."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("output", help="the archive to write (must not exist), e.g. x.tar.gz")
        parser.add_argument(
            "--passphrase-file",
            help="read the passphrase from this file (else ONESTOP_BACKUP_PASSPHRASE[_FILE], "
            "else asked twice on the terminal, else one line of standard input)",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        output = Path(opts["output"])
        if output.exists():
            raise CommandError(f"{output} exists already; choose a new file name.")
        passphrase = read_passphrase(opts["passphrase_file"], confirm=True)
        try:
            manifest = backup.backup(output, passphrase)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        files = manifest["files"]
        uploads = sum(1 for name in files if name.startswith("media/"))
        self.stdout.write(
            f"backup written to {output}: {manifest['engine']} database, {uploads} upload(s), "
            "keys encrypted with the passphrase. Keep the passphrase apart from the archive."
        )
