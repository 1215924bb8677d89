"""How `make test` shares the suite between its xdist workers (`--dist loadgroup`).

pytest-xdist's `loadgroup` keeps a group (`pytest.mark.xdist_group`) on one worker but sends
every other test on its own, so the tests of one module alternate between the workers: each
worker builds the module's world (tests/factories/worlds.py), its module-scoped fixtures (a
started `serve`, a trained model, a seeded index) and its browser seed again. Here every test
without a group is grouped by its module instead, so a module runs on one worker, once.

The work units (groups and modules) are handed out heaviest first: a long unit started last
leaves the other worker idle at the end of the run. A unit's weight is its seconds in the last
profiled run (`tests/durations.json`; only the order matters: `python -m
tests.factories.scheduling <log>` rewrites it from a run's `--durations=0` output); a unit the
file does not name weighs `DEFAULT_SECONDS` per test.
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from xdist.scheduler.loadscope import LoadScopeScheduling

DURATIONS = Path(__file__).resolve().parents[1] / "durations.json"
DEFAULT_SECONDS = 0.2


def scope_of(nodeid: str) -> str:
    """A test's work unit: its xdist group (the `@name` xdist appends to its id under
    loadgroup), else its module."""
    if nodeid.rfind("@") > nodeid.rfind("]"):  # a parameter may hold an "@"
        return nodeid.rsplit("@", maxsplit=1)[-1]
    return nodeid.split("::", 1)[0]


def weights() -> dict[str, float]:
    try:
        return {str(k): float(v) for k, v in json.loads(DURATIONS.read_text()).items()}
    except (OSError, ValueError):
        return {}


class ModuleScheduling(LoadScopeScheduling):
    """`loadgroup` with a module as the default group, heaviest unit first."""

    def __init__(self, config: Any, log: Any = None) -> None:
        super().__init__(config, log)
        self._weights = weights()
        self._ordered = False

    def _split_scope(self, nodeid: str) -> str:
        return scope_of(nodeid)

    def _weight(self, scope: str, tests: dict[str, bool]) -> float:
        return self._weights.get(scope, DEFAULT_SECONDS * len(tests))

    def _assign_work_unit(self, node: Any) -> None:
        if not self._ordered:  # the queue is complete at the first assignment
            units = sorted(self.workqueue.items(), key=lambda unit: -self._weight(*unit))
            self.workqueue.clear()
            self.workqueue.update(units)
            self._ordered = True
        super()._assign_work_unit(node)


# --- tests/durations.json from a run's `--durations=0` output -------------------------------

_LINE = re.compile(r"^\s*([0-9.]+)s (setup|call|teardown)\s+(\S+)")


def durations_from_log(text: str) -> dict[str, float]:
    """Seconds per work unit (set-up, call and teardown of its tests). A grouped test's id in
    `--durations` output has no `@group`, so groups are found by reading the modules' marks:
    the caller maps modules to groups (`groups`)."""
    totals: dict[str, float] = defaultdict(float)
    for line in text.splitlines():
        match = _LINE.match(line)
        if match:
            totals[scope_of(match.group(3))] += float(match.group(1))
    return dict(totals)


def _groups() -> dict[str, str]:
    """module path → its xdist group, read from the test modules' source."""
    root = Path(__file__).resolve().parents[2]
    found = {}
    for path in sorted((root / "tests").rglob("test_*.py")):
        match = re.search(r"xdist_group\(\"([^\"]+)\"\)", path.read_text(encoding="utf-8"))
        if match:
            found[str(path.relative_to(root))] = match.group(1)
    return found


def main(log: str) -> None:
    groups = _groups()
    units: dict[str, float] = defaultdict(float)
    for scope, seconds in durations_from_log(Path(log).read_text(errors="replace")).items():
        units[groups.get(scope, scope)] += seconds
    # only the units that weigh more than a default module: the file stays short
    heavy = {k: round(v, 1) for k, v in sorted(units.items(), key=lambda kv: -kv[1]) if v >= 5}
    DURATIONS.write_text(json.dumps(heavy, indent=1) + "\n")
    sys.stdout.write(f"{len(heavy)} units written to {DURATIONS}\n")


if __name__ == "__main__":
    main(sys.argv[1])
