"""Ledger: append rate (one entry per transaction, and batched) and root / inclusion /
consistency proof times at 10^5 and 10^6 entries, measured in a fresh process ("restart").

Runs on a throwaway SQLite node (temporary DATA_DIR; DATABASE_URL is ignored). The big logs are
filled with bulk inserts of precomputed leaf and subtree hashes, exactly what the services would
have written. Each phase runs in its own process: `run()` starts them and collects their JSON.
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
from pathlib import Path
from typing import Any

from bench.common import measure, table, write

ROOT = Path(__file__).resolve().parent.parent
QUICK = os.environ.get("BENCH_QUICK") == "1"


# --- child phases (run inside a Django process) ---------------------------------------------------


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onestop.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def _phase_append(single: int, batches: int, batch_size: int) -> dict[str, Any]:
    from onestop.ledger import services

    start = time.perf_counter()
    for i in range(single):
        services.entry_append(kind="bench.single", payload={"i": i, "note": "one per commit"})
    single_s = time.perf_counter() - start
    start = time.perf_counter()
    for b in range(batches):
        services.entries_append_batch(
            items=[("bench.batch", {"b": b, "i": i}) for i in range(batch_size)]
        )
    batch_s = time.perf_counter() - start
    return {
        "single_per_s": round(single / single_s, 1),
        "batched_per_s": round(batches * batch_size / batch_s, 1),
        "batch_size": batch_size,
    }


def _phase_fill(target: int) -> dict[str, Any]:
    """Grow the log to `target` entries with bulk inserts of precomputed hashes."""
    from django.db import connection, transaction
    from django.utils import timezone

    from onestop.ledger import merkle
    from onestop.ledger.models import Entry, LogHead, Subtree

    start = time.perf_counter()
    now = timezone.now().isoformat()
    entry_table, subtree_table = Entry._meta.db_table, Subtree._meta.db_table
    with transaction.atomic():
        head, _ = LogHead.objects.select_for_update().get_or_create(pk=1)
        raw = bytes(head.frontier)
        frontier = [raw[i : i + 32] for i in range(0, len(raw), 32)]
        size = head.size
        chunk = 20_000
        with connection.cursor() as cursor:
            while size < target:
                entries, nodes = [], []
                for i in range(size, min(size + chunk, target)):
                    payload = f'{{"i":{i}}}'
                    data = f'{{"kind":"bench.bulk","payload":{payload}}}'.encode()
                    h = merkle.leaf_hash(data)
                    entries.append((i, h, "bench.bulk", payload, now))
                    frontier, done = merkle.append(frontier, i, h)
                    nodes.extend(done)
                cursor.executemany(
                    f'INSERT INTO {entry_table} ("index", leaf_hash, kind, payload, created_at) '  # noqa: S608
                    "VALUES (%s, %s, %s, %s, %s)",
                    entries,
                )
                cursor.executemany(
                    f'INSERT INTO {subtree_table} (level, "index", hash) VALUES (%s, %s, %s)',  # noqa: S608
                    nodes,
                )
                size += len(entries)
        head.size = size
        head.frontier = b"".join(frontier)
        head.save(update_fields=["size", "frontier", "updated_at"])
    return {"size": size, "fill_s": round(time.perf_counter() - start, 1)}


def _phase_proofs(repeat: int) -> dict[str, Any]:
    """Called in a fresh process: nothing is cached but what the database caches itself."""
    from onestop.ledger import merkle, selectors

    size = selectors.tree_size()
    rng = random.Random(9)
    start = time.perf_counter()
    root = selectors.root_hash(size=size)
    cold_ms = round((time.perf_counter() - start) * 1000, 3)

    def inclusion() -> None:
        index = rng.randrange(size)
        proof = selectors.inclusion_proof(index=index, size=size)
        leaf = bytes(selectors.entry_get(index=index).leaf_hash)
        merkle.verify_inclusion(index, size, leaf, proof, root)

    def consistency() -> None:
        first = rng.randrange(1, size)
        proof = selectors.consistency_proof(first=first, second=size)
        if len(proof) > 2 * size.bit_length():
            raise RuntimeError("consistency proof longer than 2 log2(n)")

    return {
        "size": size,
        "root_cold_ms": cold_ms,
        "root": measure(
            lambda: selectors.root_hash(size=rng.randrange(1, size + 1)), repeat=repeat
        ),
        "inclusion": measure(inclusion, repeat=repeat),
        "consistency": measure(consistency, repeat=repeat),
    }


def _child(argv: list[str]) -> None:
    _setup()
    phase, *args = argv
    if phase == "append":
        result = _phase_append(*map(int, args))
    elif phase == "fill":
        result = _phase_fill(int(args[0]))
    else:
        result = _phase_proofs(int(args[0]))
    print(json.dumps(result))


# --- parent ---------------------------------------------------------------------------------------


def _run_child(data_dir: Path, *args: object) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update({"DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "onestop.settings"})
    env["LOG_LEVEL"] = "WARNING"
    out = subprocess.run(
        [sys.executable, "-m", "bench.bench_ledger", "--child", *map(str, args)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def run(quick: bool) -> dict[str, Any]:
    sizes = [10**5] if quick else [10**5, 10**6]
    data_dir = Path(tempfile.mkdtemp(prefix="onestop-bench-ledger-"))
    try:
        append = _run_child(data_dir, "append", 200 if quick else 1000, 10, 500)
        rows = []
        for size in sizes:
            fill = _run_child(data_dir, "fill", size)
            proofs = _run_child(data_dir, "proofs", 100 if quick else 300)
            rows.append({"fill_s": fill["fill_s"], **proofs})
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    result = {
        "backend": "sqlite",
        "append_single_per_s": append["single_per_s"],
        "append_batched_per_s": append["batched_per_s"],
        "batch_size": append["batch_size"],
        "sizes": rows,
    }
    print(
        table(
            "ledger appends",
            [
                {"mode": "one per transaction", "entries/s": append["single_per_s"]},
                {
                    "mode": f"batches of {append['batch_size']}",
                    "entries/s": append["batched_per_s"],
                },
            ],
        )
    )
    print(
        table(
            "ledger proofs after restart (ms)",
            [
                {
                    "entries": r["size"],
                    "fill s": r["fill_s"],
                    "root cold": r["root_cold_ms"],
                    "root median": r["root"]["median_ms"],
                    "root p95": r["root"]["p95_ms"],
                    "inclusion median": r["inclusion"]["median_ms"],
                    "inclusion p95": r["inclusion"]["p95_ms"],
                    "consistency median": r["consistency"]["median_ms"],
                    "consistency p95": r["consistency"]["p95_ms"],
                }
                for r in rows
            ],
        )
    )
    return result


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(sys.argv[2:])
        return
    result = run(QUICK)
    path = write("ledger", result)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
