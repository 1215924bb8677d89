"""`make run-scaled`: one node scaled out on one machine — two web servers and two task workers
on PostgreSQL, with Redis for the cache, the sessions and the rate limits (issue #13 §4;
docs/operations.md, "Scaling out"). On several machines the same processes run behind a load
balancer; nothing in them is local to one process.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/onestop REDIS_URL=redis://127.0.0.1:6379/0 \\
        python tools/run_scaled.py --ports 8000 8001

The first web server's `onestop serve` also runs the ticker (the periodic tasks), the second
runs none (`--no-worker`); the two task workers are `onestop worker` processes. Ctrl-C or
SIGTERM stops them all. `--prepare` migrates, collects the static files and seeds the demo
first; `--no-seed` skips the seed (tests/core/test_scaled.py builds its own world).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ONESTOP = [sys.executable, "-m", "onestop"]


def _need(name: str, prefix: tuple[str, ...]) -> str:
    value = os.environ.get(name, "")
    if not value.startswith(prefix):
        raise SystemExit(f"{name} must name a {' or '.join(prefix)} server (got {value!r})")
    return value


def commands(ports: list[int], web_workers: int) -> list[list[str]]:
    """The four processes of the layout: two web servers (the first with the ticker) and two
    task workers."""
    first, second = ports
    return [
        [
            *ONESTOP,
            "serve",
            "--port",
            str(first),
            "--workers",
            str(web_workers),
            "--no-worker",
        ],
        [
            *ONESTOP,
            "serve",
            "--port",
            str(second),
            "--workers",
            str(web_workers),
            "--no-worker",
        ],
        [*ONESTOP, "worker", "--queue-name", "default"],
        [*ONESTOP, "worker", "--queue-name", "default"],
    ]


def wait_ready(ports: list[int], timeout: float = 300.0) -> bool:
    """Whether every web server answers /readyz (database, Redis, queue, keys) in time."""
    deadline = time.monotonic() + timeout
    for port in ports:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                return False
            time.sleep(0.5)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ports", type=int, nargs=2, default=[8000, 8001])
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--prepare", action="store_true", help="migrate, collectstatic, seed")
    parser.add_argument("--no-seed", action="store_true")
    args = parser.parse_args(argv)
    _need("DATABASE_URL", ("postgres://", "postgresql://"))
    _need("REDIS_URL", ("redis://", "rediss://"))
    env = dict(os.environ)
    # one folder of metric files per machine; here, one for all four processes
    env.setdefault(
        "PROMETHEUS_MULTIPROC_DIR", str(Path(env.get("DATA_DIR", "var")).resolve() / "metrics")
    )
    Path(env["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)
    if args.prepare:
        steps = [["migrate", "--no-input", "-v", "0"], ["collectstatic", "--no-input", "-v", "0"]]
        if not args.no_seed:
            steps.append(["seed_demo"])
        for step in steps:
            subprocess.run([*ONESTOP, *step], env=env, check=True)  # noqa: S603
    procs = [
        subprocess.Popen(argv, env=env)  # noqa: S603 - our own commands
        for argv in commands(args.ports, args.web_workers)
    ]
    # the periodic tasks, once for the node (the web servers above run no ticker)
    ticker = subprocess.Popen(  # noqa: S603
        [*ONESTOP, "shell", "-c", TICKER], env=env
    )
    procs.append(ticker)

    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    if wait_ready(args.ports):
        print(  # noqa: T201
            f"OneStop scaled out: web on {', '.join(f'http://127.0.0.1:{p}/' for p in args.ports)},"
            " two task workers; Ctrl-C stops",
            flush=True,
        )
    try:
        while not stopping and all(p.poll() is None for p in procs):
            time.sleep(0.5)
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
    return 0


# The ticker of `onestop serve` on its own: enqueues the periodic tasks every TICK_SECONDS.
TICKER = """
import signal, threading
from onestop.core.management.commands.serve import PERIODIC_TASKS, Ticker, tick_seconds
ticker = Ticker(tick_seconds(), PERIODIC_TASKS)
ticker.start()
done = threading.Event()
signal.signal(signal.SIGTERM, lambda *a: done.set())
signal.signal(signal.SIGINT, lambda *a: done.set())
done.wait()
ticker.stop()
"""


if __name__ == "__main__":
    raise SystemExit(main())
