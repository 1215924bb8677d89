"""A registry of warm-up steps: what a server process loads before its first request.

Each app registers the models it keeps per process (`@warmup.register`, at import of a module
its `AppConfig.ready()` imports); the web server runs them all once per worker process
(`onestop.gunicorn_conf.post_worker_init`), so that no request waits for a model to load. A
step that fails is logged and skipped: the model then loads on first use, as it would anyway.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

logger = logging.getLogger(__name__)

Step = Callable[[], object]

_steps: dict[str, Step] = {}


def register(fn: Step) -> Step:
    """Register `fn` (no arguments) as a warm-up step, under its dotted name."""
    _steps[f"{fn.__module__}.{fn.__qualname__}"] = fn
    return fn


def steps() -> list[str]:
    """The registered steps' names, in registration order."""
    return list(_steps)


def run() -> dict[str, float]:
    """Run every step once; returns the seconds each took (failed steps are left out)."""
    took: dict[str, float] = {}
    for name, fn in _steps.items():
        started = time.perf_counter()
        try:
            fn()
        except Exception:  # a warm-up never keeps the server from starting
            logger.exception("warm-up step %s failed; it will load on first use", name)
            continue
        took[name] = time.perf_counter() - started
    return took
