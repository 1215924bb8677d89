"""`onestop workflow_load [DIR]`: load every process (<key>.bpmn + <key>*.dmn) of a folder."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onestop.core.errors import DomainError
from onestop.workflow import services


class Command(BaseCommand):
    help = "Load the BPMN/DMN processes of a folder (idempotent; a changed file = a new version)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "directory",
            nargs="?",
            default=str(services.PROCESSES_DIR),
            help="folder with <key>.bpmn and <key>*.dmn files (default: the built-in processes)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        directory = Path(options["directory"])
        if not directory.is_dir():
            raise CommandError(f"{directory} is not a folder")
        try:
            loaded = services.definitions_load_all(directory=directory)
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        for definition in loaded:
            self.stdout.write(f"{definition.key} v{definition.version} {definition.sha256[:12]}")
