"""Health probes for load balancers and orchestrators (docs/operations.md, "Health").

- `GET /healthz`: the process answers (no database, no cache: a liveness probe must not fail
  because a dependency is down, or the orchestrator restarts healthy processes);
- `GET /readyz`: the node can serve: the database answers, the cache stores and returns a value,
  the task queue's table is readable, every migration is applied and every key is present.
  200 with each check "ok", or 503 naming the checks that failed (never an error text: it could
  carry a host name or a path).

Both are unauthenticated, cheap (the migration plan is computed once per process and only
until it is empty), exempt from the session, the access log's noise and the request metrics,
and carry `Cache-Control: no-store`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotFound, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from onestop.core import crypto, keys

logger = logging.getLogger(__name__)

_migrated = False


def _database() -> bool:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


def _cache() -> bool:
    key = f"onestop:readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", 10)
    ok = cache.get(key) == "1"
    cache.delete(key)
    return ok


def _task_queue() -> bool:
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.only("id").first()
    return True


def _migrations() -> bool:
    global _migrated  # noqa: PLW0603 - once applied, they stay applied for this process
    if _migrated:
        return True
    from django.db.migrations.executor import MigrationExecutor

    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    _migrated = not plan
    return _migrated


def _keys() -> bool:
    return keys.present() and not crypto.present()


CHECKS: dict[str, Callable[[], bool]] = {
    "database": _database,
    "cache": _cache,
    "task_queue": _task_queue,
    "migrations": _migrations,
    "keys": _keys,
}


def readiness() -> dict[str, str]:
    """Each check's name → "ok" or "failed"."""
    result: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            ok = check()
        except Exception:
            logger.warning("readiness check %s failed", name, exc_info=True)
            ok = False
        result[name] = "ok" if ok else "failed"
    return result


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> HttpResponse:
    checks = readiness()
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status=200 if ready else 503,
    )


class ProbeMiddleware:
    """The first middleware: answers `/healthz`, `/readyz` and `/metrics` before any other
    (no host check, https redirect, session, language, CSRF, request log or request metric:
    a load balancer probes by address over plain http, and a probe must stay cheap)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from onestop.core import metrics

        view = {"/healthz": healthz, "/readyz": readyz, "/metrics": metrics.metrics_view}.get(
            request.path_info
        )
        if view is None:
            return self.get_response(request)
        try:
            return view(request)
        except Http404:
            return HttpResponseNotFound(b"", content_type="text/plain")
