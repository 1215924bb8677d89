"""`/metrics` (core.metrics): only for a token or an internal address; request counts by
view and status, latency histograms, and the gauges read from the database (task queue,
cases, work orders, outbox, notifications)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from onestop.core import metrics

TOKEN = "scrape-token-0123456789"


def _value(text: str, name: str, **labels: str) -> float | None:
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split(" ")[0]))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return None


@pytest.fixture
def scrape(settings: Any) -> Any:
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = []

    def get() -> str:
        answer = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert answer.status_code == 200
        assert answer["Content-Type"].startswith("text/plain")
        return answer.content.decode()

    return get


@pytest.mark.django_db
def test_metrics_are_hidden_without_the_token_from_outside(settings: Any) -> None:
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]

    assert Client(REMOTE_ADDR="203.0.113.9").get("/metrics").status_code == 404
    wrong = Client(REMOTE_ADDR="203.0.113.9").get("/metrics", HTTP_AUTHORIZATION="Bearer nope")
    assert wrong.status_code == 404
    assert Client(REMOTE_ADDR="10.1.2.3").get("/metrics").status_code == 200


@pytest.mark.django_db
def test_no_token_configured_means_internal_addresses_only(settings: Any) -> None:
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1/32"]

    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 200
    empty = Client(REMOTE_ADDR="198.51.100.1").get("/metrics", HTTP_AUTHORIZATION="Bearer ")
    assert empty.status_code == 404


@pytest.mark.django_db
def test_requests_are_counted_by_view_and_status_and_timed(scrape: Any) -> None:
    before = _value(
        scrape(), "onestop_http_requests_total", view="web:home", method="GET", status="200"
    )
    Client().get("/")
    Client().get("/")
    Client().get("/no-such-page/")
    text = scrape()

    after = _value(text, "onestop_http_requests_total", view="web:home", method="GET", status="200")
    assert after == (before or 0) + 2
    assert (_value(text, "onestop_http_requests_total", status="404") or 0) >= 1
    assert (_value(text, "onestop_http_request_duration_seconds_count", view="web:home") or 0) >= 2
    # the probes and the scrape itself are not counted
    assert 'view="/metrics"' not in text
    assert "healthz" not in text


@pytest.mark.django_db
def test_task_queue_depth_and_oldest_age(scrape: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from onestop.notify import tasks

    tasks.requeue_stale.enqueue()
    tasks.requeue_stale.enqueue()
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(minutes=5))

    text = scrape()

    assert _value(text, "onestop_tasks_ready", queue="default") == 2
    age = _value(text, "onestop_tasks_oldest_ready_age_seconds")
    assert age is not None
    assert 299 <= age < 400
    assert _value(text, "onestop_tasks_running") == 0


@pytest.mark.django_db
def test_every_app_gauge_is_exposed(scrape: Any) -> None:
    text = scrape()

    for name in (
        "onestop_notifications",
        "onestop_cases",
        "onestop_hotline_orders",
        "onestop_federation_outbox",
    ):
        assert f"# TYPE {name} gauge" in text


@pytest.mark.django_db
def test_a_broken_gauge_hides_no_other(scrape: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> metrics.Rows:
        raise RuntimeError("boom")

    monkeypatch.setitem(
        metrics._gauges, "onestop_broken", metrics.Gauge("onestop_broken", "x", (), broken)
    )

    text = scrape()

    assert "onestop_broken" not in text
    assert "onestop_tasks_running" in text


def test_multiprocess_mode_adds_up_the_workers(tmp_path: Any) -> None:
    """Two processes count into one folder (as gunicorn's workers do under `onestop serve`);
    the exposition of either adds both up."""
    import subprocess
    import sys

    code = (
        "import os;"
        "from prometheus_client import Counter;"
        "c = Counter('onestop_http_requests', 'x', ['view', 'method', 'status']);"
        "c.labels('web:home', 'GET', '200').inc(3)"
    )
    env = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    for _ in range(2):
        subprocess.run([sys.executable, "-c", code], env=env, check=True)
    reader = (
        "from prometheus_client import CollectorRegistry, generate_latest, multiprocess;"
        "r = CollectorRegistry(); multiprocess.MultiProcessCollector(r);"
        "print(generate_latest(r).decode())"
    )
    out = subprocess.run(
        [sys.executable, "-c", reader], env=env, check=True, capture_output=True, text=True
    ).stdout

    assert _value(out, "onestop_http_requests_total", view="web:home") == 6
