"""Prometheus metrics of the node at `/metrics` (docs/operations.md, "Metrics").

Two kinds:

- counted in the process that served a request (`RequestMetricsMiddleware`): requests by view,
  method and status, and a latency histogram by view. Under `onestop serve` several gunicorn
  workers count; prometheus-client's multiprocess mode adds them up: `onestop serve` points
  `PROMETHEUS_MULTIPROC_DIR` at an empty folder under the data dir before it starts gunicorn,
  and `gunicorn_conf.child_exit` marks a dead worker's files;
- read from the database when `/metrics` is scraped (`gauge`): the task queue (depth and age of
  the oldest ready task, here) and what the apps above register from their `AppConfig.ready()`
  (cases and work orders by state, the federation outbox per peer, notifications by status).
  Every worker answers the same for them, whatever process served the scrape.

`/metrics` is open to the addresses in `METRICS_ALLOWED_IPS` (default loopback) or to anyone
who sends `Authorization: Bearer <METRICS_TOKEN>`; anyone else gets a 404.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

REQUESTS = Counter(
    "onestop_http_requests",
    "HTTP requests answered, by view, method and status code.",
    ["view", "method", "status"],
)
LATENCY = Histogram(
    "onestop_http_request_duration_seconds",
    "Time to answer an HTTP request, by view.",
    ["view"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)

Rows = Iterable[tuple[Sequence[str], float]]


@dataclass(frozen=True)
class Gauge:
    """A gauge read from the database at scrape time: `read()` yields (label values, value)."""

    name: str
    documentation: str
    labels: tuple[str, ...]
    read: Callable[[], Rows]


_gauges: dict[str, Gauge] = {}


def gauge(name: str, documentation: str, labels: Sequence[str] = ()) -> Callable[..., Any]:
    """Register the decorated function as a gauge read when `/metrics` is scraped (apps call
    this from a module their `ready()` imports)."""

    def register(fn: Callable[[], Rows]) -> Callable[[], Rows]:
        _gauges[name] = Gauge(name, documentation, tuple(labels), fn)
        return fn

    return register


def gauges() -> list[Gauge]:
    return list(_gauges.values())


class DatabaseCollector(Collector):
    """Every registered gauge, read now. A gauge that fails is logged and left out (a broken
    gauge must not hide the others)."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        for item in gauges():
            family = GaugeMetricFamily(item.name, item.documentation, labels=list(item.labels))
            try:
                for values, value in item.read():
                    family.add_metric([str(v) for v in values], float(value))
            except Exception:
                logger.exception("metrics: the gauge %s could not be read", item.name)
                continue
            yield family


@gauge("onestop_tasks_ready", "Tasks waiting in the queue, by queue.", ["queue"])
def _tasks_ready() -> Rows:
    from django.db.models import Count
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    rows = (
        DBTaskResult.objects.filter(status=TaskResultStatus.READY)
        .values_list("queue_name")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [((queue,), n) for queue, n in rows]


@gauge(
    "onestop_tasks_oldest_ready_age_seconds",
    "Age of the oldest task that is due and not yet claimed (0: none).",
)
def _tasks_oldest() -> Rows:
    from django.db.models import Min, Q
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult, get_date_max

    now = timezone.now()
    # A task without a `run_after` is stored with the largest date: it is due at once.
    first = (
        DBTaskResult.objects.filter(status=TaskResultStatus.READY)
        .filter(Q(run_after=get_date_max()) | Q(run_after__lte=now))
        .aggregate(first=Min("enqueued_at"))["first"]
    )
    return [((), max(0.0, (now - first).total_seconds()) if first else 0.0)]


@gauge("onestop_tasks_running", "Tasks a worker has claimed and not finished.")
def _tasks_running() -> Rows:
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    return [((), DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).count())]


def multiprocess_dir() -> str:
    return os.environ.get(MULTIPROC_ENV, "")


def exposition() -> bytes:
    """The text exposition of every metric: the request counters of every process (multiprocess
    mode) or of this one, and the database gauges."""
    registry: CollectorRegistry
    if multiprocess_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        for collector in (REQUESTS, LATENCY):
            registry.register(collector)
    registry.register(DatabaseCollector())
    return generate_latest(registry)


def _client_allowed(request: HttpRequest) -> bool:
    token = str(getattr(settings, "METRICS_TOKEN", "") or "")
    sent = request.headers.get("Authorization", "")
    if (
        token
        and sent.startswith("Bearer ")
        and hmac.compare_digest(sent[len("Bearer ") :].encode(), token.encode())
    ):
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    for allowed in getattr(settings, "METRICS_ALLOWED_IPS", ()):
        try:
            if address in ipaddress.ip_network(allowed, strict=False):
                return True
        except ValueError:
            continue
    return False


def metrics_view(request: HttpRequest) -> HttpResponse:
    """`GET /metrics`: for the monitoring system only (a token or an internal address)."""
    if not _client_allowed(request):
        raise Http404
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)


# Paths that are not counted: the probes and the scrape itself would only drown the rest.
UNCOUNTED = ("/healthz", "/readyz", "/metrics")


class RequestMetricsMiddleware:
    """Count every request by the name of the view that answered it (the URL pattern's name or
    route, never the path: paths carry ids) and time it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path in UNCOUNTED:
            return self.get_response(request)
        started = time.perf_counter()
        response = self.get_response(request)
        view = view_name(request)
        REQUESTS.labels(view, request.method or "", str(response.status_code)).inc()
        LATENCY.labels(view).observe(time.perf_counter() - started)
        return response


def view_name(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "<unresolved>"
    if match.view_name:
        return str(match.view_name)
    return str(match.route or "<unnamed>")


def mark_process_dead(pid: int) -> None:
    """gunicorn's `child_exit`: drop a dead worker's live gauges (counters stay counted)."""
    if multiprocess_dir():
        multiprocess.mark_process_dead(pid)
