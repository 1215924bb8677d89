"""`onestop serve --after-start`: the background commands wait for the node's first answer,
then run in turn; stopping serve stops them."""

from __future__ import annotations

import http.server
import socket
import threading
from typing import Any

import pytest

from onestop.core.management.commands import serve


class _Ok(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: Any) -> None:
        pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Popen replaced by a recorder of the argv it is given (each 'process' exits 0 at once)."""
    ran: list[list[str]] = []

    class Done:
        def __init__(self, argv: list[str]) -> None:
            ran.append(argv[3:])  # after python -m onestop

        def wait(self) -> int:
            return 0

        def poll(self) -> int:
            return 0

    monkeypatch.setattr(serve.subprocess, "Popen", Done)
    return ran


def test_nothing_runs_before_the_node_answers_then_each_in_turn(
    started: list[list[str]],
) -> None:
    port = _free_port()
    after = serve.AfterStart(
        f"http://127.0.0.1:{port}/",
        ["seed_demo --phase deferred", "simulate --days 60 --per-day 2"],
        timeout=30,
    )
    after.start()
    after.join(1.5)
    assert after.is_alive()
    assert started == []  # nothing answers on the port yet

    server = http.server.HTTPServer(("127.0.0.1", port), _Ok)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        after.join(15)
    finally:
        server.shutdown()
        server.server_close()
    assert not after.is_alive()
    assert started == [
        ["seed_demo", "--phase", "deferred"],
        ["simulate", "--days", "60", "--per-day", "2"],
    ]


def test_stopping_before_the_node_answers_runs_nothing(started: list[list[str]]) -> None:
    after = serve.AfterStart(f"http://127.0.0.1:{_free_port()}/", ["simulate --days 1"])
    after.start()
    after.stop()
    after.join(5)
    assert not after.is_alive()
    assert started == []
