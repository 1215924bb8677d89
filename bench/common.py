"""Shared helpers for the benchmarks: a throwaway node, timing, tables and JSON results.

Figures are medians and p95 of one run on a noisy 2-core machine: compare ratios, not absolutes.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def setup_django(prefix: str) -> Path:
    """Point the node at a fresh data dir (SQLite) unless DATABASE_URL says otherwise."""
    data_dir = Path(tempfile.mkdtemp(prefix=f"onestop-bench-{prefix}-"))
    os.environ["DATA_DIR"] = str(data_dir)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onestop.settings")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    return data_dir


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1))))
    return ordered[k]


def measure(fn: Callable[[], Any], *, repeat: int, cpu: bool = False) -> dict[str, float]:
    """Time `fn` `repeat` times; milliseconds. With `cpu`, also this process's CPU time per call
    (`time.process_time`): on a shared machine the wall clock waits for a core, the CPU time is
    what the code costs (the database server's time is in neither when it runs elsewhere, and
    only in the wall clock when it runs here)."""
    times, cpu_times = [], []
    for _ in range(repeat):
        start, cpu_start = time.perf_counter(), time.process_time()
        fn()
        times.append((time.perf_counter() - start) * 1000)
        cpu_times.append((time.process_time() - cpu_start) * 1000)
    out = {
        "median_ms": round(statistics.median(times), 3),
        "p95_ms": round(percentile(times, 95), 3),
    }
    if cpu:
        out["cpu_median_ms"] = round(statistics.median(cpu_times), 3)
        out["cpu_p95_ms"] = round(percentile(cpu_times, 95), 3)
    return {**out, "n": repeat}


def table(title: str, rows: list[dict[str, Any]]) -> str:
    if not rows:
        return f"{title}: no rows"
    cols = list(rows[0])
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in cols}
    line = "  ".join(c.ljust(widths[c]) for c in cols)
    out = [title, line, "  ".join("-" * widths[c] for c in cols)]
    out += ["  ".join(str(r.get(c, "")).ljust(widths[c]) for c in cols) for r in rows]
    return "\n".join(out)


def write(name: str, payload: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2))
    return path
