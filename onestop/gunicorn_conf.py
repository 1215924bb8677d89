"""gunicorn settings used by `onestop serve` (and by bench/bench_open311.py).

Each worker runs the `core.warmup` steps before it takes its first request: the sentence
encoder (`knowledge.embeddings`) and the hotline routing model (`hotline.routing`) are loaded
once per worker process, so that no citizen waits the ~1-2 s model load on their first search
or Open311 request.
"""

import logging
from typing import Any

graceful_timeout = 10
accesslog = "-"

logger = logging.getLogger("gunicorn.error")


def post_worker_init(worker: Any) -> None:
    from onestop.core import warmup

    took = warmup.run()
    logger.info(
        "worker %s warmed up: %s",
        worker.pid,
        ", ".join(f"{name} {seconds:.1f} s" for name, seconds in took.items()) or "nothing",
    )
