"""`onestop catalog_export --region R --format json|xlsx -o FILE`"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from onestop.catalog.services import catalog_export
from onestop.core.errors import DomainError


class Command(BaseCommand):
    help = "Export a region's catalogue and scenarios as JSON or XLSX (re-importable)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--region", default=None, help="default: NODE_REGION")
        parser.add_argument("--format", choices=["json", "xlsx"], default="json")
        parser.add_argument("-o", "--output", type=Path, required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        region = options["region"] or settings.NODE_REGION
        try:
            data = catalog_export(region=region, fmt=options["format"])
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        options["output"].write_bytes(data)
        self.stdout.write(f"{region}: {len(data)} bytes written to {options['output']}")
