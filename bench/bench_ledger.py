"""Ledger: append rate (one entry per transaction, and batched) and root / inclusion /
consistency proof times at 10^5 and 10^6 entries, measured in a fresh process ("restart"),
on SQLite and on PostgreSQL.

SQLite: a throwaway node (temporary DATA_DIR). PostgreSQL: a throwaway database created through
BENCH_PG_URL (maintenance database, default postgres://postgres@127.0.0.1:5432/postgres) and
dropped afterwards (BENCH_PG_NAME names it); it is skipped with a note when the server cannot be
reached. BENCH_BACKENDS=postgresql (or sqlite) runs one database only. The big logs
are filled with bulk inserts of the entries and of the tiles built from their leaf hashes,
exactly what the services would have written. Each phase runs in its own process: `run()`
starts them and collects their JSON. Appends are timed by the wall clock (the figure of the
goal) and by the process's CPU time (what the benchmark costs when the machine is shared).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any

from bench.common import measure, table, write

ROOT = Path(__file__).resolve().parent.parent
QUICK = os.environ.get("BENCH_QUICK") == "1"
ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PG_NAME = os.environ.get("BENCH_PG_NAME", "onestop_bench_ledger")  # created, then dropped
# which databases to run on (a comma-separated subset of "sqlite,postgresql")
BACKENDS = os.environ.get("BENCH_BACKENDS", "sqlite,postgresql").split(",")


# --- child phases (run inside a Django process) ---------------------------------------------------


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onestop.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def _rate(count: int, fn: Any) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return (
        round(count / (time.perf_counter() - wall), 1),
        round(count / max(time.process_time() - cpu, 1e-9), 1),
    )


def _phase_append(single: int, batches: int, batch_size: int) -> dict[str, Any]:
    from onestop.ledger import services

    def one_per_transaction() -> None:
        for i in range(single):
            services.entry_append(kind="bench.single", payload={"i": i, "note": "one per commit"})

    def batched() -> None:
        for b in range(batches):
            services.entries_append_batch(
                items=[
                    ("sharing.access", {"record": f"r-{b}-{i}", "commitment": f"{b:032x}{i:032x}"})
                    for i in range(batch_size)
                ]
            )

    single_wall, single_cpu = _rate(single, one_per_transaction)
    batch_wall, batch_cpu = _rate(batches * batch_size, batched)
    return {
        "single_per_s": single_wall,
        "single_per_cpu_s": single_cpu,
        "batched_per_s": batch_wall,
        "batched_per_cpu_s": batch_cpu,
        "batch_size": batch_size,
    }


def _save_tiles(rows: list[tuple[int, int, bytes, bytes]]) -> None:
    from onestop.ledger.models import Tile

    Tile.objects.bulk_create(
        [Tile(level=lv, index=ix, hashes=hs, inner=inner) for lv, ix, hs, inner in rows],
        batch_size=500,
        update_conflicts=True,
        unique_fields=["level", "index"],
        update_fields=["hashes", "inner"],
    )


def _phase_fill(target: int) -> dict[str, Any]:
    """Grow the log to `target` entries with bulk inserts of precomputed hashes and tiles."""
    from django.db import connection, transaction
    from django.utils import timezone

    from onestop.ledger import merkle, selectors, tiles
    from onestop.ledger.models import Entry, LogHead

    start = time.perf_counter()
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    table_name = connection.ops.quote_name(Entry._meta.db_table)
    cast = "::jsonb" if connection.vendor == "postgresql" else ""
    with transaction.atomic():
        head, _ = LogHead.objects.select_for_update().get_or_create(pk=1)
        size = head.size
        writer = tiles.TileWriter(size, selectors.tile_rows(tiles.edge_keys(size)))
        chunk, per_statement = 20_000, 1000
        with connection.cursor() as cursor:
            while size < target:
                rows = []
                for i in range(size, min(size + chunk, target)):
                    payload = f'{{"i":{i}}}'
                    h = merkle.leaf_hash(f'{{"kind":"bench.bulk","payload":{payload}}}'.encode())
                    writer.append(h)
                    rows.append((i, h, "bench.bulk", payload, now))
                for s in range(0, len(rows), per_statement):
                    part = rows[s : s + per_statement]
                    values = ", ".join([f"(%s, %s, %s, %s{cast}, %s)"] * len(part))
                    cursor.execute(
                        f'INSERT INTO {table_name} ("index", leaf_hash, kind, payload, '  # noqa: S608
                        f"created_at) VALUES {values}",
                        [v for row in part for v in row],
                    )
                size += len(rows)
                _save_tiles(writer.take_full())
        _save_tiles(writer.changed())
        head.size = size
        head.frontier = b"".join(writer.frontier())
        head.save(update_fields=["size", "frontier", "updated_at"])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return {"size": size, "fill_s": round(time.perf_counter() - start, 1)}


def _phase_proofs(repeat: int) -> dict[str, Any]:
    """Called in a fresh process: nothing is cached but what the database caches itself."""
    from django.db import connection

    from onestop.ledger import merkle, selectors

    connection.ensure_connection()  # connecting is not part of the first proof
    size = selectors.tree_size()
    rng = random.Random(9)
    start = time.perf_counter()
    root = selectors.root_hash(size=size)
    cold_ms = round((time.perf_counter() - start) * 1000, 3)
    first_index = rng.randrange(size)
    start = time.perf_counter()
    selectors.inclusion(index=first_index, size=size)
    first_inclusion_ms = round((time.perf_counter() - start) * 1000, 3)

    def inclusion() -> None:
        """What GET /api/v1/ledger/proof/inclusion computes (leaf hash, root, path), checked."""
        found = selectors.inclusion(index=rng.randrange(size), size=size)
        merkle.verify_inclusion(found.index, size, found.leaf_hash, found.hashes, root)

    def consistency() -> None:
        """What GET /api/v1/ledger/proof/consistency computes (both roots, path), checked."""
        found = selectors.consistency(first=rng.randrange(1, size), second=size)
        merkle.verify_consistency(
            found.first, size, found.hashes, found.first_root, found.second_root
        )

    return {
        "size": size,
        "root_cold_ms": cold_ms,
        "inclusion_first_ms": first_inclusion_ms,
        "root": measure(
            lambda: selectors.root_hash(size=rng.randrange(1, size + 1)), repeat=repeat
        ),
        "inclusion": measure(inclusion, repeat=repeat, cpu=True),
        "consistency": measure(consistency, repeat=repeat, cpu=True),
    }


def _phase_profile(repeat: int) -> dict[str, Any]:
    """Where an inclusion proof's time goes (pyinstrument, when installed; dev only)."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        return {"profile": "pyinstrument is not installed"}
    from onestop.ledger import selectors

    size = selectors.tree_size()
    rng = random.Random(3)
    profiler = Profiler(interval=0.0001)
    profiler.start()
    for _ in range(repeat):
        selectors.inclusion(index=rng.randrange(size), size=size)
    profiler.stop()
    return {"profile": profiler.output_text(unicode=False, color=False)}


def _child(argv: list[str]) -> None:
    _setup()
    phase, *args = argv
    if phase == "append":
        result = _phase_append(*map(int, args))
    elif phase == "fill":
        result = _phase_fill(int(args[0]))
    elif phase == "profile":
        result = _phase_profile(int(args[0]))
    else:
        result = _phase_proofs(int(args[0]))
    print(json.dumps(result))


# --- parent ---------------------------------------------------------------------------------------


def _run_child(env: dict[str, str], *args: object) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.bench_ledger", "--child", *map(str, args)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def _backend(name: str, env: dict[str, str], sizes: list[int], quick: bool) -> dict[str, Any]:
    append = _run_child(env, "append", 200 if quick else 1000, 10 if quick else 40, 500)
    rows = []
    for size in sizes:
        fill = _run_child(env, "fill", size)
        proofs = _run_child(env, "proofs", 100 if quick else 300)
        rows.append({"fill_s": fill["fill_s"], **proofs})
    if os.environ.get("BENCH_PROFILE") == "1":
        print(_run_child(env, "profile", 300)["profile"])
    return {"backend": name, **append, "sizes": rows}


def _postgres(env: dict[str, str], sizes: list[int], quick: bool) -> dict[str, Any] | None:
    import psycopg

    try:
        with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{PG_NAME}"')
    except psycopg.OperationalError as exc:
        print(f"PostgreSQL skipped: {exc}")
        return None
    parts = urllib.parse.urlsplit(ADMIN_URL)
    url = urllib.parse.urlunsplit(parts._replace(path=f"/{PG_NAME}"))
    try:
        return _backend("postgresql", {**env, "DATABASE_URL": url}, sizes, quick)
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')


def run(quick: bool) -> dict[str, Any]:
    sizes = [10**5] if quick else [10**5, 10**6]
    data_dir = Path(tempfile.mkdtemp(prefix="onestop-bench-ledger-"))
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update({"DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "onestop.settings"})
    env["LOG_LEVEL"] = "WARNING"
    results = []
    try:
        if "sqlite" in BACKENDS:
            results.append(_backend("sqlite", env, sizes, quick))
        pg = _postgres(env, sizes, quick) if "postgresql" in BACKENDS else None
        if pg is not None:
            results.append(pg)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    print(
        table(
            "ledger appends (entries/s; wall clock, and per second of this process's CPU)",
            [
                {
                    "backend": r["backend"],
                    "one per transaction": r["single_per_s"],
                    "(cpu)": r["single_per_cpu_s"],
                    f"batches of {r['batch_size']}": r["batched_per_s"],
                    "(cpu) ": r["batched_per_cpu_s"],
                }
                for r in results
            ],
        )
    )
    print(
        table(
            "ledger proofs after restart (ms)",
            [
                {
                    "backend": r["backend"],
                    "entries": s["size"],
                    "fill s": s["fill_s"],
                    "root cold": s["root_cold_ms"],
                    "inclusion first": s["inclusion_first_ms"],
                    "root median": s["root"]["median_ms"],
                    "inclusion median": s["inclusion"]["median_ms"],
                    "inclusion p95": s["inclusion"]["p95_ms"],
                    "(cpu)": s["inclusion"]["cpu_median_ms"],
                    "consistency median": s["consistency"]["median_ms"],
                    "consistency p95": s["consistency"]["p95_ms"],
                    "(cpu) ": s["consistency"]["cpu_median_ms"],
                }
                for r in results
                for s in r["sizes"]
            ],
        )
    )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    print(f"load average (1 min) at the end: {load}")
    return {"backends": results, "load_average_1min": load, "quick": quick}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(sys.argv[2:])
        return
    result = run(QUICK)
    path = write("ledger", result)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
