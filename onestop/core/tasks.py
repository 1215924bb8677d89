"""Enqueue several tasks with one statement.

`Task.enqueue` writes one row per call with the database backend (`django_tasks_db`), each an
ORM ``create``; a request that hands two tasks to the worker (the hotline intake: the receipt
and the routing) pays two inserts. `enqueue_all` writes the rows of every call in one
``INSERT`` when the tasks' backend is the database backend, with the same fields and the same
``task_enqueued`` signal as `Task.enqueue`, and falls back to `Task.enqueue` per call for any
other backend. Call it inside the caller's transaction: the rows commit (or roll back) with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django_tasks.base import Task
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.compat import normalize_json, task_enqueued
from django_tasks_db.models import DBTaskResult, get_date_max

from onestop.core.inserts import rows_insert

Call = tuple[Task[Any, Any], tuple[Any, ...]]  # a task and its positional arguments


def enqueue_all(calls: Sequence[Call]) -> list[Any]:
    """Enqueue every `(task, args)`; returns their task results, in order."""
    backends = {task.get_backend() for task, _ in calls}
    if len(backends) != 1 or not isinstance(next(iter(backends)), DatabaseBackend):
        return [task.enqueue(*args) for task, args in calls]
    (backend,) = backends
    if backend.options.get("id_function"):
        return [task.enqueue(*args) for task, args in calls]  # its ids are its own business
    rows: list[DBTaskResult] = []
    for task, args in calls:
        backend.validate_task(task)
        rows.append(
            DBTaskResult(
                args_kwargs=normalize_json({"args": args, "kwargs": {}}),
                priority=task.priority,
                task_path=task.module_path,
                queue_name=task.queue_name,
                # what django_tasks_db's pre_save handler does, which bulk_create skips
                run_after=task.run_after or get_date_max(),
                backend_name=backend.alias,
            )
        )
    rows_insert(rows)
    results = [row.task_result for row in rows]
    for result in results:
        task_enqueued.send(type(backend), task_result=result)
    return results
