"""The node scaled out (issue #13 §4, `make run-scaled`): two web servers and two task workers on
PostgreSQL with Redis for the cache, the sessions and the rate limits (tools/run_scaled.py).
A request submitted through one web server is processed by one of the workers and read through
the other web server; a session made on one is good on the other; a rate limit counts the
requests of both.

Needs PostgreSQL (the suite's DATABASE_URL) and Redis (ONESTOP_TEST_REDIS_URL, default
redis://127.0.0.1:6379/9; the database is emptied); skipped without them, as CI has both."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tests.factories import PASSWORD
from tests.factories.nodes import INHERITED_NOT, worker_ports

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("ONESTOP_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
PORTS = worker_ports(5460, 5461)
SERVICE = "urban-rural-construction.property-management"
KEY = "demo-open311-key"  # open311.seed.DEMO_KEY

BUILD = (
    "from django.core.management import call_command; "
    "call_command('collectstatic', interactive=False, verbosity=0); "
    "from onestop.core import keys; keys.ensure_keys(); "
    "from tests.open311.conftest import build_world; build_world()"
)


def _redis() -> Any:
    try:
        import redis
    except ImportError:
        pytest.skip("the redis package is not installed")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis is not reachable at {REDIS_URL} ({error}); CI runs it")
    return client


def _database_url() -> str:
    if connection.vendor != "postgresql":
        pytest.skip("the scaled-out node runs on PostgreSQL: run with DATABASE_URL=postgres://…")
    s = connection.settings_dict
    user = urllib.parse.quote(s["USER"] or "postgres")
    password = f":{urllib.parse.quote(s['PASSWORD'])}" if s["PASSWORD"] else ""
    return f"postgres://{user}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _call(
    port: int, method: str, path: str, body: bytes | None = None, **headers: str
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers={"Accept-Language": "en", **headers})
        answer = conn.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    finally:
        conn.close()


def _post311(port: int, key: str) -> tuple[int, Any]:
    form = urllib.parse.urlencode(
        {
            "api_key": KEY,
            "service_code": SERVICE,
            "lat": "35.7",
            "long": "119.2",
            "description": "小区电梯坏了一周，物业不修。",
            "phone": "13800005555",
            "attribute[request_type]": "complaint",
        }
    ).encode()
    status, _h, body = _call(
        port,
        "POST",
        "/open311/v2/requests.json",
        form,
        **{"Content-Type": "application/x-www-form-urlencoded", "Idempotency-Key": key},
    )
    return status, json.loads(body)


@pytest.fixture
def scaled(transactional_db: Any, tmp_path: Path) -> Iterator[dict[str, Any]]:
    url = _database_url()
    store = _redis()
    store.flushdb()
    env = {k: v for k, v in os.environ.items() if not k.startswith(INHERITED_NOT)}
    env.update(
        {
            "DATA_DIR": str(tmp_path / "node"),
            "DATABASE_URL": url,
            "REDIS_URL": REDIS_URL,
            "NODE_REGION": "371121",
            "PUBLIC_URL": f"http://127.0.0.1:{PORTS[0]}",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PYTHONPATH": str(ROOT),
            "HOTLINE_AUTO_DISPATCH": "false",
            "RATE_LIMIT_OPEN311_POST": "3/m",
            "TICK_SECONDS": "0",
        }
    )
    built = subprocess.run(
        [sys.executable, "-m", "onestop", "shell", "-c", BUILD],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    process = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "tools" / "run_scaled.py"),
            "--ports",
            *map(str, PORTS),
            "--web-workers",
            "1",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        cwd=ROOT,
    )
    assert process.stdout is not None
    said: list[bytes] = []
    for line in process.stdout:
        said.append(line)
        if b"OneStop scaled out" in line:
            break
    else:
        pytest.fail(b"".join(said[-40:]).decode(errors="replace"))
    import threading

    threading.Thread(target=process.stdout.read, daemon=True).start()
    try:
        yield {"a": PORTS[0], "b": PORTS[1], "redis": store}
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        store.flushdb()


def _processed(number: str, timeout: float = 120.0) -> tuple[list[str], str]:
    """The worker ids that ran the order's receipt task, and the receipt's status, once the
    task has succeeded and the receipt is sent."""
    from django_tasks_db.models import DBTaskResult

    from onestop.notify.models import Notification

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        task = DBTaskResult.objects.filter(
            task_path="onestop.hotline.tasks.notify_citizens", status="SUCCESSFUL"
        ).first()
        receipt = Notification.objects.filter(
            template="hotline.received", body__contains=number
        ).first()
        # the SMS gateway took it (`sent`; the development adapter only logs it)
        if task is not None and receipt is not None and receipt.status in ("sent", "delivered"):
            return task.worker_ids, receipt.status
        time.sleep(0.5)
    pytest.fail(f"the receipt of {number} was not processed in {timeout} s")


def test_submitted_on_one_server_processed_by_a_worker_read_on_the_other(
    scaled: dict[str, Any],
) -> None:
    from onestop.core.models import WorkerBeat

    a, b = scaled["a"], scaled["b"]
    status, body = _post311(a, "scaled-1")
    assert status == 200, body
    number = body[0]["service_request_id"]

    workers, receipt = _processed(number)
    beating = set(WorkerBeat.objects.values_list("pk", flat=True))
    assert len(beating) == 2  # two task workers, both alive
    assert workers[-1] in beating  # one of them ran it
    assert receipt == "sent"

    status, _h, read = _call(b, "GET", f"/open311/v2/requests/{number}.json", **{"X-Api-Key": KEY})
    assert status == 200
    [order] = json.loads(read)
    assert order["service_request_id"] == number
    assert order["service_code"] == SERVICE

    # the rate limit (3 a minute for the key) counts the requests of both servers
    assert _post311(b, "scaled-2")[0] == 200
    assert _post311(a, "scaled-3")[0] == 200
    refused, answer = _post311(b, "scaled-4")
    assert refused == 429, answer
    assert _post311(a, "scaled-5")[0] == 429

    # a session made on server A is good on server B, and it lives in Redis
    status, headers, _page = _call(a, "GET", "/accounts/login/")
    assert status == 200
    csrf = re.search(r"csrftoken=([^;]+)", headers["set-cookie"]).group(1)  # type: ignore[union-attr]
    form = urllib.parse.urlencode(
        {"username": "citizen", "password": PASSWORD, "csrfmiddlewaretoken": csrf}
    ).encode()
    status, headers, _body = _call(
        a,
        "POST",
        "/accounts/login/",
        form,
        **{"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf}"},
    )
    assert status == 302, _body[:2000]
    session = re.search(r"sessionid=([^;]+)", headers["set-cookie"]).group(1)  # type: ignore[union-attr]
    assert any(session.encode() in key for key in scaled["redis"].keys("*"))
    from django.contrib.sessions.models import Session

    assert not Session.objects.exists()  # not in the database

    status, _h, mine = _call(b, "GET", "/accounts/me/", Cookie=f"sessionid={session}")
    assert status == 200
    assert b"citizen" in mine or "张伟".encode() in mine
    status, headers, _body = _call(b, "GET", "/accounts/me/")
    assert status == 302  # without the cookie: to the login page
    assert "/accounts/login/" in headers["location"]
