"""gunicorn settings used by `onestop serve`.

Each worker loads the sentence-embedding model before it takes its first request, so that no
citizen waits the ~1-2 s model load on their first search.
"""

from typing import Any

graceful_timeout = 10
accesslog = "-"


def post_worker_init(worker: Any) -> None:
    from onestop.knowledge.embeddings import encode

    encode(["warm-up"])
