"""`onestop catalog_import FILE [--region 320707] [--format json|xlsx]`"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onestop.catalog.services import catalog_import
from onestop.core.actors import SYSTEM
from onestop.core.errors import DomainError


class Command(BaseCommand):
    help = "Import a catalogue file (JSON or XLSX) for a region; nothing is written on any error."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--region", help="GB/T 2260 code (default: the region in the codes)")
        parser.add_argument("--format", choices=["json", "xlsx"], help="default: by extension")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        fmt = options["format"] or ("xlsx" if path.suffix.lower() == ".xlsx" else "json")
        try:
            result = catalog_import(
                actor=SYSTEM, data=path.read_bytes(), region=options["region"], fmt=fmt
            )
        except DomainError as exc:
            for error in exc.details or []:
                where = f"{error['sheet']} row {error['row']}"
                if error.get("path"):
                    where += f" ({error['path']})"
                column = f" {error['field']}" if error.get("field") else ""
                self.stderr.write(f"{where}{column}: {error['message']}")
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(result.summary())
