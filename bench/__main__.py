"""`make bench`: run every benchmark module in its own process and print their tables.

Each module `bench/bench_<name>.py` is runnable alone (`python -m bench.bench_<name>`), prints a
table and writes bench/results/<name>.json. Set BENCH_QUICK=1 for a short run.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def main() -> int:
    here = Path(__file__).resolve().parent
    only = sys.argv[1:]
    modules = sorted(p.stem for p in here.glob("bench_*.py"))
    failed = []
    for name in modules:
        if only and name.removeprefix("bench_") not in only:
            continue
        print(f"== {name}", flush=True)
        rc = subprocess.call([sys.executable, "-m", f"bench.{name}"], cwd=here.parent)
        if rc:
            failed.append(name)
    if failed:
        print("failed:", ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
