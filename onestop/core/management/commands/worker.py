"""`onestop worker`: the task worker (django-tasks-db's `db_worker`, same options) after the
per-process warm-up steps (`core.warmup`), so the first routing task after a start does not
wait seconds for the sentence encoder and the routing model. `onestop serve` starts this."""

from __future__ import annotations

from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from onestop.core import warmup


class Command(DbWorkerCommand):
    help = "Run the task worker after loading what tasks keep per process (core.warmup)."

    def handle(self, *args: Any, **options: Any) -> Any:
        took = warmup.run()
        if took and int(options.get("verbosity", 1)) > 1:
            self.stderr.write(f"warm-up: {', '.join(f'{k} {v:.1f}s' for k, v in took.items())}")
        return super().handle(*args, **options)
