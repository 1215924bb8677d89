"""Serve the node: gunicorn (production WSGI server) plus the background task worker.

Ctrl-C (SIGINT) or SIGTERM stops both cleanly.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve portal, consoles and API with gunicorn, and run the task worker."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=3)
        parser.add_argument("--no-worker", action="store_true", help="web server only")

    def handle(self, *args: Any, **opts: Any) -> None:
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
        procs = [subprocess.Popen(web)]  # noqa: S603 - fixed argv, no shell
        if not opts["no_worker"]:
            worker = [sys.executable, "-m", "onestop", "db_worker", "--queue-name", "default"]
            procs.append(subprocess.Popen(worker))  # noqa: S603
        url = f"http://{opts['host']}:{opts['port']}/"
        self.stdout.write(f"OneStop serving on {url} (Ctrl-C stops)")

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
