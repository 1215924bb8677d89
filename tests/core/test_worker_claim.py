"""`onestop worker` claims tasks as django-tasks-db's worker does: the most urgent ready task
of its queues, marked running with its worker id (one statement on PostgreSQL, the library's
transaction elsewhere; the same test runs on either database)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from onestop.core.management.commands.worker import OneStopWorker
from onestop.hotline import tasks


def _worker(worker_id: str = "w1") -> OneStopWorker:
    return OneStopWorker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )


def test_the_most_urgent_ready_task_is_claimed_first(db: Any) -> None:
    older = tasks.escalate_overdue.enqueue()
    urgent = tasks.route_orders.enqueue(1)  # priority 10
    later = tasks.escalate_overdue.using(run_after=timezone.now() + timedelta(hours=1)).enqueue()
    worker = _worker()

    first = worker.claim_next()
    assert first is not None
    assert str(first.id) == str(urgent.id)
    assert first.status == TaskResultStatus.RUNNING
    assert first.worker_ids == ["w1"]
    assert first.args_kwargs == {"args": [1], "kwargs": {}}
    stored = DBTaskResult.objects.get(pk=first.pk)
    assert (stored.status, stored.worker_ids) == (TaskResultStatus.RUNNING, ["w1"])
    assert stored.started_at is not None

    second = worker.claim_next()
    assert second is not None
    assert str(second.id) == str(older.id)
    assert worker.claim_next() is None  # `later` is not due; the others are taken
    assert DBTaskResult.objects.get(pk=later.id).status == TaskResultStatus.READY


def test_a_claimed_task_runs_and_is_recorded_as_the_library_records_it(db: Any) -> None:
    queued = tasks.escalate_overdue.enqueue()
    worker = _worker()
    claimed = worker.claim_next()
    assert claimed is not None
    worker.run_task(claimed)
    done = DBTaskResult.objects.get(pk=queued.id)
    assert done.status == TaskResultStatus.SUCCESSFUL
    assert done.return_value == []
    assert done.worker_ids == ["w1"]
