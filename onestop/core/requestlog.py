"""Structured logs: one JSON object a line, a request id on every line (docs/operations.md,
"Logs").

- `RequestLogMiddleware` gives each request an id (a well-formed `X-Request-ID` from the
  proxy, else a new one), answers with it in `X-Request-ID`, and writes one line per request
  to the `onestop.request` logger: method, view name, status, duration, the path without its
  query string. No user name, no IP address, no query string, no body: nothing personal. The
  health probes and the metrics scrape are not logged (they would drown the rest).
- `JsonFormatter` writes every record (the request line, the apps' own lines, the worker's) as
  JSON with the current request id and task id; messages go through `core.logredact` first.
- A task enqueued while a request is served is logged with both ids (`task enqueued`) and the
  request id is left in the cache for `CARRY_SECONDS` under the task id: the worker that runs
  the task reads it back and its lines carry the request's id (with a cache shared by the
  processes, `CACHE_URL=redis://…`; with the per-process default cache the task's lines carry
  its task id, and the `task enqueued` line joins the two).
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.core.cache import cache
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django_tasks.signals import task_enqueued, task_finished, task_started

from onestop.core import logredact

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
task_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("task_id", default="")

request_log = logging.getLogger("onestop.request")
task_log = logging.getLogger("onestop.task")

HEADER = "X-Request-ID"
_WELL_FORMED = re.compile(r"[A-Za-z0-9._-]{8,64}")
CARRY_SECONDS = 24 * 3600
QUIET_PATHS = ("/healthz", "/readyz", "/metrics")


def new_id() -> str:
    return uuid.uuid4().hex


def _carry_key(task_id: str) -> str:
    return f"onestop:task-request:{task_id}"


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        sent = request.headers.get(HEADER, "")
        rid = sent if _WELL_FORMED.fullmatch(sent) else new_id()
        token = request_id_var.set(rid)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response[HEADER] = rid
        if request.path not in QUIET_PATHS:
            match = getattr(request, "resolver_match", None)
            request_log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "request_id": rid,
                    "method": request.method,
                    "path": request.path,
                    "view": (match.view_name if match is not None else "") or "",
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
        return response


@receiver(task_enqueued)
def _remember_request(sender: Any, task_result: Any, **kwargs: Any) -> None:
    rid = request_id_var.get()
    if not rid:
        return
    task_log.info(
        "task enqueued",
        extra={
            "request_id": rid,
            "task_id": str(task_result.id),
            "task": task_result.task.module_path,
        },
    )
    try:
        cache.set(_carry_key(str(task_result.id)), rid, CARRY_SECONDS)
    except Exception:  # the log line already joins the ids; the cache is a convenience
        task_log.warning("could not leave the request id for task %s", task_result.id)


@receiver(task_started)
def _task_started(sender: Any, task_result: Any, **kwargs: Any) -> None:
    task_id = str(task_result.id)
    task_id_var.set(task_id)
    try:
        rid = str(cache.get(_carry_key(task_id)) or "")
    except Exception:
        rid = ""
    request_id_var.set(rid)
    task_log.info(
        "task started",
        extra={"request_id": rid, "task_id": task_id, "task": task_result.task.module_path},
    )


@receiver(task_finished)
def _task_finished(sender: Any, task_result: Any, **kwargs: Any) -> None:
    task_log.info(
        "task finished",
        extra={"task": task_result.task.module_path, "status": str(task_result.status)},
    )
    task_id_var.set("")
    request_id_var.set("")


# Attributes of every LogRecord; anything else on a record came from `extra=`.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, the request and
    task ids, the `extra=` fields, and an exception's type and traceback."""

    def format(self, record: logging.LogRecord) -> str:
        message = logredact.redact(record.getMessage())
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": message,
        }
        rid = getattr(record, "request_id", "") or request_id_var.get()
        tid = getattr(record, "task_id", "") or task_id_var.get()
        if rid:
            line["request_id"] = rid
        if tid:
            line["task_id"] = tid
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in line and not key.startswith("_"):
                line[key] = value if isinstance(value, int | float | bool) else str(value)
        if record.exc_info:
            line["exception"] = logredact.redact(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False)
