"""`onestop calendar_load FILE`: enter a year's holidays from the State Council notice."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onestop.core import calendar
from onestop.core.errors import ValidationFailed


class Command(BaseCommand):
    help = (
        "Load one year's official holidays and adjusted workdays from a JSON file "
        '({"year": 2027, "source": "...", "days": [{"date", "kind": "holiday|workday", '
        '"name"}]}). The year then matches the file exactly; loading it again changes nothing.'
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="JSON file with the year's days")
        parser.add_argument(
            "--dry-run", action="store_true", help="check the file and change nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
        except json.JSONDecodeError as exc:
            raise CommandError(f"{path} is not valid JSON: {exc}") from exc
        try:
            year, source, days = calendar.parse_year_file(data)
            if options["dry_run"]:
                calendar._check_entries(year, days)
                self.stdout.write(f"{path}: {year}, {len(days)} days, valid (nothing changed)")
                return
            result = calendar.calendar_year_load(year=year, source=source, days=days)
        except ValidationFailed as exc:
            raise CommandError(str(exc.message)) from exc
        holidays = sum(1 for d in days if d.kind == calendar.HOLIDAY)
        self.stdout.write(
            f"calendar {year}: {holidays} holidays, {len(days) - holidays} adjusted workdays; "
            f"{result.created} created, {result.updated} updated, {result.deleted} deleted"
        )
