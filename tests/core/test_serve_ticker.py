"""The ticker of `onestop serve`: the periodic tasks (process timers, hotline escalation, case
time limits) are enqueued every TICK_SECONDS so the worker drives the timers; it never piles
up a task that already waits, and stops with serve."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from onestop.core.management.commands import serve

PATHS = list(serve.PERIODIC_TASKS)


def _queued() -> list[str]:
    return sorted(
        DBTaskResult.objects.filter(status=TaskResultStatus.READY).values_list(
            "task_path", flat=True
        )
    )


def test_the_periodic_tasks_are_known() -> None:
    assert PATHS == [
        "onestop.workflow.tasks.refresh_due_timers",
        "onestop.hotline.tasks.escalate_overdue",
        "onestop.cases.tasks.tick",
        "onestop.reviews.tasks.tick",
        "onestop.benefits.tasks.tick",
        "onestop.insights.tasks.hotspot_tick",
        "onestop.insights.tasks.rollup_tick",
        "onestop.ledger.tasks.witness_submit",
        "onestop.federation.tasks.sweep",
        "onestop.notify.tasks.requeue_stale",
    ]


@pytest.mark.django_db
def test_enqueue_periodic_does_not_pile_up_waiting_tasks() -> None:
    assert serve.enqueue_periodic(PATHS) == PATHS
    assert _queued() == sorted(PATHS)
    # The worker has not run them yet: nothing new.
    assert serve.enqueue_periodic(PATHS) == []
    assert len(_queued()) == len(PATHS)
    # Once they ran, the next round enqueues them again.
    DBTaskResult.objects.update(status=TaskResultStatus.SUCCESSFUL)
    assert serve.enqueue_periodic(PATHS) == PATHS
    assert len(_queued()) == len(PATHS)


@pytest.mark.django_db
def test_a_broken_task_path_is_skipped(caplog: pytest.LogCaptureFixture) -> None:
    done = serve.enqueue_periodic(["onestop.nowhere.tasks.nothing", PATHS[2]])
    assert done == [PATHS[2]]
    assert "onestop.nowhere.tasks.nothing" in caplog.text


def test_tick_seconds_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TICK_SECONDS", raising=False)
    assert serve.tick_seconds() == 60.0
    monkeypatch.setenv("TICK_SECONDS", "5")
    assert serve.tick_seconds() == 5.0
    monkeypatch.setenv("TICK_SECONDS", "0")
    assert serve.tick_seconds() == 0.0
    monkeypatch.setenv("TICK_SECONDS", "soon")
    assert serve.tick_seconds() == 60.0


@pytest.mark.django_db(transaction=True)
def test_ticker_thread_ticks_and_stops() -> None:
    ticker = serve.Ticker(0.05, PATHS)
    ticker.start()
    try:
        assert ticker.wait_rounds(3, timeout=20)
        assert ticker.rounds >= 3
    finally:
        ticker.stop()
    assert not ticker.is_alive()
    # Several rounds, but each task waits in the queue once.
    assert _queued() == sorted(PATHS)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _results(db: Path) -> dict[str, set[str]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT task_path, status FROM django_tasks_database_dbtaskresult"
        ).fetchall()
    found: dict[str, set[str]] = {}
    for path, status in rows:
        found.setdefault(path, set()).add(status)
    return found


def test_serve_enqueues_the_periodic_tasks_and_the_worker_runs_them(tmp_path: Any) -> None:
    db = tmp_path / "node.sqlite3"
    env = {
        **os.environ,
        "DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{db}",
        "TICK_SECONDS": "1",
    }
    onestop = [sys.executable, "-m", "onestop"]
    subprocess.run([*onestop, "migrate", "-v", "0"], env=env, check=True)
    server = subprocess.Popen(
        [*onestop, "serve", "--port", str(_free_port()), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 90
        done: dict[str, set[str]] = {}
        while time.monotonic() < deadline:
            done = _results(db)
            if all("SUCCESSFUL" in done.get(path, set()) for path in PATHS):
                break
            # Wait on the server itself between looks: if it dies, the test says so at once.
            with contextlib.suppress(subprocess.TimeoutExpired):
                server.wait(timeout=0.5)
            assert server.poll() is None, "serve exited before the tasks ran"
        assert all("SUCCESSFUL" in done.get(path, set()) for path in PATHS), done
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=30) == 0
    finally:
        if server.poll() is None:
            server.kill()
            pytest.fail("serve did not stop on SIGINT")
