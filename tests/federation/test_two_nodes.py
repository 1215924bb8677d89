"""Two real nodes on loopback (separate processes, data dirs, SQLite files and ports 8301/8302,
ten up for each further test process):
peered by fingerprint with `onestop peer add`, pinging each other both ways with signed
messages, and an outbox message queued while the peer is down delivered exactly once after it
comes back (a lost reply resent: the peer answers the first reply and applies nothing again)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.factories.nodes import LiveNode, fingerprint, migrate_all, worker_ports

# One worker runs the whole module (`make test` uses `--dist loadgroup`): its
# module-scoped set-up is made once, and its tests see each other's order.
pytestmark = pytest.mark.xdist_group("live-nodes-two")

PORTS = dict(zip(("371121", "320707"), worker_ports(8301, 8302), strict=True))


def _node(region: str, data_dir: Path, port: int) -> LiveNode:
    return LiveNode(region, data_dir, port, extra_env={"FEDERATION_TIMEOUT": "5"})


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, LiveNode]]:
    made = {
        region: _node(region, tmp_path_factory.mktemp(f"node{region}"), port)
        for region, port in PORTS.items()
    }
    migrate_all(list(made.values()))
    try:
        for n in made.values():
            n.start()
            assert json.loads(n.get("/.well-known/onestop-node.json"))["region"] == n.region
        yield made
    finally:
        for n in made.values():
            n.stop()


@pytest.fixture(scope="module")
def peered(nodes: dict[str, LiveNode]) -> dict[str, LiveNode]:
    a, b = nodes["371121"], nodes["320707"]
    fingerprints = {n.region: fingerprint(n) for n in (a, b)}
    refused = a.run("peer", "add", b.url, "--fingerprint", "0" * 64, check=False)
    assert refused.returncode != 0
    assert "fingerprint" in refused.stderr
    assert "320707" in a.run("peer", "add", b.url, "--fingerprint", fingerprints["320707"]).stdout
    assert "371121" in b.run("peer", "add", a.url, "--fingerprint", fingerprints["371121"]).stdout
    return nodes


LEDGER = (
    "from onestop.ledger.models import Entry; import json; "
    "print(json.dumps(sorted(e.payload['direction'] for e in "
    "Entry.objects.filter(kind='federation.message'))))"
)


def test_the_nodes_ping_each_other_with_pinned_keys(peered: dict[str, LiveNode]) -> None:
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


def test_a_message_queued_while_the_peer_is_down_arrives_once(peered: dict[str, LiveNode]) -> None:
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
