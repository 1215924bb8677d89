"""gunicorn settings used by `onestop serve` (and by bench/bench_open311.py).

Each worker runs the `core.warmup` steps before it takes its first request: the sentence
encoder (`knowledge.embeddings`) and the hotline routing model (`hotline.routing`) are loaded
once per worker process, so that no citizen waits the ~1-2 s model load on their first search
or Open311 request.

Access lines go through `core.logredact`: query strings carrying tokens are cut off.
"""

import logging
from typing import Any

graceful_timeout = 10
# Query strings up to 8 KiB reach the node (its answers to bad ones are in the API error shape).
limit_request_line = 8190
accesslog = "-"

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

    took = warmup.run()
    logger.info(
        "worker %s warmed up: %s",
        worker.pid,
        ", ".join(f"{name} {seconds:.1f} s" for name, seconds in took.items()) or "nothing",
    )
