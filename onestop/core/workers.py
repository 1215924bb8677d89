"""Task workers' heartbeats, and the tasks a killed worker left running (issue #13, the crash
test).

django-tasks-db marks a task `RUNNING` when a worker claims it and `SUCCESSFUL`/`FAILED` when it
ends. A worker killed in between (`kill -9`, the OOM killer, a machine lost) leaves the row
`RUNNING` for ever: its work — a hotline receipt, a routing, a notification's delivery — is
silently lost. So every `onestop worker` writes a heartbeat row (`WorkerBeat`) when it starts
and every `TASK_WORKER_BEAT_SECONDS`, and on each beat it also looks for orphans: tasks
`RUNNING` whose worker has not beaten for `TASK_WORKER_LOST_SECONDS`, which it puts back to
`READY` (`tasks_requeue_orphaned`). The task runs again from its start, so every task of the
node is idempotent (each says how in its docstring); delivery is at least once.

A worker that stops cleanly (SIGTERM: it finishes its task first) removes its row.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import timedelta

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from onestop.core.models import WorkerBeat

logger = logging.getLogger(__name__)


def beat_seconds() -> float:
    """How often a worker beats (TASK_WORKER_BEAT_SECONDS, default 10)."""
    return max(0.5, float(getattr(settings, "TASK_WORKER_BEAT_SECONDS", 10)))


def lost_seconds() -> float:
    """How long without a beat before a worker counts as dead (TASK_WORKER_LOST_SECONDS,
    default 60; at least three beats)."""
    return max(3 * beat_seconds(), float(getattr(settings, "TASK_WORKER_LOST_SECONDS", 60)))


def worker_beat(*, worker_id: str, started_at: object = None) -> None:
    """Record that `worker_id` (this process) is alive now."""
    now = timezone.now()
    updated = WorkerBeat.objects.filter(pk=worker_id).update(beat_at=now)
    if not updated:
        WorkerBeat.objects.update_or_create(
            worker_id=worker_id,
            defaults={
                "hostname": socket.gethostname()[:255],
                "pid": os.getpid(),
                "started_at": started_at or now,
                "beat_at": now,
            },
        )


def worker_forget(*, worker_id: str) -> None:
    """A worker that stops cleanly removes its heartbeat."""
    WorkerBeat.objects.filter(pk=worker_id).delete()


def tasks_requeue_orphaned(*, limit: int = 500) -> list[str]:
    """Put back to READY every task left RUNNING by a worker that has not beaten for
    `lost_seconds()` (or has no heartbeat at all: a worker from before heartbeats, or one whose
    row was removed) and that started longer ago than that; returns their ids. Each row is taken
    under its lock (SKIP LOCKED where the database has it), so two workers sweeping at once
    never queue one task twice; its worker ids are kept (they show it was retried)."""
    cutoff = timezone.now() - timedelta(seconds=lost_seconds())
    alive = set(WorkerBeat.objects.filter(beat_at__gte=cutoff).values_list("pk", flat=True))
    requeued: list[str] = []
    with transaction.atomic():
        running = (
            DBTaskResult.objects.select_for_update(skip_locked=True)
            .filter(status=TaskResultStatus.RUNNING, started_at__lt=cutoff)
            .order_by("started_at")[:limit]
        )
        for task in running:
            owner = task.worker_ids[-1] if task.worker_ids else None
            if owner in alive:
                continue
            logger.warning(
                "task %s (%s) was left running by worker %s, which stopped beating: queued again",
                task.pk,
                task.task_path,
                owner,
            )
            DBTaskResult.objects.filter(pk=task.pk, status=TaskResultStatus.RUNNING).update(
                status=TaskResultStatus.READY, started_at=None
            )
            requeued.append(str(task.pk))
    # workers gone for a long while: their rows are only noise
    WorkerBeat.objects.filter(beat_at__lt=cutoff - timedelta(days=1)).delete()
    return requeued


class Heart(threading.Thread):
    """The worker's heartbeat thread: beats, and requeues orphans, every `beat_seconds()` on its
    own database connection until `stop()`."""

    def __init__(self, worker_id: str) -> None:
        super().__init__(name="onestop-worker-beat", daemon=True)
        self.worker_id = worker_id
        self.started_at = timezone.now()
        self._stopping = threading.Event()

    def beat_once(self) -> None:
        try:
            worker_beat(worker_id=self.worker_id, started_at=self.started_at)
            tasks_requeue_orphaned()
        except Exception:  # a database hiccup: try again at the next beat
            logger.exception("worker %s: heartbeat failed", self.worker_id)
        finally:
            if threading.current_thread() is self:
                # the beat thread's own connections (Django's are per thread); a beat run by
                # another thread (a test, a command) leaves that thread's connection alone
                connections.close_all()

    def run(self) -> None:
        while not self._stopping.wait(beat_seconds()):
            self.beat_once()

    def stop(self) -> None:
        self._stopping.set()
        if self.is_alive():
            self.join(beat_seconds() + 5)
