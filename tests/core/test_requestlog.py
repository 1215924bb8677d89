"""Structured logs (core.requestlog): one JSON line per request with its id, no personal
data and no query string; the id answered in X-Request-ID, taken from a well-formed header;
carried to the tasks the request enqueued; the probes stay out of the log."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from django.test import Client

from onestop.core import requestlog


def _lines(caplog: pytest.LogCaptureFixture, name: str = "onestop.request") -> list[dict[str, Any]]:
    formatter = requestlog.JsonFormatter()
    return [json.loads(formatter.format(r)) for r in caplog.records if r.name == name]


@pytest.mark.django_db
def test_one_json_line_a_request_with_its_id(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="onestop.request"):
        answer = Client().get("/?api_key=secret-value&q=13800138000")

    [line] = _lines(caplog)
    assert line["request_id"] == answer["X-Request-ID"]
    assert len(line["request_id"]) == 32
    assert (line["method"], line["path"], line["status"], line["view"]) == (
        "GET",
        "/",
        200,
        "web:home",
    )
    assert isinstance(line["duration_ms"], float)
    text = json.dumps(line)
    assert "secret-value" not in text  # no query string at all
    assert "13800138000" not in text
    assert "user" not in line
    assert "ip" not in text.lower().replace("duration", "")


@pytest.mark.django_db
def test_a_well_formed_request_id_from_the_proxy_is_kept(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="onestop.request"):
        kept = Client().get("/", HTTP_X_REQUEST_ID="lb-1234abcd")
        replaced = Client().get("/", HTTP_X_REQUEST_ID="bad id\nwith newline")

    assert kept["X-Request-ID"] == "lb-1234abcd"
    assert replaced["X-Request-ID"] != "bad id\nwith newline"
    assert [line["request_id"] for line in _lines(caplog)] == [
        "lb-1234abcd",
        replaced["X-Request-ID"],
    ]


def test_probes_are_not_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="onestop.request"):
        Client().get("/healthz")
    assert _lines(caplog) == []


def test_every_line_carries_the_request_and_task_ids_and_is_redacted() -> None:
    formatter = requestlog.JsonFormatter()
    token_r = requestlog.request_id_var.set("req-1")
    token_t = requestlog.task_id_var.set("task-1")
    try:
        record = logging.LogRecord(
            "onestop.x", logging.INFO, __file__, 1, "GET %s", ("/cb?code=abc&state=x",), None
        )
        line = json.loads(formatter.format(record))
    finally:
        requestlog.request_id_var.reset(token_r)
        requestlog.task_id_var.reset(token_t)

    assert line["request_id"] == "req-1"
    assert line["task_id"] == "task-1"
    assert line["message"] == "GET /cb?[redacted]"
    assert line["level"] == "INFO"


@pytest.mark.django_db
def test_the_request_id_is_carried_to_the_task_it_enqueued(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from django_tasks.signals import task_finished, task_started

    from onestop.notify import tasks

    token = requestlog.request_id_var.set("req-carried-1")
    try:
        with caplog.at_level(logging.INFO, logger="onestop.task"):
            result = tasks.requeue_stale.enqueue()
    finally:
        requestlog.request_id_var.reset(token)
    [enqueued] = _lines(caplog, "onestop.task")
    assert enqueued["request_id"] == "req-carried-1"
    assert enqueued["task_id"] == str(result.id)

    # the worker process: the task starts with no request of its own
    caplog.clear()
    formatter = requestlog.JsonFormatter()
    with caplog.at_level(logging.INFO, logger="onestop.task"):
        task_started.send(sender=type(result.task.get_backend()), task_result=result)
        logging.getLogger("onestop.task").info("working")
        # formatted as the handler does, while the task runs
        lines = [
            json.loads(formatter.format(r)) for r in caplog.records if r.name == "onestop.task"
        ]
        task_finished.send(sender=type(result.task.get_backend()), task_result=result)
    mine = [r for r in caplog.records if r.name == "onestop.task"]
    lines.append(json.loads(formatter.format(mine[-1])))
    assert [line["message"] for line in lines] == ["task started", "working", "task finished"]
    assert {line.get("request_id") for line in lines[:2]} == {"req-carried-1"}
    assert {line.get("task_id") for line in lines[:2]} == {str(result.id)}
    assert requestlog.request_id_var.get() == ""
