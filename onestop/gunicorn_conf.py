"""gunicorn settings used by `onestop serve` (and by bench/bench_open311.py).

Each worker runs the `core.warmup` steps before it takes its first request: the sentence
encoder (`knowledge.embeddings`) and the hotline routing model (`hotline.routing`) are loaded
once per worker process, so that no citizen waits the ~1-2 s model load on their first search
or Open311 request. With `WARMUP=background` (`make run`, a development node that should answer
its first request at once) the steps run in a thread of the worker instead.

gunicorn writes no access lines: every request gets one JSON line from the app
(`core.requestlog`, with its request id and without the probes); gunicorn's own lines go through
`core.logredact` (query strings carrying tokens are cut off). A worker that exits has its
metric files marked dead (`core.metrics`, prometheus-client's multiprocess mode).
"""

import logging
import os
import threading
from typing import Any

# Imported here, in the master, once: importing it (or Django) while a worker's exit is being
# handled — a HUP reload — failed half-way and took the master down.
from prometheus_client import multiprocess

graceful_timeout = 10
# Query strings up to 8 KiB reach the node (its answers to bad ones are in the API error shape).
limit_request_line = 8190
accesslog = None

logger = logging.getLogger("gunicorn.error")


def _redact_access_log() -> None:
    """Query strings that carry tokens (Open311 keys, OIDC codes) are cut from access lines."""
    from onestop.core import logredact

    logredact.install_on("gunicorn.access")
    logredact.install_on("gunicorn.error")


def when_ready(server: Any) -> None:
    _redact_access_log()


def post_worker_init(worker: Any) -> None:
    from onestop.core import warmup

    _redact_access_log()

    def warm() -> None:
        took = warmup.run()
        logger.info(
            "worker %s warmed up: %s",
            worker.pid,
            ", ".join(f"{name} {seconds:.1f} s" for name, seconds in took.items()) or "nothing",
        )

    # WARMUP=background (what `make run` sets): the worker takes requests at once and loads
    # the models in a thread beside them (a search in the first seconds waits for the encoder
    # as it would without a warm-up); otherwise the worker warms up before its first request.
    if os.environ.get("WARMUP", "").strip() == "background":
        threading.Thread(target=warm, name="onestop-warm-up", daemon=True).start()
    else:
        warm()


def child_exit(server: Any, worker: Any) -> None:
    # the same directory `core.metrics` reads (PROMETHEUS_MULTIPROC_DIR, set by `onestop serve`)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)
