"""`onestop worker`: the task worker (django-tasks-db's `db_worker`, same options) after the
per-process warm-up steps (`core.warmup`), so the first routing task after a start does not
wait seconds for the sentence encoder and the routing model. `onestop serve` starts this.

On PostgreSQL a task is claimed with one statement (`OneStopWorker.claim_next`: an ``UPDATE …
WHERE id = (SELECT … FOR UPDATE SKIP LOCKED LIMIT 1) RETURNING …`` in autocommit) instead of
the library's transaction of an ORM ``SELECT … FOR UPDATE SKIP LOCKED`` and an ORM ``UPDATE``:
the same row chosen in the same order (the model's ordering, served by its partial index), the
same fields set. Building those two ORM queries was about a third of the worker's CPU for an
Open311 intake's three small tasks (docs/operations.md, "Intake profile"). Other databases use
the library's loop unchanged.
"""

from __future__ import annotations

import json
import random
import time
from typing import Any

from django.db import close_old_connections, connections
from django.db.utils import OperationalError
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.management.commands import db_worker
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from django_tasks_db.models import DBTaskResult, get_date_max
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from onestop.core import warmup, workers

_CLAIM_SQL: str | None = None


def _claim_sql() -> str:
    """The claiming statement, built once per process from the model's table and columns."""
    global _CLAIM_SQL  # noqa: PLW0603 - a per-process cache of a constant string
    if _CLAIM_SQL is None:
        meta = DBTaskResult._meta
        table = meta.db_table
        columns = ", ".join(f'"{f.column}"' for f in meta.concrete_fields)
        # Names from the model's meta, every value a parameter.
        _CLAIM_SQL = (
            f'UPDATE "{table}" SET "status" = %(running)s, "started_at" = %(now)s, '  # noqa: S608
            f'"worker_ids" = "worker_ids" || %(worker)s::jsonb '
            f'WHERE "id" = (SELECT "id" FROM "{table}" WHERE "status" = %(ready)s '
            f'AND "backend_name" = %(backend)s AND ("run_after" = %(never)s OR '
            f'"run_after" <= %(now)s) AND (%(all)s OR "queue_name" = ANY(%(queues)s)) '
            f'AND NOT ("queue_name" = ANY(%(excluded)s)) '
            f'ORDER BY "priority" DESC, "run_after" ASC, "enqueued_at" ASC '
            f"LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING {columns}"
        )
    return _CLAIM_SQL


class OneStopWorker(db_worker.Worker):
    """django-tasks-db's worker with a one-statement claim on PostgreSQL."""

    def claim_next(self) -> DBTaskResult | None:
        """The next ready task, claimed (status running, started now, this worker's id
        appended), or None."""
        connection = connections[DBTaskResult.objects.db]
        if connection.vendor != "postgresql":
            return self._claim_with_orm()
        now = timezone.now()
        params: dict[str, Any] = {
            "running": TaskResultStatus.RUNNING,
            "ready": TaskResultStatus.READY,
            "now": now,
            "never": get_date_max(),
            "worker": json.dumps([self.worker_id]),
            "backend": self.backend_name,
            "all": self.process_all_queues,
            "queues": list(self.queue_names),
            "excluded": list(self.excluded_queue_names),
        }
        with connection.cursor() as cursor:
            cursor.execute(_claim_sql(), params)
            row = cursor.fetchone()
        if row is None:
            return None
        fields = DBTaskResult._meta.concrete_fields
        values = [
            f.from_db_value(v, None, connection) if hasattr(f, "from_db_value") else v
            for f, v in zip(fields, row, strict=True)
        ]
        return DBTaskResult.from_db(DBTaskResult.objects.db, [f.attname for f in fields], values)

    def _claim_with_orm(self) -> DBTaskResult | None:
        """The library's claim (a transaction of `get_locked` and `claim`)."""
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        with exclusive_transaction(tasks.db):
            task_result = tasks.get_locked()
            if task_result is not None:
                task_result.claim(self.worker_id)
        return task_result

    def run(self) -> None:
        """The library's loop (`db_worker.Worker.run`) around `claim_next`, with a heartbeat."""
        db_worker.logger.info(
            "Starting worker worker_id=%s queues=%s", self.worker_id, ",".join(self.queue_names)
        )
        # Alive from now on (`core.workers`): a task this worker is killed in is queued again by
        # the others (or by this one's successor) once its beats stop.
        heart = workers.Heart(self.worker_id)
        heart.beat_once()
        heart.start()
        try:
            self._loop()
        finally:
            heart.stop()
            if not self.running_task:  # stopped cleanly, nothing half-run
                workers.worker_forget(worker_id=self.worker_id)

    def _loop(self) -> None:
        if self.startup_delay and self.interval:
            time.sleep(random.random())  # noqa: S311 - spreads the start, not a secret
        while self.running:
            close_old_connections()
            try:
                task_result = self.claim_next()
                retrieved = True
            except OperationalError as exc:
                if not is_locked_database_exception(exc):
                    raise
                task_result, retrieved = None, False
            if task_result is not None:
                self.run_task(task_result)
            if self.batch and retrieved and task_result is None:
                db_worker.logger.info("No more tasks to run for worker_id=%s", self.worker_id)
                return
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                db_worker.logger.info("Ran %d tasks on worker=%s", self._run_tasks, self.worker_id)
                return
            close_old_connections()
            if self.running and not task_result:
                time.sleep(self.interval)


class Command(DbWorkerCommand):
    help = "Run the task worker after loading what tasks keep per process (core.warmup)."

    def handle(self, *args: Any, **options: Any) -> Any:
        took = warmup.run()
        if took and int(options.get("verbosity", 1)) > 1:
            self.stderr.write(f"warm-up: {', '.join(f'{k} {v:.1f}s' for k, v in took.items())}")
        # The library's command builds `db_worker.Worker`; this process runs ours.
        db_worker.Worker = OneStopWorker  # type: ignore[misc]
        return super().handle(*args, **options)
