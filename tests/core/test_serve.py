"""`onestop serve` (what `make run` ends with): gunicorn and the task worker both come up, the
node answers over HTTP, and one SIGINT (Ctrl-C) stops both processes cleanly."""

import os
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> list[int]:
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True, check=False
    )
    return [int(p) for p in out.stdout.split()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = (
        Path(f"/proc/{pid}/stat").read_text().split()[2] if Path(f"/proc/{pid}").exists() else "X"
    )
    return state not in ("Z", "X")


def test_serve_answers_and_stops_both_processes_on_ctrl_c(tmp_path):
    env = {
        **os.environ,
        "DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'node.sqlite3'}",
    }
    onestop = [sys.executable, "-m", "onestop"]
    subprocess.run([*onestop, "migrate", "-v", "0"], env=env, check=True)
    subprocess.run([*onestop, "collectstatic", "--no-input", "-v", "0"], env=env, check=True)
    port = _free_port()
    server = subprocess.Popen(
        [*onestop, "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        # gunicorn logs "Listening at" once its socket is bound: wait on that, not a clock.
        assert server.stdout is not None
        for raw in server.stdout:
            if b"Listening at" in raw:
                break
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=60) as r:
            assert r.status == 200
        children = _children(server.pid)
        assert len(children) == 2  # gunicorn master and db_worker

        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=30) == 0
        # serve waits for (and so reaps) both children before it exits.
        for child in children:
            assert not _alive(child), f"child {child} still running after Ctrl-C"
    finally:
        if server.poll() is None:
            server.kill()
            pytest.fail("serve did not stop on SIGINT")
