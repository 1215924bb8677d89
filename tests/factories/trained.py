"""Routing models trained once per test run.

Training the hotline routing model takes ~18 s of CPU (the sentence encoder over the whole
history), and the suite used to pay it again in every xdist worker, after every test that put
the process's model back to None, and in every test that trains on the same examples. `train`
is deterministic (the same examples give the same model), so the suite memoises it by the
examples' content: the first worker to need a model trains and saves it in the run's shared
temporary dir (under a file lock), the others load it in a tenth of a second. A test that
monkeypatches `routing.train` replaces this memo for its own duration, as before.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from filelock import FileLock

from onestop.hotline import routing

_real_train = routing.train
_memo: dict[str, routing.Model] = {}


def shared_dir(basetemp: Path) -> Path:
    """The run's temporary dir that every xdist worker sees (one per run: never reused by the
    next run, so a model from older code or data is never read)."""
    return basetemp.parent if os.environ.get("PYTEST_XDIST_WORKER") else basetemp


def memo_train(directory: Path) -> Any:
    def train(examples: Iterable[routing.Example]) -> routing.Model:
        rows = list(examples)
        text = json.dumps(rows, ensure_ascii=False, sort_keys=True, default=str)
        key = hashlib.sha256(text.encode()).hexdigest()[:16]
        if key in _memo:
            return _memo[key]
        path = directory / f"routing-{key}.joblib"
        with FileLock(str(path) + ".lock"):
            model = routing.load(path)
            if model is None:
                model = _real_train(rows)
                routing.save(model, path)
        _memo[key] = model
        return model

    return train
