"""Serve the node: gunicorn (production WSGI server) plus the background task worker, and a
ticker that enqueues the periodic tasks (process timers, hotline escalation, case time
limits, submitting checkpoints to witnesses, the federation outbox sweep) every
`TICK_SECONDS` (default 60; `--tick-seconds`, 0 turns it off).

`--after-start "COMMAND ARGS"` (repeatable): once the node answers its first request on `/`,
run each of these `onestop` commands in turn in a background process (`make run` seeds the
deferred demo steps and runs `onestop simulate` that way, so that the first answer waits for
neither). Their failure is logged and stops nothing; stopping the server stops them.

Ctrl-C (SIGINT) or SIGTERM stops all of them cleanly.

In production mode (`ONESTOP_ENV=production`) it first runs every deployment check
(`core.checks`: keys present and made by `onestop init`, no demo account or demo key, https
settings) and exits with status 2, serving nothing, when one fails.
"""

from __future__ import annotations

import logging
import os
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connections
from django.utils.module_loading import import_string
from django_tasks import TaskResultStatus

logger = logging.getLogger(__name__)

# The tasks the worker must run periodically (dotted paths, so this floor-1 command does not
# import the apps above it). Override with the setting `PERIODIC_TASKS`.
PERIODIC_TASKS = (
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
)
DEFAULT_TICK_SECONDS = 60.0


def tick_seconds() -> float:
    """The ticker's period from the environment (`TICK_SECONDS`), default 60 seconds."""
    raw = os.environ.get("TICK_SECONDS", "").strip()
    if not raw:
        return DEFAULT_TICK_SECONDS
    try:
        value = float(raw)
    except ValueError:
        logger.warning("TICK_SECONDS=%r is not a number; using %s", raw, DEFAULT_TICK_SECONDS)
        return DEFAULT_TICK_SECONDS
    return max(0.0, value)


def _pending(task: Any) -> bool:
    """Whether `task` already waits in the database queue (then enqueuing it again would only
    pile up work while the worker is busy or down)."""
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover - another backend
        return False
    return DBTaskResult.objects.filter(
        task_path=task.module_path, status=TaskResultStatus.READY
    ).exists()


def enqueue_periodic(paths: Sequence[str]) -> list[str]:
    """Enqueue each periodic task that is not already waiting; returns the paths enqueued.
    A task that cannot be imported or enqueued is logged and skipped."""
    done: list[str] = []
    for path in paths:
        try:
            task = import_string(path)
            if _pending(task):
                continue
            task.enqueue()
            done.append(path)
        except Exception:
            logger.exception("could not enqueue the periodic task %s", path)
    return done


class Ticker(threading.Thread):
    """Enqueues the periodic tasks at once and then every `interval` seconds until `stop()`."""

    def __init__(self, interval: float, paths: Sequence[str]) -> None:
        super().__init__(name="onestop-ticker", daemon=True)
        self.interval = interval
        self.paths = tuple(paths)
        self.rounds = 0
        self._stopping = threading.Event()
        self._ticked = threading.Condition()

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                close_old_connections()
                enqueue_periodic(self.paths)
            finally:
                connections.close_all()  # this thread's connections only
            with self._ticked:
                self.rounds += 1
                self._ticked.notify_all()
            self._stopping.wait(self.interval)

    def wait_rounds(self, rounds: int, timeout: float) -> bool:
        """Block until `rounds` rounds have run (True) or `timeout` seconds passed (False)."""
        with self._ticked:
            return self._ticked.wait_for(lambda: self.rounds >= rounds, timeout)

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        if self.is_alive():
            self.join(timeout)


class AfterStart(threading.Thread):
    """Waits until `url` answers (any HTTP status), then runs each `onestop` command of
    `commands` in turn as a child process; `stop()` ends the running one."""

    def __init__(self, url: str, commands: Sequence[str], *, timeout: float = 600.0) -> None:
        super().__init__(name="onestop-after-start", daemon=True)
        self.url = url
        self.commands = [shlex.split(c) for c in commands if c.strip()]
        self.timeout = timeout
        self.current: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()

    def answers(self) -> bool:
        try:
            with urllib.request.urlopen(self.url, timeout=5):  # noqa: S310 - our own loopback
                return True
        except urllib.error.HTTPError:
            return True  # it answered, with an error status: the node is up
        except (OSError, ValueError):
            return False

    def run(self) -> None:
        deadline = time.monotonic() + self.timeout
        while not self.answers():
            if self._stopping.wait(0.5) or time.monotonic() > deadline:
                if not self._stopping.is_set():
                    logger.warning("the node did not answer; not running %s", self.commands)
                return
        for argv in self.commands:
            if self._stopping.is_set():
                return
            logger.info("after start: onestop %s", " ".join(argv))
            self.current = subprocess.Popen([sys.executable, "-m", "onestop", *argv])  # noqa: S603
            code = self.current.wait()
            if code:
                logger.warning("after start: onestop %s exited with %s", " ".join(argv), code)

    def stop(self) -> None:
        self._stopping.set()
        running = self.current
        if running is not None and running.poll() is None:
            running.send_signal(signal.SIGTERM)
            try:
                running.wait(timeout=15)
            except subprocess.TimeoutExpired:
                running.kill()


def metrics_dir() -> str:
    """Point prometheus-client's multiprocess mode (`core.metrics`) at an emptied folder under
    the data dir, for gunicorn's workers and the task worker (inherited through the
    environment), unless the operator set PROMETHEUS_MULTIPROC_DIR."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return os.environ["PROMETHEUS_MULTIPROC_DIR"]
    folder = Path(settings.DATA_DIR) / "metrics"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(mode=0o700)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    return str(folder)


class Command(BaseCommand):
    help = "Serve portal, consoles and API with gunicorn, and run the task worker."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=3)
        parser.add_argument("--no-worker", action="store_true", help="web server only")
        parser.add_argument(
            "--tick-seconds",
            type=float,
            default=None,
            help="enqueue the periodic tasks this often (default: $TICK_SECONDS or 60; 0: never)",
        )
        parser.add_argument(
            "--after-start",
            action="append",
            default=[],
            metavar="COMMAND",
            help="an onestop command to run in the background once the node answers "
            "(repeatable; run in turn)",
        )

    def refuse_unsafe_production(self) -> None:
        """Exit 2 before anything listens when this production node is not safe to serve."""
        from onestop.core import checks, secrets

        if not secrets.production():
            return
        problems = checks.production_problems()
        if not problems:
            return
        self.stderr.write("OneStop refuses to serve in production mode:")
        for problem in problems:
            self.stderr.write(f"- {problem}")
        self.stderr.write('Nothing was started. See docs/operations.md, "Production".')
        raise SystemExit(2)

    def handle(self, *args: Any, **opts: Any) -> None:
        self.refuse_unsafe_production()
        bindir = os.path.dirname(sys.executable)
        web = [
            os.path.join(bindir, "gunicorn"),
            "onestop.wsgi:application",
            "--bind",
            f"{opts['host']}:{opts['port']}",
            "--workers",
            str(opts["workers"]),
            "--config",
            "python:onestop.gunicorn_conf",
        ]
        metrics_dir()
        procs = [subprocess.Popen(web)]  # noqa: S603 - fixed argv, no shell
        if not opts["no_worker"]:
            worker = [sys.executable, "-m", "onestop", "worker", "--queue-name", "default"]
            procs.append(subprocess.Popen(worker))  # noqa: S603
        interval = opts["tick_seconds"] if opts["tick_seconds"] is not None else tick_seconds()
        ticker: Ticker | None = None
        if not opts["no_worker"] and interval > 0:
            paths = getattr(settings, "PERIODIC_TASKS", PERIODIC_TASKS)
            ticker = Ticker(interval, paths)
            ticker.start()
        url = f"http://{opts['host']}:{opts['port']}/"
        self.stdout.write(f"OneStop serving on {url} (Ctrl-C stops)")
        after: AfterStart | None = None
        if opts["after_start"]:
            probe = "127.0.0.1" if opts["host"] in ("0.0.0.0", "::", "") else opts["host"]  # noqa: S104
            after = AfterStart(f"http://{probe}:{opts['port']}/", opts["after_start"])
            after.start()

        stopping = False

        def stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping and all(p.poll() is None for p in procs):
                time.sleep(0.5)
        finally:
            if after is not None:
                after.stop()
            if ticker is not None:
                ticker.stop()
            for p in procs:
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
            for p in procs:
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    p.kill()
        code = max((p.returncode or 0) for p in procs)
        if code and not stopping:
            raise SystemExit(code)
