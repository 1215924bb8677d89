"""Notify fixtures: people built through the accounts services, the development channels,
and a tiny SMS gateway on loopback."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from onestop.accounts.models import User
from tests.factories import AdministratorFactory, CitizenFactory, worlds

PASSWORD = "correct-horse-battery"
PHONE = "13812345678"


@pytest.fixture(autouse=True)
def _channels(settings: Any) -> None:
    settings.LANGUAGE_CODE = "zh-hans"
    settings.NOTIFY_SMS_BACKEND = "onestop.notify.channels.LogSMSBackend"
    settings.NOTIFY_EMAIL_BACKEND = "onestop.notify.channels.LogEmailBackend"
    settings.NOTIFY_SMS_URL = ""
    settings.NOTIFY_SMS_TOKEN = ""


@worlds.fixture("org", worlds.build_org, value=lambda: None)
def org(db: None) -> None:
    worlds.use("org")


@pytest.fixture
def citizen(org: None) -> User:
    return CitizenFactory(
        username="zhangwei",
        password=PASSWORD,
        real_name="张伟",
        resident_id="37112119930315123X",
        phone=PHONE,
        level=1,  # no "level raised" notice among the ones these tests count
    )


@pytest.fixture
def other(org: None) -> User:
    return CitizenFactory(
        username="lina",
        password=PASSWORD,
        real_name="李娜",
        resident_id="371121199507084569",
        phone="13900001111",
        level=1,
    )


@pytest.fixture
def administrator(org: None) -> User:
    return AdministratorFactory(
        username="admin-wl", password=PASSWORD, real_name="周敏", region_code="371121"
    )


class Gateway:
    """What the fake SMS gateway received, and the answers it gives (status, JSON body)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.answers: list[tuple[int, dict[str, Any]]] = []
        self.url = ""


@pytest.fixture
def gateway(settings: Any) -> Iterator[Gateway]:
    state = Gateway()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            state.requests.append(
                {
                    "path": self.path,
                    "headers": dict(self.headers.items()),
                    "json": json.loads(self.rfile.read(length)),
                }
            )
            status, body = state.answers.pop(0) if state.answers else (200, {"id": "gw-1"})
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/sms/send"
    settings.NOTIFY_SMS_BACKEND = "onestop.notify.channels.HttpSMSBackend"
    settings.NOTIFY_SMS_URL = state.url
    settings.NOTIFY_SMS_TOKEN = "test-token"
    yield state
    server.shutdown()
    server.server_close()
    thread.join()
