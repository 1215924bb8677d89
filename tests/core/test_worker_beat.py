"""A task worker killed while it runs a task does not lose the task (issue #13, the crash test):
workers beat (`core.workers`), and a task left running by a worker that stopped beating is
queued again. Found while building the crash test (tools/crash_test.py): django-tasks-db marks a
task `RUNNING` when it is claimed and nothing ever looks at it again, so a `kill -9` landing
while the hotline's SMS receipt task runs would leave it `RUNNING` for ever, the receipt never
sent (the crash test's kills rarely land inside a task of a few milliseconds; these tests make
that moment on purpose)."""

from __future__ import annotations

import os
import socket
import time
from datetime import timedelta
from typing import Any

from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from onestop.core import workers
from onestop.core.management.commands.worker import OneStopWorker
from onestop.core.models import WorkerBeat
from onestop.hotline import tasks


def _worker(worker_id: str, *, batch: bool = True) -> OneStopWorker:
    return OneStopWorker(
        queue_names=["default"],
        interval=0,
        batch=batch,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )


def _claimed(worker_id: str, *, ago: float) -> DBTaskResult:
    """A task claimed by `worker_id`, started `ago` seconds ago."""
    queued = tasks.escalate_overdue.enqueue()
    claimed = _worker(worker_id).claim_next()
    assert claimed is not None
    assert str(claimed.pk) == str(queued.id)
    DBTaskResult.objects.filter(pk=claimed.pk).update(
        started_at=timezone.now() - timedelta(seconds=ago)
    )
    return claimed


def _beat(worker_id: str, *, ago: float) -> None:
    workers.worker_beat(worker_id=worker_id)
    WorkerBeat.objects.filter(pk=worker_id).update(beat_at=timezone.now() - timedelta(seconds=ago))


def test_a_task_of_a_worker_that_stopped_beating_is_queued_again(db: Any, settings: Any) -> None:
    settings.TASK_WORKER_BEAT_SECONDS = 10
    settings.TASK_WORKER_LOST_SECONDS = 60
    dead = _claimed("dead", ago=120)
    _beat("dead", ago=90)  # killed a minute and a half ago
    alive = _claimed("alive", ago=120)  # a long task of a worker that still beats
    _beat("alive", ago=2)
    young = _claimed("gone", ago=5)  # no beat row, but it started only now: wait

    assert workers.tasks_requeue_orphaned() == [str(dead.pk)]

    rows = {str(r.pk): r for r in DBTaskResult.objects.all()}
    assert rows[str(dead.pk)].status == TaskResultStatus.READY
    assert rows[str(dead.pk)].started_at is None
    assert rows[str(dead.pk)].worker_ids == ["dead"]  # its history kept
    assert rows[str(alive.pk)].status == TaskResultStatus.RUNNING
    assert rows[str(young.pk)].status == TaskResultStatus.RUNNING
    # a second sweep finds nothing more; the next worker claims it and records both ids
    assert workers.tasks_requeue_orphaned() == []
    again = _worker("next").claim_next()
    assert again is not None
    assert str(again.pk) == str(dead.pk)
    assert again.worker_ids == ["dead", "next"]


def test_a_task_of_a_worker_without_a_beat_is_queued_again_once_it_is_old(
    db: Any, settings: Any
) -> None:
    """A worker from before heartbeats, or one whose row is gone: its task counts as lost once
    it has run longer than TASK_WORKER_LOST_SECONDS."""
    settings.TASK_WORKER_LOST_SECONDS = 60
    old = _claimed("legacy", ago=61)
    assert workers.tasks_requeue_orphaned() == [str(old.pk)]
    assert DBTaskResult.objects.get(pk=old.pk).status == TaskResultStatus.READY


def test_the_worker_beats_while_it_runs_and_forgets_itself_when_it_stops(
    transactional_db: Any,
) -> None:
    # committed data: the worker's loop closes connections between tasks
    # (`close_old_connections`), which ends an uncommitted test transaction on PostgreSQL
    worker = _worker("beating")
    worker.run()  # batch: nothing to do, it returns
    assert not WorkerBeat.objects.filter(pk="beating").exists()  # a clean stop

    heart = workers.Heart("w-beat")
    heart.beat_once()
    first = WorkerBeat.objects.get(pk="w-beat")
    assert (first.pid, first.hostname) == (os.getpid(), socket.gethostname())
    time.sleep(0.01)
    heart.beat_once()
    assert WorkerBeat.objects.get(pk="w-beat").beat_at > first.beat_at
