"""A small department service on loopback, speaking the department side of the HTTP JSON
adapter contract (docs/sharing.md "Department systems"): the source of a dataset in the tests
of `sharing.sources`, including its outages.

`DepartmentService(register, token=...)` serves ``GET|HEAD /records/<dataset>/<subject>`` from
`register` ({dataset: {subject key: record}}) to a caller with the bearer token; it keeps every
request it saw (`seen`: method, path, query, headers) so a test checks what the department
received. Outages: `delay` (seconds slept before answering: a timeout), `status` (answer every
request with this status: 500, 403 ...), `malformed` (a body that is not the contract's JSON),
`stop()` (the port closed: connection refused) and `start()` again (recovery, same port).

Ports: 8500–8529, half of the range per pytest-xdist worker, shifted by ONESTOP_TEST_PORT_OFFSET
(as the live nodes' ports are), so two checkouts can run their suites at once.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

PORTS = range(8500, 8530)


def _ports() -> range:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    number = int(worker[2:]) if worker[2:].isdigit() else 0
    half = len(PORTS) // 2
    offset = int(os.environ.get("ONESTOP_TEST_PORT_OFFSET", "0"))
    start = PORTS.start + offset + (number % 2) * half
    return range(start, start + half)


def free_port() -> int:
    """A port of this worker's half of the range that nothing listens on."""
    for port in _ports():
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in this worker's range")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True


class DepartmentService:
    def __init__(
        self, register: dict[str, dict[str, dict[str, Any]]], *, token: str, port: int = 0
    ) -> None:
        self.register = register
        self.token = token
        self.port = port or free_port()
        self.delay = 0.0
        self.status: int | None = None
        self.malformed = False
        self.oversize = 0  # bytes of padding in a record (a body larger than the node takes)
        self.declare_length = True  # False: no Content-Length, the body ends with the connection
        self.drip = 0.0  # seconds between the bytes of the body
        self.seen: list[dict[str, Any]] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def configure(self, dataset: str = "household", **settings: Any) -> Any:
        """Make this service the source of `dataset` (bearer token, 1-second timeouts)."""
        from onestop.core.actors import SYSTEM
        from onestop.sharing import services

        values: dict[str, Any] = {
            "base_url": self.url,
            "auth": "bearer",
            "secret": self.token,
            "connect_timeout": 1.0,
            "read_timeout": 1.0,
            **settings,
        }
        return services.source_configure(actor=SYSTEM, dataset=dataset, kind="http_json", **values)

    def start(self) -> DepartmentService:
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                service._answer(self, body=True)

            def do_HEAD(self) -> None:
                service._answer(self, body=False)

        self._server = _Server(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _send(self, handler: BaseHTTPRequestHandler, status: int, payload: Any, body: bool) -> None:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        if self.declare_length:
            handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        if not body:
            return
        if not self.drip:
            handler.wfile.write(data)
            return
        for byte in data:
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            time.sleep(self.drip)

    def _answer(self, handler: BaseHTTPRequestHandler, *, body: bool) -> None:
        parts = urlsplit(handler.path)
        self.seen.append(
            {
                "method": handler.command,
                "path": unquote(parts.path),
                "query": parse_qs(parts.query),
                "headers": {k.lower(): v for k, v in handler.headers.items()},
            }
        )
        if self.delay:
            time.sleep(self.delay)
        if handler.headers.get("Authorization") != f"Bearer {self.token}":
            self._send(handler, 401, {"error": "unauthenticated"}, body)
            return
        if self.status is not None:
            self._send(handler, self.status, {"error": "failure"}, body)
            return
        if self.malformed:
            self._send(handler, 200, b"<html>maintenance</html>", body)
            return
        segments = [s for s in parts.path.split("/") if s]
        if len(segments) != 3 or segments[0] != "records":
            self._send(handler, 404, {"error": "not_found"}, body)
            return
        dataset, subject = unquote(segments[1]), unquote(segments[2])
        record = self.register.get(dataset, {}).get(subject)
        if record is None:
            self._send(handler, 404, {"error": "not_found"}, body)
            return
        wanted = [f for f in parse_qs(parts.query).get("fields", [""])[0].split(",") if f]
        answer = {k: v for k, v in record.items() if not wanted or k in wanted}
        if self.oversize:
            answer = {**answer, "padding": "x" * self.oversize}
        self._send(
            handler,
            200,
            {"subject": subject, "updated_at": "2026-12-01T08:00:00Z", "record": answer},
            body,
        )
