"""Nothing lost, nothing twice, when a node dies (issue 11 §7): two real nodes on loopback; the
sender's delivery process is killed with SIGKILL in the middle of delivering its outbox, then
the receiving node (gunicorn and all) is killed with SIGKILL while messages are arriving; both
come back, and every message is applied exactly once on the peer — one inbox row and one ledger
entry each, on both sides, none half-applied."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.factories.nodes import ONESTOP, LiveNode, migrate_all, peer, worker_ports

# One worker runs the whole module (`make test` uses `--dist loadgroup`): its
# module-scoped set-up is made once, and its tests see each other's order.
pytestmark = pytest.mark.xdist_group("live-nodes-sigkill")

PORTS = dict(zip(("371121", "320707"), worker_ports(8351, 8352), strict=True))
COUNT = 40

QUEUE = f"""
from django.db import transaction
from onestop.federation import services
with transaction.atomic():
    ids = [str(services.message_send(to_region="320707", type="ping", body={{"n": n}},
        purpose="monitoring").pk) for n in range({COUNT})]
print(" ".join(ids))
"""


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, LiveNode]]:
    made = {
        region: LiveNode(
            region,
            Path(tmp_path_factory.mktemp(f"kill{region}")),
            port,
            extra_env={"FEDERATION_TIMEOUT": "5", "PYTHONUNBUFFERED": "1"},
        )
        for region, port in PORTS.items()
    }
    migrate_all(list(made.values()))
    try:
        for n in made.values():
            n.start()
        a, b = made["371121"], made["320707"]
        peer(a, b)
        yield made
    finally:
        for n in made.values():
            n.stop()


def _deliverer(node: LiveNode) -> subprocess.Popen:
    """`onestop outbox deliver` (what the worker does), one line per message tried."""
    return subprocess.Popen(
        [*ONESTOP, "outbox", "deliver"],
        env=node.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )


def _read_lines(process: subprocess.Popen, count: int) -> list[str]:
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line.split()[-1])
        if len(lines) >= count:
            break
    return lines


def _kill(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _json(node: LiveNode, code: str) -> Any:
    """What `code` (run in the node's shell, on whatever database the node uses) prints as JSON."""
    return json.loads(node.shell(code))


def _per_id(rows: list[tuple]) -> dict[str, int]:
    return {str(mid).replace("-", ""): n for mid, n in rows}


def test_every_message_arrives_exactly_once_across_sigkills(pair: dict[str, LiveNode]) -> None:
    a, b = pair["371121"], pair["320707"]
    ids = [pk.replace("-", "") for pk in a.shell(QUEUE).split()]
    assert len(set(ids)) == COUNT

    # 1. the sender's delivery process dies mid-delivery (some sent, one maybe half-way)
    first = _deliverer(a)
    assert _read_lines(first, 5) == ["sent"] * 5
    _kill(first)

    # 2. a new delivery process runs; the receiving node dies while messages arrive
    second = _deliverer(a)
    assert _read_lines(second, 5) == ["sent"] * 5
    b.kill()
    rest = second.communicate(timeout=600)[0].split()
    assert "queued" in rest  # the peer is gone: kept in the outbox, to be retried

    # 3. the peer comes back; the outbox is delivered until it is empty
    b.start()
    for _round in range(3):
        done = a.run("outbox", "deliver").stdout.split()
        if "queued" not in done:
            break
    states = _json(
        a,
        "import json; from collections import Counter; "
        "from onestop.federation.models import OutboxMessage; "
        "print(json.dumps(Counter(OutboxMessage.objects.values_list('state', flat=True))))",
    )
    assert states == {"sent": COUNT}

    inbox = _per_id(
        _json(
            b,
            "import json; from collections import Counter; "
            "from onestop.federation.models import InboxMessage; "
            "print(json.dumps(list(Counter(str(m) for m in InboxMessage.objects.filter("
            "from_region='371121', type='ping').values_list('message_id', flat=True)).items())))",
        )
    )
    assert sorted(inbox) == sorted(ids)  # every message arrived
    assert set(inbox.values()) == {1}  # once

    # nothing half-applied: each applied message has its reply and its ledger entry, once,
    # and each sent message its entry on the sender's ledger
    # (replies are encrypted at rest: read through the node, not the file)
    pongs = b.shell(
        "from onestop.federation.models import InboxMessage; "
        "print(sum(1 for m in InboxMessage.objects.filter(type='ping') "
        "if m.reply['body']['type'] == 'pong'), "
        "InboxMessage.objects.filter(type='ping').count())"
    ).split()
    assert pongs[0] == pongs[1]
    for node, direction in ((b, "in"), (a, "out")):
        logged = _per_id(
            _json(
                node,
                "import json; from collections import Counter; "
                "from onestop.ledger.models import Entry; "
                "print(json.dumps(list(Counter(p['id'] for p in Entry.objects.filter("
                "kind='federation.message').values_list('payload', flat=True) "
                f"if p.get('type') == 'ping' and p.get('direction') == '{direction}').items())))",
            )
        )
        assert sorted(logged) == sorted(ids)
        assert set(logged.values()) == {1}
