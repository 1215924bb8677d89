"""The demo seed of each node region of data/seed: what `make run NODE_REGION=<code>` does before
it serves (`onestop migrate`, then `onestop seed_demo`), each in its own process on a fresh data
dir and SQLite database, timed end to end and per seed step (from the step times that
`seed_demo` prints).

The hotline routing model is trained by the first region's seed and copied into the next
regions' data dirs, as tests/org/test_regions.py does (training is the one step whose time does
not depend on the region; its time is in the first row). JSON: bench/results/seed_regions.json.
BENCH_QUICK=1 seeds the first region only.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import table, write

ROOT = Path(__file__).resolve().parent.parent
QUICK = os.environ.get("BENCH_QUICK") == "1"
STEP = re.compile(r"^seed (?P<name>[\w-]+): .* \((?P<seconds>[\d.]+) s\)$")


def regions() -> list[str]:
    data = json.loads((ROOT / "data" / "seed" / "departments.json").read_text(encoding="utf-8"))
    return list(dict.fromkeys(dept["region"] for dept in data["departments"]))


def run(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "onestop", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return time.perf_counter() - start, done.stdout


def main() -> None:
    rows: list[dict[str, Any]] = []
    steps: dict[str, dict[str, float]] = {}
    model: Path | None = None
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ONESTOP_ENV")}
    for region in regions()[:1] if QUICK else regions():
        data = Path(tempfile.mkdtemp(prefix=f"onestop-bench-seed-{region}-"))
        if model is not None:
            (data / "models").mkdir()
            shutil.copy(model, data / "models" / model.name)
        env = dict(base, DATA_DIR=str(data), NODE_REGION=region)
        migrate_s, _ = run(["migrate", "-v", "0"], env)
        seed_s, out = run(["seed_demo"], env)
        steps[region] = {
            m["name"]: float(m["seconds"]) for line in out.splitlines() if (m := STEP.match(line))
        }
        trained = data / "models" / "hotline-routing.joblib"
        if model is None and trained.exists():
            model = Path(tempfile.mkdtemp(prefix="onestop-bench-model-")) / trained.name
            shutil.copy(trained, model)
        slowest = sorted(steps[region].items(), key=lambda kv: -kv[1])[:3]
        rows.append(
            {
                "region": region,
                "migrate_s": round(migrate_s, 1),
                "seed_demo_s": round(seed_s, 1),
                "steps_s": round(sum(steps[region].values()), 1),
                "slowest steps": ", ".join(f"{name} {s:.1f}" for name, s in slowest),
            }
        )
        shutil.rmtree(data, ignore_errors=True)
    print(table("demo seed per region (wall clock, one process each)", rows))
    path = write("seed_regions", {"rows": rows, "steps": steps})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
