"""Open311 intake under load, on PostgreSQL with the production server.

The benchmark creates a fresh PostgreSQL database (`onestop_bench_<pid>`, dropped at the end),
migrates it, seeds what the hotline needs (organisation, accounts, catalogue, hotline
categories, routing model, Open311 demo key, knowledge base and search index), and starts
gunicorn with the project's config (`onestop.gunicorn_conf`) on a free port. Then, with
concurrent clients (threads, one `http.client` connection per request):

- `POST /open311/v2/requests.json` with the demo key: validation, the routing model
  (auto-dispatch when confident), the work order, its event and number;
- `POST /bench/floor`: the same form body, one inserted row — the floor of the same server,
  middleware and database in the same run (a URL of `bench.settings_open311` only);
- `POST /api/v1/hotline/classify`: routing alone.

It also times the agent desk's suggestions in process (routing + knowledge answer +
duplicates), with the server idle. Prints tables and writes bench/results/open311.json.

Environment: BENCH_PG_URL (maintenance database, default postgres://postgres@localhost/
postgres), BENCH_WORKERS (gunicorn workers, default 2), BENCH_CLIENTS (default 4),
BENCH_REQUESTS (per endpoint, default 200; BENCH_QUICK=1: 40).
"""

from __future__ import annotations

import http.client
import itertools
import json
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
ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@localhost/postgres")
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "4"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "40" if QUICK else "200"))
REGION = "371121"
SEED_STEPS = (
    "calendar",
    "org",
    "accounts",
    "datasets",
    "licence_types",
    "catalog",
    "hotline-catalogue",
    "hotline-routing",
    "hotline-demo",
    "open311",
    "knowledge-articles",
    "search-index",
)
DESK_TEXTS = (
    "身份证丢了怎么补办",
    "社保卡丢了怎么办，在哪里补",
    "孩子明年上小学，入学报名需要什么材料",
    "楼下饭店油烟太大，窗户都不敢开",
    "我们村停水三天了，吃水都成问题",
    "how do I renew my business licence",
)


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
        DJANGO_SETTINGS_MODULE="bench.settings_open311",
        DEBUG="false",
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench.floor import CREATE
    from onestop.core import seeding

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    steps = {s.name: s for s in seeding.steps()}
    for name in SEED_STEPS:
        steps[name].run()
    with connection.cursor() as cursor:
        cursor.execute(CREATE)
    print(f"migrated and seeded in {time.perf_counter() - started:.0f} s", flush=True)
    return data_dir


# --- the server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(data_dir: Path) -> Iterator[int]:
    """gunicorn with the project's config, as `onestop serve` starts it, on a free port."""
    port = free_port()
    log = (data_dir / "gunicorn.log").open("wb")
    argv = [
        str(Path(sys.executable).parent / "gunicorn"),
        "onestop.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(WORKERS),
        "--config",
        "python:onestop.gunicorn_conf",
        "--timeout",
        "120",
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 300
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {log.name}")
            try:
                if send(port, "GET", "/open311/v2/discovery.json")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer; see {log.name}")
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


Request = tuple[str, bytes, str]  # path, body, content type


def load(port: int, make: Callable[[int], Request], *, n: int, clients: int) -> dict[str, Any]:
    """`n` POSTs from `clients` threads; latency percentiles and throughput."""
    counter = itertools.count()
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()

    def client() -> None:
        while (i := next(counter)) < n:
            path, body, content_type = make(i)
            start = time.perf_counter()
            status, data = send(port, "POST", path, body, content_type)
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                latencies.append(elapsed)
                if status >= 300:
                    failures.append(f"{status} {data[:200]!r}")

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    if failures:
        print(f"{len(failures)} failed, e.g. {failures[0]}", flush=True)
    return {
        "n": n,
        "clients": clients,
        "errors": len(failures),
        "throughput_rps": round(n / wall, 1),
        "p50_ms": round(percentile(latencies, 50), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        "mean_ms": round(statistics.fmean(latencies), 1),
    }


# --- the requests -----------------------------------------------------------------------------


def open311_bodies() -> list[dict[str, str]]:
    """Realistic requests: the synthetic history of this region, in a fixed order."""
    from onestop.hotline import routing
    from onestop.open311.seed import DEMO_KEY

    rows = [e for e in routing.history_examples() if e.get("region") == REGION]
    bodies = []
    for i, row in enumerate(rows):
        bodies.append(
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
        )
    return bodies


def desk_latency() -> dict[str, Any]:
    """The desk's suggestions in process: the whole set (routing + knowledge answer +
    duplicates), the live panel without the answer, and the answer alone; milliseconds."""
    from onestop.accounts.models import User
    from onestop.hotline import suggest

    agent = User.objects.get(username="agent")
    texts = itertools.cycle(DESK_TEXTS)
    for text in DESK_TEXTS:  # load the models of this process first
        suggest.suggest(actor=agent, text=text, region=REGION, township="洪凝街道")
    out: dict[str, Any] = {}
    cases: dict[str, Callable[[str], Any]] = {
        "suggest_full": lambda t: suggest.suggest(
            actor=agent, text=t, region=REGION, township="洪凝街道"
        ),
        "suggest_panel": lambda t: suggest.suggest(
            actor=agent, text=t, region=REGION, township="洪凝街道", with_answer=False
        ),
        "answer": lambda t: suggest.answer(text=t, region=REGION),
    }
    for name, fn in cases.items():
        times = []
        for _ in range(12 if QUICK else 60):
            text = next(texts)
            start = time.perf_counter()
            fn(text)
            times.append((time.perf_counter() - start) * 1000)
        out[name] = {
            "median_ms": round(statistics.median(times), 1),
            "p95_ms": round(percentile(times, 95), 1),
            "n": len(times),
        }
    return out


def main() -> None:
    with fresh_database() as url:
        data_dir = prepare(url)
        bodies = open311_bodies()

        def open311(i: int) -> Request:
            body = urllib.parse.urlencode(bodies[i % len(bodies)]).encode()
            return "/open311/v2/requests.json", body, "application/x-www-form-urlencoded"

        def floor(i: int) -> Request:
            body = urllib.parse.urlencode(bodies[i % len(bodies)]).encode()
            return "/bench/floor", body, "application/x-www-form-urlencoded"

        def classify(i: int) -> Request:
            text = bodies[(i * 7) % len(bodies)]["description"]
            body = json.dumps({"text": text, "region": REGION}).encode()
            return "/api/v1/hotline/classify", body, "application/json"

        from onestop.hotline.models import WorkOrder

        with server(data_dir) as port:
            # Warm-up (not counted): every worker loads the routing model and opens its
            # database connection.
            load(port, classify, n=4 * WORKERS, clients=WORKERS)
            load(port, floor, n=2 * WORKERS, clients=WORKERS)
            load(port, lambda i: open311(len(bodies) - 1 - i), n=2 * WORKERS, clients=WORKERS)
            before = WorkOrder.objects.filter(channel="open311").count()
            results = {
                "floor": load(port, floor, n=REQUESTS, clients=CLIENTS),
                "open311": load(port, open311, n=REQUESTS, clients=CLIENTS),
                "classify": load(port, classify, n=REQUESTS, clients=CLIENTS),
            }
            filed = WorkOrder.objects.filter(channel="open311").order_by("-pk")[:REQUESTS]
            dispatched = sum(o.status == "dispatched" for o in filed)
            created = WorkOrder.objects.filter(channel="open311").count() - before
        desk = desk_latency()

    rows = [{"endpoint": name, **r} for name, r in results.items()]
    print(table(f"PostgreSQL + gunicorn ({WORKERS} workers), {CLIENTS} clients", rows))
    floor_tp, real_tp = results["floor"]["throughput_rps"], results["open311"]["throughput_rps"]
    print(
        f"Open311 POST: {real_tp} req/s = {real_tp / floor_tp:.0%} of the floor; "
        f"{created} orders filed, {dispatched} dispatched automatically"
    )
    print(table("Agent desk suggestions (in process, server idle)", [
        {"what": name, **r} for name, r in desk.items()
    ]))  # fmt: skip
    path = write(
        "open311",
        {
            "database": "postgresql",
            "server": {"gunicorn_workers": WORKERS, "config": "onestop.gunicorn_conf"},
            "clients": CLIENTS,
            "requests_per_endpoint": REQUESTS,
            "endpoints": results,
            "open311_vs_floor": round(real_tp / floor_tp, 3),
            "open311_orders": {"created": created, "auto_dispatched": dispatched},
            "desk": desk,
            "cpu_count": os.cpu_count(),
            "loadavg_1m": round(os.getloadavg()[0], 1),
        },
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
