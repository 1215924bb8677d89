"""Open311 intake against a plain read of the same server, on PostgreSQL with the production
server (the goals of issue #9: the POST at >= 50 % of the read's throughput, 0 errors, p99
<= 200 ms at 8 clients; routing by the worker right after intake, the order dispatched within
2 s, p99).

The benchmark creates a fresh PostgreSQL database (`onestop_bench_<pid>`, dropped at the end),
migrates it, seeds what the intake needs (organisation, accounts, hotline categories, the
routing model, the Open311 demo key) and starts the node exactly as production does:
`onestop serve` (gunicorn with `onestop.gunicorn_conf`, whose workers load the encoder and the
routing model before their first request, plus the task worker that sends the receipts) on a
free port, the periodic ticker off. Then 8 client threads (one `http.client` connection per
request, as gunicorn's sync workers close them anyway) alternate, in rounds:

- `GET /api/v1/regions`: the plain read;
- `POST /open311/v2/requests.json` with the demo key and a service code: validation, the work
  order (status new) and its event in one transaction, with two task rows for the worker: the
  receipt and the routing (`hotline.tasks.route_orders`). No model runs in the request.

Rounds interleave the two so that a change in the neighbours' load hits both alike. The task
worker runs all along: it routes the orders waiting in batches and dispatches the confident
ones. Printed: throughput, p50/p99, errors per endpoint, the ratio, how many orders were filed,
dispatched automatically or left for an agent, the time from POST to dispatched (p50/p99/max
over the run, from each order's ``create`` and ``dispatch`` event timestamps), how long the
worker took to drain its queue after the last POST, and the queries of one POST (in process,
same database). JSON: bench/results/open311.json.

Environment: BENCH_PG_URL (maintenance database, default postgres://postgres@127.0.0.1:5432/
postgres), BENCH_WORKERS (gunicorn workers, default 3 as `make run`), BENCH_CLIENTS (default
8), BENCH_REQUESTS (per endpoint and round, default 150; BENCH_QUICK=1: 40), BENCH_ROUNDS
(default 3), BENCH_MAX_SECONDS (stop starting rounds after this, default 240), BENCH_PORT
(the server's port, default a free one).
"""

from __future__ import annotations

import http.client
import itertools
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.common import percentile, table, write

ROOT = Path(__file__).resolve().parent.parent
QUICK = os.environ.get("BENCH_QUICK") == "1"
ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
WORKERS = int(os.environ.get("BENCH_WORKERS", "3"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "40" if QUICK else "150"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
MAX_SECONDS = float(os.environ.get("BENCH_MAX_SECONDS", "240"))
REGION = "371121"
READ = "/api/v1/regions"
INTAKE = "/open311/v2/requests.json"
SEED_STEPS = ("calendar", "org", "accounts", "hotline-catalogue", "hotline-routing", "open311")


# --- the database -----------------------------------------------------------------------------


@contextmanager
def fresh_database() -> Iterator[str]:
    """A new PostgreSQL database for this run; dropped afterwards whatever happens."""
    import psycopg

    name = f"onestop_bench_{os.getpid()}"
    parts = urllib.parse.urlsplit(ADMIN_URL)
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: S110 - Django may not be set up yet
            pass
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prepare(database_url: str) -> Path:
    """Point this process at the bench database and a new data dir, migrate and seed."""
    data_dir = Path(tempfile.mkdtemp(prefix="onestop-bench-open311-"))
    os.environ.update(
        DATABASE_URL=database_url,
        DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE="onestop.settings",
        DEBUG="false",
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
    )
    import django

    django.setup()
    from django.core.management import call_command

    from onestop.core import seeding

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    steps = {s.name: s for s in seeding.steps()}
    for name in SEED_STEPS:
        steps[name].run()
    print(f"migrated and seeded in {time.perf_counter() - started:.0f} s", flush=True)
    return data_dir


# --- the server -------------------------------------------------------------------------------


def free_port() -> int:
    """BENCH_PORT if set (a shared machine hands out port ranges), else one the OS picks."""
    if os.environ.get("BENCH_PORT"):
        return int(os.environ["BENCH_PORT"])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(data_dir: Path) -> Iterator[int]:
    """`onestop serve` (gunicorn + task worker, ticker off) on a free port."""
    port = free_port()
    log = (data_dir / "serve.log").open("wb")
    argv = [
        sys.executable,
        "-m",
        "onestop",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(WORKERS),
        "--tick-seconds",
        "0",
    ]
    env = {**os.environ, "LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 900  # a loaded machine loads the models slowly
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"onestop serve exited; see {log.name}")
            try:
                if send(port, "GET", READ)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"onestop serve did not answer; see {log.name}")
            time.sleep(0.5)
        yield port
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def send(
    port: int, method: str, path: str, body: bytes | None = None, content_type: str = ""
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        headers = {"Content-Type": content_type} if content_type else {}
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


Request = tuple[str, str, bytes | None, str]  # method, path, body, content type


class Series:
    """Latencies, errors and busy wall time of one endpoint over all rounds."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.failures: list[str] = []
        self.wall = 0.0

    def summary(self) -> dict[str, Any]:
        n = len(self.latencies)
        return {
            "n": n,
            "errors": len(self.failures),
            "throughput_rps": round(n / self.wall, 1) if self.wall else 0.0,
            "p50_ms": round(percentile(self.latencies, 50), 1),
            "p99_ms": round(percentile(self.latencies, 99), 1),
            "mean_ms": round(statistics.fmean(self.latencies), 1),
        }


def load(port: int, make: Callable[[int], Request], *, n: int, series: Series) -> None:
    """`n` requests from CLIENTS threads, added to `series`."""
    counter = itertools.count()
    lock = threading.Lock()

    def client() -> None:
        while (i := next(counter)) < n:
            method, path, body, content_type = make(i)
            start = time.perf_counter()
            try:
                status, data = send(port, method, path, body, content_type)
            except OSError as exc:
                status, data = 599, repr(exc).encode()
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                series.latencies.append(elapsed)
                if status >= 300:
                    series.failures.append(f"{status} {data[:200]!r}")

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    series.wall += time.perf_counter() - started


# --- the requests -----------------------------------------------------------------------------


def open311_bodies() -> list[bytes]:
    """Requests of this region from the shipped synthetic history, in a fixed order."""
    from onestop.hotline import routing
    from onestop.open311.seed import DEMO_KEY

    rows = [e for e in routing.history_examples() if e.get("region") == REGION]
    return [
        urllib.parse.urlencode(
            {
                "api_key": DEMO_KEY,
                "service_code": row["category"],
                "description": row["text"],
                "lat": f"{35.70 + (i % 50) / 1000:.3f}",
                "long": f"{119.20 + (i % 70) / 1000:.3f}",
                "phone": f"1380000{i % 10000:04d}",
                "first_name": "Bench",
                "attribute[request_type]": row.get("type") or "assistance",
            }
        ).encode()
        for i, row in enumerate(rows)
    ]


def queries_per_post(body: bytes) -> list[str]:
    """The SQL of one intake POST, in this process, on the same database: the second one, as a
    server process answers all but its first (the key and the service are then in its cache,
    `OPEN311_CACHE_SECONDS`)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.post(INTAKE, body, content_type="application/x-www-form-urlencoded")
    with CaptureQueriesContext(connection) as captured:
        response = client.post(INTAKE, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200, response.content  # noqa: S101 - bench sanity
    return [q["sql"] for q in captured.captured_queries]


def pending(task_path: str) -> int:
    """Task rows of `task_path` the worker has not finished."""
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        task_path=task_path,
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
    ).count()


def queue_pending() -> int:
    from onestop.hotline import tasks

    return pending(tasks.notify_citizens.module_path) + pending(tasks.route_orders.module_path)


def drain(since: float, limit: float = 180) -> float:
    """Wait until the worker has run the receipts and routings queued; seconds since `since`."""
    while queue_pending() and time.monotonic() - since < limit:
        time.sleep(0.2)
    return round(time.monotonic() - since, 1)


def to_dispatch(after_pk: int) -> dict[str, Any]:
    """The orders filed after `after_pk`: how many were dispatched by the routing worker, left
    for an agent or not yet routed, and the ms from intake (``create`` event) to dispatch
    (the automatic ``dispatch`` event)."""
    from onestop.hotline.models import WorkOrderEvent

    events = WorkOrderEvent.objects.filter(
        order_id__gt=after_pk, order__channel="open311", kind__in=("create", "dispatch", "route")
    ).values_list("order_id", "kind", "at")
    by_order: dict[int, dict[str, Any]] = {}
    for order_id, kind, at in events:
        by_order.setdefault(order_id, {})[kind] = at
    took = [
        (e["dispatch"] - e["create"]).total_seconds() * 1000
        for e in by_order.values()
        if "dispatch" in e and "create" in e
    ]
    return {
        "filed": len(by_order),
        "dispatched": len(took),
        "left_for_agent": sum("route" in e for e in by_order.values()),
        "not_routed": sum(not ({"route", "dispatch"} & set(e)) for e in by_order.values()),
        "p50_ms": round(percentile(took, 50), 1) if took else None,
        "p99_ms": round(percentile(took, 99), 1) if took else None,
        "max_ms": round(max(took), 1) if took else None,
    }


def main() -> None:
    with fresh_database() as url:
        data_dir = prepare(url)
        bodies = open311_bodies()
        offset = itertools.count()

        def read(i: int) -> Request:
            return "GET", READ, None, ""

        def intake(i: int) -> Request:
            body = bodies[next(offset) % len(bodies)]
            return "POST", INTAKE, body, "application/x-www-form-urlencoded"

        from onestop.hotline.models import WorkOrder

        series = {"read": Series(), "intake": Series()}
        with server(data_dir) as port:
            # Warm-up, not counted: every worker has loaded its models before its first
            # request (gunicorn_conf); this opens each worker's database connection, and the
            # task worker loads the routing model with its first routing task.
            load(port, read, n=4 * WORKERS, series=Series())
            load(port, intake, n=2 * WORKERS, series=Series())
            drain(time.monotonic())
            before = WorkOrder.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            started = time.monotonic()
            rounds = 0
            while rounds < ROUNDS and time.monotonic() - started < MAX_SECONDS:
                load(port, read, n=REQUESTS, series=series["read"])
                load(port, intake, n=REQUESTS, series=series["intake"])
                rounds += 1
            drained = drain(time.monotonic())
            still = queue_pending()
            routed = to_dispatch(before)
        sql = queries_per_post(bodies[0])

    results = {name: s.summary() for name, s in series.items()}
    read_tp = results["read"]["throughput_rps"]
    intake_tp = results["intake"]["throughput_rps"]
    ratio = intake_tp / read_tp if read_tp else 0.0
    rows = [
        {"endpoint": f"GET {READ}", **results["read"]},
        {"endpoint": f"POST {INTAKE}", **results["intake"]},
    ]
    title = (
        f"PostgreSQL + onestop serve ({WORKERS} gunicorn workers + task worker), "
        f"{CLIENTS} clients, {rounds} rounds of {REQUESTS}"
    )
    print(table(title, rows))
    print(
        f"intake/read throughput: {ratio:.0%} (goal >= 50 %); intake p99 "
        f"{results['intake']['p99_ms']} ms (goal <= 200 ms); errors "
        f"{results['read']['errors']} + {results['intake']['errors']}"
    )
    print(
        f"{routed['filed']} orders filed: {routed['dispatched']} dispatched by the routing "
        f"worker, {routed['left_for_agent']} left for an agent, {routed['not_routed']} not "
        f"routed; POST to dispatched p50 {routed['p50_ms']} ms, p99 {routed['p99_ms']} ms, "
        f"max {routed['max_ms']} ms (goal p99 <= 2 s); worker queue drained {drained} s after "
        f"the last POST ({still} still queued); {len(sql)} queries per POST"
    )
    for s in series.values():
        if s.failures:
            print(f"{len(s.failures)} failed, e.g. {s.failures[0]}")
    path = write(
        "open311",
        {
            "database": "postgresql",
            "server": {
                "command": "onestop serve",
                "gunicorn_workers": WORKERS,
                "config": "onestop.gunicorn_conf",
                "task_worker": True,
            },
            "clients": CLIENTS,
            "rounds": rounds,
            "requests_per_round": REQUESTS,
            "endpoints": {f"GET {READ}": results["read"], f"POST {INTAKE}": results["intake"]},
            "intake_vs_read": round(ratio, 3),
            "orders": routed,
            "worker_drained_after_s": drained,
            "worker_still_queued": still,
            "queries_per_post": len(sql),
            "sql_per_post": sql,
            "cpu_count": os.cpu_count(),
            "loadavg_1m": round(os.getloadavg()[0], 1),
        },
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
