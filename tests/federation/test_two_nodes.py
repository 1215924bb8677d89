"""Two real nodes on loopback (separate processes, data dirs, SQLite files and ports 8301/8302):
peered by fingerprint with `onestop peer add`, pinging each other both ways with signed
messages, and an outbox message queued while the peer is down delivered exactly once after it
comes back (a lost reply resent: the peer answers the first reply and applies nothing again)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ONESTOP = [sys.executable, "-m", "onestop"]
PORTS = {"371121": 8301, "320707": 8302}


@dataclass
class Node:
    region: str
    data_dir: Path
    port: int
    server: subprocess.Popen | None = field(default=None)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("ONESTOP_", "DATABASE_URL", "PUBLIC_URL", "DJANGO_", "NODE_"))
        }
        env.update(
            {
                "DATA_DIR": str(self.data_dir),
                "DATABASE_URL": f"sqlite:///{self.data_dir / 'node.sqlite3'}",
                "NODE_REGION": self.region,
                "PUBLIC_URL": self.url,
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "FEDERATION_TIMEOUT": "5",
            }
        )
        return env

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [*ONESTOP, *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if check:
            assert done.returncode == 0, done.stderr
        return done

    def shell(self, code: str) -> str:
        """Run `code` in `onestop shell`; its last line of output."""
        return self.run("shell", "-c", code).stdout.strip().splitlines()[-1]

    def start(self) -> None:
        self.server = subprocess.Popen(
            [*ONESTOP, "serve", "--port", str(self.port), "--workers", "1", "--no-worker"],
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        assert self.server.stdout is not None
        for raw in self.server.stdout:  # gunicorn says so once its socket is bound
            if b"Listening at" in raw:
                break
        else:
            pytest.fail(f"node {self.region} did not start")
        # keep reading its log, or a full pipe would stop the server
        threading.Thread(target=self.server.stdout.read, daemon=True).start()
        with urllib.request.urlopen(  # noqa: S310 - our own http://127.0.0.1 URL
            self.url + "/.well-known/onestop-node.json", timeout=60
        ) as r:
            assert json.load(r)["region"] == self.region

    def stop(self) -> None:
        if self.server is not None and self.server.poll() is None:
            self.server.send_signal(signal.SIGTERM)
            try:
                self.server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()
        self.server = None


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Node]]:
    made = {
        region: Node(region, tmp_path_factory.mktemp(f"node{region}"), port)
        for region, port in PORTS.items()
    }
    migrations = [
        subprocess.Popen([*ONESTOP, "migrate", "-v", "0"], env=n.env()) for n in made.values()
    ]
    assert all(m.wait(timeout=600) == 0 for m in migrations)
    try:
        for n in made.values():
            n.start()
        yield made
    finally:
        for n in made.values():
            n.stop()


@pytest.fixture(scope="module")
def peered(nodes: dict[str, Node]) -> dict[str, Node]:
    a, b = nodes["371121"], nodes["320707"]
    fingerprints = {n.region: _fingerprint(n) for n in (a, b)}
    refused = a.run("peer", "add", b.url, "--fingerprint", "0" * 64, check=False)
    assert refused.returncode != 0
    assert "fingerprint" in refused.stderr
    assert "320707" in a.run("peer", "add", b.url, "--fingerprint", fingerprints["320707"]).stdout
    assert "371121" in b.run("peer", "add", a.url, "--fingerprint", fingerprints["371121"]).stdout
    return nodes


def _fingerprint(n: Node) -> str:
    """What `onestop peer fingerprint` prints: SHA-256 of the raw current federation key
    (read here from the node document, without starting one more process)."""
    with urllib.request.urlopen(  # noqa: S310 - our own http://127.0.0.1 URL
        n.url + "/.well-known/onestop-node.json", timeout=60
    ) as r:
        doc = json.load(r)
    key = next(k for k in doc["keys"] if k["use"] == "federation" and k["current"])
    return hashlib.sha256(base64.b64decode(key["public_key"])).hexdigest()


LEDGER = (
    "from onestop.ledger.models import Entry; import json; "
    "print(json.dumps(sorted(e.payload['direction'] for e in "
    "Entry.objects.filter(kind='federation.message'))))"
)


def test_the_nodes_ping_each_other_with_pinned_keys(peered: dict[str, Node]) -> None:
    a, b = peered["371121"], peered["320707"]
    for sender, receiver in ((a, b), (b, a)):
        result = json.loads(sender.run("peer", "ping", receiver.region).stdout)
        assert result["ok"] is True
        assert result["pong"]["type"] == "pong"
        assert result["pong"]["ping_from"] == sender.region
        assert result["pong"]["pong_from"] == receiver.region
    # both sides logged both messages on their ledgers (a hash, not the body)
    for n in (a, b):
        assert json.loads(n.shell(LEDGER)) == ["in", "out"]


SEND_WHILE_DOWN = (
    "from onestop.federation import services; "
    "m = services.message_send(to_region='320707', type='ping', body={'n': 1}, "
    "purpose='monitoring'); "
    "print(services.outbox_deliver(message_id=m.pk), m.pk)"
)
# deliver; again (nothing to do); then as if the reply had been lost: queued again, resent
DELIVER_TWICE = (
    "from onestop.federation import services; "
    "from onestop.federation.models import OutboxMessage; "
    "first = services.outbox_deliver(message_id='{id}'); "
    "again = services.outbox_deliver(message_id='{id}'); "
    "OutboxMessage.objects.filter(pk='{id}').update(state='queued'); "
    "resent = services.outbox_deliver(message_id='{id}'); "
    "m = OutboxMessage.objects.get(pk='{id}'); "
    "print(first, again, resent, m.attempts, m.reply['in_reply_to'])"
)
COUNT_INBOX = (
    "from onestop.federation.models import InboxMessage; "
    "print(InboxMessage.objects.filter(message_id='{id}').count())"
)


def test_a_message_queued_while_the_peer_is_down_arrives_once(peered: dict[str, Node]) -> None:
    a, b = peered["371121"], peered["320707"]
    b.stop()
    state, message_id = a.shell(SEND_WHILE_DOWN).split()
    assert state == "queued"  # the connection was refused: kept, retried later
    b.start()
    first, again, resent, attempts, in_reply_to = a.shell(
        DELIVER_TWICE.format(id=message_id)
    ).split()
    assert (first, again, resent) == ("sent", "sent", "sent")
    assert attempts == "3"  # down, delivered, resent after the "lost" reply
    assert in_reply_to == message_id  # the first reply, answered again
    assert b.shell(COUNT_INBOX.format(id=message_id)) == "1"  # applied exactly once
